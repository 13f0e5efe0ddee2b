"""Choosing the store from settings: a directory means embedded, an http(s) URL remote."""

from __future__ import annotations

from loader.settings import Settings
from loader.store.oxigraph import OxigraphStore
from loader.store.protocol import Store


def open_store(settings: Settings) -> Store:
    if settings.store_is_remote:
        from loader.store.sparql_protocol import SparqlProtocolStore

        return SparqlProtocolStore(
            settings.store,
            update_url=settings.update_url,
            graph_store_url=settings.graph_store_url,
            timeout=settings.query_timeout,
        )
    return OxigraphStore(settings.store)
