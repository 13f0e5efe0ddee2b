"""CSV records in the seed layouts, mapped by the CSVW metadata in data/mappings/."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
from fixtures.stores import BASE, copy_store

from unpacs.loader import formats
from unpacs.loader.errors import CsvRecordError
from unpacs.loader.ingest.csv_records import parse_csv_records
from unpacs.loader.ingest.pipeline import load_sources, read_source
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import SolutionsResult

ROOT = Path(__file__).parent.parent
CSV = Path(__file__).parent / "data" / "csv"

LOOKUP = {"philippines": "PHL", "phl": "PHL"}


def parse(name: str) -> set[pyoxigraph.Triple]:
    return set(
        parse_csv_records(
            (CSV / name).read_bytes(),
            file=name,
            base_iri=BASE,
            country_lookup=LOOKUP,
            mappings_dir=ROOT / "data" / "mappings",
        )
    )


@pytest.mark.parametrize("name", ["institutions", "officials"])
def test_records_map_to_the_expected_triples(name: str) -> None:
    expected = set(
        pyoxigraph.parse((CSV / f"{name}.expected.nt").read_bytes(), pyoxigraph.RdfFormat.N_TRIPLES)
    )
    got = {pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in parse(f"{name}.csv")}
    assert got == expected


def test_remarks_are_never_published() -> None:
    assert (CSV / "officials.csv").read_text().count("INTERNAL NOTE") == 1
    assert not any("INTERNAL NOTE" in str(t) for t in parse("officials.csv"))


@pytest.mark.parametrize(
    ("name", "row", "field", "message"),
    [
        ("bad-date.csv", 2, "Start date", "is not a date; write YYYY-MM-DD"),
        ("missing-required.csv", 2, "Institution code", "Institution code is required"),
        ("missing-required.csv", 2, "Name", "Name is required"),
        ("unknown-country.csv", 2, "Geographic scope", "unknown country 'Philipines'"),
        ("bad-email.csv", 2, "Email", "does not have the expected form"),
        ("wrong-cell-count.csv", 2, None, "row has 5 cells, the header has 15"),
        ("unknown-header.csv", 1, None, "unknown columns 'Institution name'"),
        ("not-utf8.csv", None, None, "not UTF-8 text"),
        ("empty.csv", None, None, "the file is empty"),
    ],
)
def test_bad_cells_are_reported_by_row_and_column(
    name: str, row: int | None, field: str | None, message: str
) -> None:
    with pytest.raises(CsvRecordError) as caught:
        parse(name)
    error = caught.value
    located = [(i.row, i.field, i.message) for i in error.issues] or [
        (error.row, error.field, error.message)
    ]
    assert any(r == row and f == field and message in m for r, f, m in located), located
    assert error.file == name


def test_unknown_country_suggests_the_closest_name() -> None:
    with pytest.raises(CsvRecordError) as caught:
        parse("unknown-country.csv")
    [issue] = caught.value.issues
    assert issue.hint == "did you mean 'philippines'?"


@pytest.fixture(scope="module")
def bundled(
    bundled_store_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[OxigraphStore, Settings]]:
    path = copy_store(bundled_store_dir, tmp_path_factory.mktemp("csv") / "store")
    settings = Settings(store=str(path), shapes_dir=ROOT / "shapes", data_dir=ROOT / "data")
    store = OxigraphStore(path)
    yield store, settings
    store.close()


def test_csv_records_load_validated_and_answer_who_held_the_post(
    bundled: tuple[OxigraphStore, Settings],
) -> None:
    store, settings = bundled
    sources = [read_source(CSV / n, settings) for n in ("institutions.csv", "officials.csv")]
    report = load_sources(store, sources, settings)
    assert report.committed
    result = store.query(
        "PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#> "
        f"SELECT ?who WHERE {{ ?m <{BASE}def/unpacs#post> "
        f"<{BASE}id/post/test-icto-executive-director> ;"
        " org:member ?who ; org:memberDuring/time:hasBeginning/time:inXSDDate ?start ."
        ' FILTER(?start <= "2012-01-01"^^<http://www.w3.org/2001/XMLSchema#date>) }'
    )
    assert isinstance(result, SolutionsResult)
    assert [r["who"].value for r in result.rows()] == [BASE + "id/person/test-casambre"]  # type: ignore[union-attr]


def test_a_bad_csv_row_leaves_the_store_as_it_was(
    bundled: tuple[OxigraphStore, Settings],
) -> None:
    store, settings = bundled
    before, after = io.BytesIO(), io.BytesIO()
    store.dump(formats.by_name("nquads"), before)
    with pytest.raises(CsvRecordError):
        load_sources(store, [read_source(CSV / "bad-date.csv", settings)], settings)
    store.dump(formats.by_name("nquads"), after)
    assert before.getvalue() == after.getvalue()
