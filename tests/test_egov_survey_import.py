"""`unpacs import egov-survey FILE --edition YEAR` on a real on-disk store: good and broken CSVs.

The fixtures in tests/data/egov-survey/ hold invented figures (see the README there).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.stores import BASE

from unpacs.loader.errors import CsvRecordError, InputError, UnpacsError
from unpacs.loader.ingest.pipeline import load_sources, read_source
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import SolutionsResult
from unpacs.loader.survey.importer import import_edition

ROOT = Path(__file__).parent.parent
DATA = ROOT / "data"
FIXTURES = Path(__file__).parent / "data" / "egov-survey"
UNPACS = str(Path(sys.executable).with_name("unpacs"))
# What an import needs in the store: the Member States, the survey structure and UN DESA.
REFERENCE = (
    DATA / "reference" / "countries.ttl",
    DATA / "reference" / "egov-survey-structure.ttl",
    DATA / "seed" / "unpog.ttl",
)
PREFIXES = f"""
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX unpacs: <{BASE}def/unpacs#>
"""


def settings_for(store: Path) -> Settings:
    return Settings(store=str(store), shapes_dir=ROOT / "shapes", data_dir=DATA, base_iri=BASE)


@pytest.fixture(scope="module")
def reference_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the reference records (loaded once, copied per test)."""
    path = tmp_path_factory.mktemp("egov-import") / "store"
    settings = settings_for(path)
    store = OxigraphStore(path)
    load_sources(store, [read_source(p, settings) for p in REFERENCE], settings, validate=False)
    store.close()
    return path


@pytest.fixture
def store_path(reference_store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store"
    shutil.copytree(reference_store, path)
    return path


def select(store: OxigraphStore, query: str) -> list[dict[str, str]]:
    result = store.query(PREFIXES + query)
    assert isinstance(result, SolutionsResult)
    return [{k: v.value for k, v in row.items()} for row in result.rows()]  # type: ignore[union-attr]


def values(store: OxigraphStore, year: int) -> dict[tuple[str, str], str]:
    rows = select(
        store,
        f"""SELECT ?code ?m ?v WHERE {{ ?o unpacs:surveyEdition "{year}"^^xsd:gYear ;
            sdmx-dimension:refArea ?c ; qb:measureType ?m ; ?m ?v . ?c unpacs:isoAlpha3 ?code }}""",
    )
    return {(r["code"], r["m"].rsplit("#", 1)[1]): r["v"] for r in rows}


def triple_count(store: OxigraphStore) -> int:
    return int(select(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"])


def test_data_center_layout_loads_with_provenance(store_path: Path) -> None:
    store = OxigraphStore(store_path)
    report = import_edition(
        store, FIXTURES / "data-center-2020.csv", edition=2020, settings=settings_for(store_path)
    )
    assert report.committed and report.validated
    assert list(report.graphs) == [BASE + "graph/import/egov-survey-2020"]
    got = values(store, 2020)
    assert got[("PHL", "egdi")] == "0.6892"
    assert got[("PHL", "egdiRank")] == "77"
    assert got[("DNK", "epi")] == "1"  # "1.0" in the file; oxigraph writes decimals canonically
    # Empty cells are no observations, never zeros.
    assert ("KIR", "epi") not in got and ("KIR", "hci") not in got
    assert len(got) == 6 + 6 + 4
    # The unused column is reported, not silently dropped.
    assert any("'Region' is not used" in i.message for i in report.warnings)
    (row,) = select(
        store,
        f"""SELECT ?hash ?file ?fileHash ?source WHERE {{
            GRAPH <{BASE}graph/import/egov-survey-2020> {{
                <{BASE}graph/import/egov-survey-2020> unpacs:contentHash ?hash }}
            <{BASE}id/dataset/egov-survey-2020> prov:wasDerivedFrom ?file .
            ?file unpacs:contentHash ?fileHash ; dcterms:source ?source }}""",
    )
    import hashlib

    digest = hashlib.sha256((FIXTURES / "data-center-2020.csv").read_bytes()).hexdigest()
    assert row["hash"] == row["fileHash"] == "sha256:" + digest
    assert row["source"] == "https://publicadministration.un.org/egovkb/en-us/Data-Center"
    store.close()


def test_names_only_layout_joins_on_stored_labels(store_path: Path) -> None:
    store = OxigraphStore(store_path)
    import_edition(
        store, FIXTURES / "names-only-2020.csv", edition=2020, settings=settings_for(store_path)
    )
    assert values(store, 2020) == {
        ("DNK", "egdi"): "0.9758",
        ("DNK", "egdiRank"): "1",
        ("PHL", "egdi"): "0.6892",
        ("PHL", "egdiRank"): "77",
    }
    store.close()


def test_import_again_replaces_the_edition(store_path: Path) -> None:
    store = OxigraphStore(store_path)
    settings = settings_for(store_path)
    import_edition(store, FIXTURES / "data-center-2020.csv", edition=2020, settings=settings)
    import_edition(store, FIXTURES / "names-only-2020.csv", edition=2020, settings=settings)
    got = values(store, 2020)
    assert len(got) == 4 and ("KIR", "egdi") not in got
    store.close()


def test_every_bad_cell_is_reported_and_nothing_is_loaded(store_path: Path) -> None:
    store = OxigraphStore(store_path)
    before = triple_count(store)
    with pytest.raises(CsvRecordError) as caught:
        import_edition(
            store, FIXTURES / "broken-cells.csv", edition=2020, settings=settings_for(store_path)
        )
    found = {(i.row, i.field, i.message) for i in caught.value.issues}
    assert found == {
        (2, "country-code", "'XXX' is not the ISO alpha-3 code of a UN Member State"),
        (3, "country-code", "'HKG' is not the ISO alpha-3 code of a UN Member State"),
        (4, "e-gov-rank", "'0' is not a rank (a whole number from 1)"),
        (4, "e-gov-index", "'1.5' is not an index value between 0 and 1"),
        (4, "e-pat-index", "'abc' is not a number"),
        (5, "e-gov-rank", "'75.5' is not a rank (a whole number from 1)"),
        (7, None, "row has 4 cells, the header has 8"),
    }
    assert all(i.hint for i in caught.value.issues)
    assert triple_count(store) == before
    store.close()


def test_duplicate_country_is_reported(store_path: Path, tmp_path: Path) -> None:
    twice = tmp_path / "twice.csv"
    lines = (FIXTURES / "names-only-2020.csv").read_text(encoding="utf-8").splitlines()
    twice.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    store = OxigraphStore(store_path)
    with pytest.raises(CsvRecordError) as caught:
        import_edition(store, twice, edition=2020, settings=settings_for(store_path))
    assert [(i.row, i.message) for i in caught.value.issues] == [(4, "DNK is already on row 2")]
    store.close()


def test_a_header_without_the_required_columns_is_refused(store_path: Path) -> None:
    store = OxigraphStore(store_path)
    with pytest.raises(CsvRecordError) as caught:
        import_edition(
            store, FIXTURES / "broken-header.csv", edition=2020, settings=settings_for(store_path)
        )
    assert [i.message for i in caught.value.issues] == ["no egdi column", "no egdiRank column"]
    store.close()


def test_survey_year_must_match_the_edition(store_path: Path) -> None:
    store = OxigraphStore(store_path)
    with pytest.raises(CsvRecordError) as caught:
        import_edition(
            store,
            FIXTURES / "data-center-2020.csv",
            edition=2022,
            settings=settings_for(store_path),
        )
    assert {i.message for i in caught.value.issues} == {
        "'2020' is not the edition being imported (2022)"
    }
    store.close()


def test_egdi_that_is_not_the_mean_is_a_warning(store_path: Path) -> None:
    store = OxigraphStore(store_path)
    report = import_edition(
        store, FIXTURES / "egdi-not-mean-2020.csv", edition=2020, settings=settings_for(store_path)
    )
    assert report.committed
    assert [i.severity for i in report.warnings if "is not the mean" in i.message] == ["Warning"]
    store.close()


def test_a_bundled_edition_is_refused(store_path: Path) -> None:
    store = OxigraphStore(store_path)
    settings = settings_for(store_path)
    bundled = read_source(DATA / "reference" / "egov-survey-2018.ttl", settings)
    load_sources(store, [bundled], settings, validate=False)
    with pytest.raises(InputError, match="the 2018 edition is already in the store"):
        import_edition(store, FIXTURES / "names-only-2020.csv", edition=2018, settings=settings)
    store.close()


def test_an_empty_store_is_refused(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "empty")
    with pytest.raises(UnpacsError, match="no UN Member States"):
        import_edition(
            store,
            FIXTURES / "data-center-2020.csv",
            edition=2020,
            settings=settings_for(tmp_path / "empty"),
        )
    store.close()


def run_cli(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNPACS_")}
    return subprocess.run(
        [UNPACS, "--store", str(store), "import", "egov-survey", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_import(store_path: Path) -> None:
    good = run_cli(store_path, str(FIXTURES / "data-center-2020.csv"), "--edition", "2020")
    assert good.returncode == 0, good.stderr
    assert "graph/import/egov-survey-2020" in good.stdout
    bad = run_cli(store_path, str(FIXTURES / "broken-cells.csv"), "--edition", "2020")
    assert bad.returncode == 1
    assert "row 4 column 'e-gov-index'" in bad.stderr and "Traceback" not in bad.stderr
    usage = run_cli(store_path, str(FIXTURES / "data-center-2020.csv"))
    assert usage.returncode == 2 and "--edition" in usage.stderr
    assert "Traceback" not in usage.stderr
