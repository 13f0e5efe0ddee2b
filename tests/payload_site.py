"""The bundled data plus stored attack values (tests/data/pages/link-payloads.ttl), loaded once
per session through the validating pipeline, and a copy of it per test to serve."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from stewards import built_store  # noqa: F401  (fixture the one below builds on)

from unpacs.loader.ingest.pipeline import load_sources, read_source
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore

PAYLOADS = Path(__file__).parent / "data" / "pages" / "link-payloads.ttl"
OFFICE = "organization/zz-payload-office"
# The pages that hold a payload, one of each kind the brief names.
PAYLOAD_PAGES = (
    "/doc/" + OFFICE,
    "/doc/country/PHL",
    "/doc/person/zz-payload-person",
    "/doc/concept/country-group/ldc",
    "/doc/dataset/egov-survey-2018",
    "/search?q=payload",
)


@pytest.fixture(scope="session")
def payload_store(
    built_store: Path,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    path = tmp_path_factory.mktemp("payloads") / "store"
    shutil.copytree(built_store, path)
    settings = Settings(store=str(path))
    store = OxigraphStore(path)
    try:
        report = load_sources(store, [read_source(PAYLOADS, settings)], settings)
    finally:
        store.close()
    # The shapes accepted every value: what a steward could store, not what only a test can.
    assert report.validated and report.committed
    return path


def payload_settings(tmp_path: Path, payload_store: Path) -> Settings:
    """Settings for a private copy of the payload store (a served app owns its store)."""
    store = tmp_path / "store"
    shutil.copytree(payload_store, store)
    return Settings(store=str(store))
