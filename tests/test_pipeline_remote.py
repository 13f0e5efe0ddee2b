"""The load pipeline over both stores: the same result, and failures change nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from unpacs.loader import formats
from unpacs.loader.errors import ValidationFailedError
from unpacs.loader.ingest.pipeline import load_sources, read_source
from unpacs.loader.settings import Settings
from unpacs.loader.store.protocol import Store

DATA = Path(__file__).parent / "data" / "pipeline"
SETTINGS = Settings(shapes_dir=DATA / "shapes", data_dir=DATA)


def dump(store: Store) -> list[bytes]:
    out = io.BytesIO()
    store.dump(formats.by_name("nquads"), out)
    return sorted(out.getvalue().splitlines())


def test_load_validate_and_refuse_on_any_store(any_store: Store) -> None:
    report = load_sources(any_store, [read_source(DATA / "valid.ttl", SETTINGS)], SETTINGS)
    assert report.committed
    before = dump(any_store)
    assert len(before) == report.triples
    # Linked to a stored record: the remote store answers the neighbour lookup too.
    load_sources(any_store, [read_source(DATA / "refers-to-stored.ttl", SETTINGS)], SETTINGS)
    after_good = dump(any_store)
    with pytest.raises(ValidationFailedError):
        load_sources(any_store, [read_source(DATA / "violation.ttl", SETTINGS)], SETTINGS)
    assert dump(any_store) == after_good


def test_bundled_data_builds_on_the_remote_store(remote_store: Store) -> None:
    from unpacs.loader.cli import build_store

    root = Path(__file__).parent.parent
    settings = Settings(shapes_dir=root / "shapes", data_dir=root / "data")
    report = build_store(remote_store, settings)
    classes = remote_store.stats().instances_per_class
    assert classes[settings.base_iri + "def/unpacs#MemberState"] == 193
    per_graph = remote_store.stats().triples_per_graph
    # Besides the data: the store's record of the base IRI it was built under (2 triples).
    assert per_graph.pop("urn:unpacs:meta") == 2
    assert report.triples == sum(per_graph.values())
