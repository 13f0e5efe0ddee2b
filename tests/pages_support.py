"""Shared setup for the issue 10 tests: the bundled data built once per session, the fixture."""

from __future__ import annotations

from pathlib import Path

from unpacs.loader.cli import build_store
from unpacs.loader.ingest.pipeline import load_sources, read_source
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore

FIXTURE = Path(__file__).parent / "data" / "pages" / "fixture.ttl"


def built_store(location: Path, base_iri: str, *, fixture: bool = True) -> OxigraphStore:
    """The bundled data (validated, through the pipeline), plus the synthetic page fixture."""
    settings = Settings(store=str(location), base_iri=base_iri)
    store = OxigraphStore(location)
    build_store(store, settings)
    if fixture:
        load_sources(store, [read_source(FIXTURE, settings)], settings, validate=False)
    return store
