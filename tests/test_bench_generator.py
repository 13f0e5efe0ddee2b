"""The benchmark generator: right size, deterministic, parseable, marked synthetic, valid.

``bench`` is not an installed package, so the generator runs as its users run it:
``python -m bench.generate`` from the project folder.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from fixtures.stores import BASE

from unpacs.loader.ingest.pipeline import load_sources, read_source, validate_sources
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore

REPO = Path(__file__).resolve().parent.parent
SYNTHETIC_SOURCE = "urn:unpacs:synthetic:bench"
DCT_SOURCE = pyoxigraph.NamedNode("http://purl.org/dc/terms/source")
FORMATS = {"nt": pyoxigraph.RdfFormat.N_TRIPLES, "ttl": pyoxigraph.RdfFormat.TURTLE}


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        store=str(tmp_path / "store"), shapes_dir=REPO / "shapes", data_dir=tmp_path / "data"
    )


def write_file(
    out: Path,
    triples: int,
    *,
    seed: int = 1,
    fmt: str = "nt",
    prefix: str = "",
    base_iri: str = BASE,
) -> int:
    """Run the generator's CLI; returns the triple count it reports."""
    options = {"--triples": str(triples), "--out": str(out), "--seed": str(seed)}
    options |= {"--format": fmt, "--prefix": prefix, "--base-iri": base_iri}
    done = subprocess.run(
        [sys.executable, "-m", "bench.generate", *(x for kv in options.items() for x in kv)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    # "wrote 2,004 triples to ... in 0.01 s"
    return int(done.stderr.split()[1].replace(",", ""))


def _parse(path: Path, fmt: str) -> list[pyoxigraph.Quad]:
    return list(pyoxigraph.parse(path=str(path), format=FORMATS[fmt], base_iri=BASE))


@pytest.mark.parametrize("fmt", ["nt", "ttl"])
def test_generated_file_parses_with_requested_size(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"data.{fmt}"
    written = write_file(out, 2_000, seed=7, fmt=fmt)
    quads = _parse(out, fmt)
    assert len(quads) == written
    assert len(set(quads)) == written, "no triple is written twice"
    assert 2_000 <= written <= 2_200


def test_turtle_uses_relative_iris_and_ntriples_the_base(tmp_path: Path) -> None:
    write_file(tmp_path / "a.ttl", 500, fmt="ttl")
    write_file(tmp_path / "a.nt", 500, fmt="nt", base_iri="https://example.org/u/")
    assert "127.0.0.1" not in (tmp_path / "a.ttl").read_text(encoding="utf-8")
    subjects = {q.subject.value for q in _parse(tmp_path / "a.nt", "nt")}
    assert any(s.startswith("https://example.org/u/id/country/X") for s in subjects)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    write_file(tmp_path / "a.nt", 2_000, seed=3)
    write_file(tmp_path / "b.nt", 2_000, seed=3)
    write_file(tmp_path / "c.nt", 2_000, seed=4)
    assert (tmp_path / "a.nt").read_bytes() == (tmp_path / "b.nt").read_bytes()
    assert (tmp_path / "a.nt").read_bytes() != (tmp_path / "c.nt").read_bytes()


def test_every_subject_carries_the_synthetic_source(tmp_path: Path) -> None:
    out = tmp_path / "data.nt"
    write_file(out, 2_000, seed=1)
    quads = _parse(out, "nt")
    subjects = {q.subject for q in quads}
    marked = {
        q.subject for q in quads if q.predicate == DCT_SOURCE and q.object.value == SYNTHETIC_SOURCE
    }
    assert subjects == marked
    sources = {q.object.value for q in quads if q.predicate == DCT_SOURCE}
    assert sources == {SYNTHETIC_SOURCE}


def test_generated_file_and_increment_conform_to_the_shapes(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    big, increment = tmp_path / "big.nt", tmp_path / "inc.nt"
    write_file(big, 5_000, seed=1)
    write_file(increment, 300, seed=1, prefix="k")
    store = OxigraphStore(tmp_path / "store")
    report = load_sources(store, [read_source(big, settings)], settings, validate=True)
    assert report.issues == []
    # The increment adds new keys only, and links to records the big file stored.
    big_subjects = {q.subject for q in _parse(big, "nt")}
    inc_quads = _parse(increment, "nt")
    assert not big_subjects & {q.subject for q in inc_quads}
    assert big_subjects & {q.object for q in inc_quads}
    assert validate_sources(store, [read_source(increment, settings)], settings) == []
    store.close()
