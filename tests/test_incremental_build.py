"""``unpacs build`` does only what changed, with the verdicts of a full build."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures.cli_helpers import clean_env
from fixtures.stores import BASE, ROOT

from unpacs.loader import formats
from unpacs.loader.errors import ValidationFailedError
from unpacs.loader.ingest.build import build_store
from unpacs.loader.ingest.validation import violations
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore

UNPACS = str(Path(sys.executable).with_name("unpacs"))
UNPOG = BASE + "graph/seed/unpog"
OLD_NAME = "Division for Public Administration and Development Management"


def dump(store: OxigraphStore) -> bytes:
    out = io.BytesIO()
    store.dump(formats.by_name("nquads"), out)
    return out.getvalue()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(ROOT / "data", copy)
    return copy


def test_a_second_build_with_nothing_changed_does_nothing_in_under_3_s(
    bundled_copy: Path, tmp_path: Path
) -> None:
    before = dump_of(bundled_copy)
    env = clean_env(UNPACS_STORE=str(bundled_copy))
    started = time.perf_counter()
    done = subprocess.run(
        [UNPACS, "build"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert "nothing to do" in done.stdout
    assert seconds < 3, f"a build with nothing to do took {seconds:.2f} s"
    assert dump_of(bundled_copy) == before


def dump_of(path: Path) -> bytes:
    store = OxigraphStore(path)
    try:
        return dump(store)
    finally:
        store.close()


def test_changing_one_seed_file_rebuilds_only_its_graph(bundled_copy: Path, data: Path) -> None:
    unpog = data / "seed" / "unpog.ttl"
    unpog.write_text(
        unpog.read_text(encoding="utf-8").replace(OLD_NAME, "Division for Public Institutions"),
        encoding="utf-8",
    )
    settings = Settings(store=str(bundled_copy), data_dir=data, base_iri=BASE)
    store = OxigraphStore(bundled_copy)
    try:
        report = build_store(store, settings)
        assert report.committed and report.validated
        assert list(report.graphs) == [UNPOG]
        assert UNPOG not in report.unchanged and len(report.unchanged) > 10
        assert b'"Division for Public Institutions"@en' in dump(store)
        again = build_store(store, settings)
        assert again.graphs == {} and not again.committed
    finally:
        store.close()


def test_a_change_that_leaves_a_record_elsewhere_pointing_at_nothing_is_refused(
    bundled_copy: Path, data: Path
) -> None:
    # Renaming an institution breaks the events (in another, unchanged file) it organized.
    unpog = data / "seed" / "unpog.ttl"
    text = unpog.read_text(encoding="utf-8")
    unpog.write_text(
        text.replace("organization/undesa>", "organization/undesa-renamed>").replace(
            "organization/undesa ", "organization/undesa-renamed "
        ),
        encoding="utf-8",
    )
    settings = Settings(store=str(bundled_copy), data_dir=data, base_iri=BASE)
    store = OxigraphStore(bundled_copy)
    try:
        before = dump(store)
        with pytest.raises(ValidationFailedError) as refused:
            build_store(store, settings)
        blocking = violations(refused.value.issues)
        assert blocking and all(i.file == "seed/events.ttl" for i in blocking)
        assert all("organizer" in i.message for i in blocking)
        assert dump(store) == before
    finally:
        store.close()


def test_an_invalid_change_to_the_changed_file_is_refused_with_the_store_unchanged(
    bundled_copy: Path, data: Path
) -> None:
    unpog = data / "seed" / "unpog.ttl"
    unpog.write_text(
        unpog.read_text(encoding="utf-8").replace(
            f'skos:prefLabel "{OLD_NAME}"@en ;', 'skos:prefLabel "x"@en ; skos:prefLabel "y"@en ;'
        ),
        encoding="utf-8",
    )
    settings = Settings(store=str(bundled_copy), data_dir=data, base_iri=BASE)
    store = OxigraphStore(bundled_copy)
    try:
        before = dump(store)
        with pytest.raises(ValidationFailedError):
            build_store(store, settings)
        assert dump(store) == before
    finally:
        store.close()
