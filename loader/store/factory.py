"""Choosing the store from settings: a directory means embedded, an http(s) URL remote."""

from __future__ import annotations

from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import Store


def open_store(settings: Settings) -> Store:
    if settings.store_is_remote:
        from unpacs.loader.store.sparql_protocol import SparqlProtocolStore

        return SparqlProtocolStore(
            settings.store,
            update_url=settings.update_url,
            graph_store_url=settings.graph_store_url,
            timeout=settings.query_timeout,
        )
    return OxigraphStore(settings.store)
