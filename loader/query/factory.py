"""The one place that picks the query executor from the settings.

- an embedded on-disk store: the worker pool (killable processes over checkpoints);
- an in-memory store (tests, tools): in-process, since a checkpoint needs a directory;
- a remote engine (``UNPACS_STORE=http...``): the HTTP client with its own deadline.
Answers of the embedded store are cached in front of it when ``UNPACS_QUERY_CACHE_MB`` is above
0. A remote engine is not cached: others may write to it without moving our generation.
"""

from __future__ import annotations

from unpacs.loader.query.executor import InProcessExecutor, QueryExecutor
from unpacs.loader.query.guard import policy_for
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import Store


def make_executor(
    settings: Settings, store: Store, *, workers: int | None = None, cache: bool = True
) -> QueryExecutor:
    """``workers`` overrides ``settings.query_workers`` (``unpacs query`` uses 1, no spare)."""
    executor: QueryExecutor
    # Every executor checks each query against it before anything parses the query.
    policy = policy_for(settings)
    if settings.store_is_remote:
        from unpacs.loader.query.remote import RemoteExecutor

        executor = RemoteExecutor(
            settings.store,
            limit=settings.result_limit,
            timeout=settings.query_timeout,
            policy=policy,
            graph_names=store.graph_names,
        )
    elif isinstance(store, OxigraphStore) and store.path is not None:
        from unpacs.loader.query.generations import root_for
        from unpacs.loader.query.pool import PoolExecutor

        executor = PoolExecutor(
            store.native,
            root_for(store.path),
            size=workers or settings.query_workers,
            spare=0 if workers else 1,
            limit=settings.result_limit,
            timeout=settings.query_timeout,
            memory_mb=settings.query_memory_mb,
            client_share=settings.client_query_workers,
            policy=policy,
            graph_names=store.graph_names,
        )
    else:
        executor = InProcessExecutor(
            store, limit=settings.result_limit, timeout=settings.query_timeout, policy=policy
        )
    if cache and settings.query_cache_mb > 0 and not settings.store_is_remote:
        from unpacs.loader.query.cache import CachingExecutor

        executor = CachingExecutor(executor, settings.query_cache_mb * 1024 * 1024)
    return executor
