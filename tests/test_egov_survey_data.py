"""The bundled UN E-Government Survey (2010-2018): reproducible from its CSVs, built and validated
by `unpacs build`, and answering the documented queries (queries/*.rq) with the known values."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from fixtures.stores import BASE, BundledBuild

from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import SolutionsResult

ROOT = Path(__file__).parent.parent
REFERENCE = ROOT / "data" / "reference"
SOURCES = REFERENCE / "sources"
QUERIES = ROOT / "queries"

EDITIONS = (2010, 2012, 2014, 2016, 2018)
MEASURES = {  # CSV column -> measure
    "e-gov-index": "egdi",
    "e-pat-index": "epi",
    "osi": "osi",
    "hci": "hci",
    "tii": "tii",
    "e-gov-rank": "egdiRank",
}
PREFIXES = f"""
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX unpacs: <{BASE}def/unpacs#>
"""


def csv_rows(year: int) -> list[dict[str, str]]:
    with (SOURCES / f"egdi-{year}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def store(bundled_build: BundledBuild, bundled_store: OxigraphStore) -> OxigraphStore:
    report = bundled_build.report  # validated, as `unpacs build`
    assert report.committed and report.validated
    # The three 2012 zeros are visible as warnings, not silently fixed.
    flagged = sorted(
        i.message.split(" of ")[1].split()[0] for i in report.warnings if "mean" in i.message
    )
    assert flagged == [f"{BASE}id/country/{c}" for c in ("CAF", "GIN", "LBY")]
    return bundled_store


def select(store: OxigraphStore, query: str) -> list[dict[str, str]]:
    result = store.query(query, base_iri=BASE)
    assert isinstance(result, SolutionsResult)
    return [{k: v.value for k, v in row.items()} for row in result.rows()]  # type: ignore[union-attr]


def value(store: OxigraphStore, year: int, alpha3: str, measure: str) -> list[str]:
    return [
        r["v"]
        for r in select(
            store,
            PREFIXES
            + f"""SELECT ?v WHERE {{
                ?o sdmx-dimension:refArea <{BASE}id/country/{alpha3}> ;
                   unpacs:surveyEdition "{year}"^^xsd:gYear ;
                   qb:measureType unpacs:{measure} ;
                   unpacs:{measure} ?v . }}""",
        )
    ]


def run_query_file(store: OxigraphStore, name: str) -> list[dict[str, str]]:
    # The files use IRIs relative to the base IRI, as the endpoint resolves them.
    return select(store, (QUERIES / name).read_text(encoding="utf-8"))


# ---------------------------------------------------------------- files and provenance


def test_committed_files_are_what_the_script_generates(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.build_egov_survey", str(SOURCES), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    names = ["egov-survey-structure.ttl"] + [f"egov-survey-{y}.ttl" for y in EDITIONS]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    for name in names:
        assert (tmp_path / name).read_bytes() == (REFERENCE / name).read_bytes(), name


def test_script_refuses_a_file_that_is_not_the_compilation(tmp_path: Path) -> None:
    for year in EDITIONS:
        (tmp_path / f"egdi-{year}.csv").write_bytes((SOURCES / f"egdi-{year}.csv").read_bytes())
    (tmp_path / "egdi-2014.csv").write_bytes(
        (SOURCES / "egdi-2014.csv").read_bytes().replace(b"IRQ,Iraq", b"IRQ,Irak")
    )
    result = subprocess.run(
        [sys.executable, "-m", "scripts.build_egov_survey", str(tmp_path), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "is not the 8ae27d51" in result.stderr and "egdi-2014.csv" in result.stderr
    assert not list(tmp_path.glob("*.ttl"))


def test_sources_readme_lists_every_copy_with_its_checksum() -> None:
    readme = (SOURCES / "README.md").read_text(encoding="utf-8")
    for path in sorted(SOURCES.glob("*.csv")):
        assert path.name in readme
        assert hashlib.sha256(path.read_bytes()).hexdigest() in readme, path.name


# ---------------------------------------------------------------- known values (shared README)


@pytest.mark.parametrize(
    ("year", "alpha3", "measure", "expected"),
    [
        (2018, "DNK", "egdiRank", "1"),
        (2018, "DNK", "egdi", "0.915"),
        (2018, "PHL", "egdiRank", "75"),
        (2018, "PHL", "egdi", "0.6512"),
        (2014, "KOR", "egdi", "0.94623"),
        (2010, "KOR", "egdi", "0.87854"),
        (2010, "IRQ", "hci", "0.69556"),  # 0.6955600000000001 in the CSV: float noise rounded
        (2010, "IRQ", "egdiRank", "136"),  # 136.0 in the CSV
        (2012, "LBY", "egdi", "0"),  # 0.0, published as given; the mean warning flags it
        (2018, "SRB", "egdiRank", "49"),  # tied ranks
        (2018, "SVK", "egdiRank", "49"),
        (2010, "MKD", "egdi", "0.52611"),  # "The former Yugoslav Republic of Macedonia"
    ],
)
def test_issue_8_known_values_through_sparql(
    store: OxigraphStore, year: int, alpha3: str, measure: str, expected: str
) -> None:
    assert value(store, year, alpha3, measure) == [expected]


def test_issue_8_empty_cells_are_no_observations(store: OxigraphStore) -> None:
    assert value(store, 2010, "KIR", "hci") == []  # empty cell in the CSV
    assert value(store, 2010, "KIR", "osi") == ["0.02857"]
    south_sudan_2010 = select(
        store,
        PREFIXES
        + f"""SELECT ?o WHERE {{ ?o sdmx-dimension:refArea <{BASE}id/country/SSD> ;
            unpacs:surveyEdition "2010"^^xsd:gYear }}""",
    )
    assert south_sudan_2010 == []
    assert value(store, 2012, "SSD", "egdi") != []


def test_every_cell_is_one_observation_and_no_more(store: OxigraphStore) -> None:
    for year in EDITIONS:
        rows = csv_rows(year)
        expected = sum(1 for r in rows for c in MEASURES if r[c].strip())
        found = select(
            store,
            PREFIXES
            + f"""SELECT (COUNT(?o) AS ?n) WHERE {{
                ?o a qb:Observation ; qb:dataSet <{BASE}id/dataset/egov-survey-{year}> }}""",
        )
        assert found == [{"n": str(expected)}], year
    # Every value equals the CSV's, rounded as the published figure (at most 5 decimals).
    got = {
        (r["year"], r["code"], r["m"].rsplit("#", 1)[1]): r["v"]
        for r in select(
            store,
            PREFIXES
            + """SELECT ?year ?code ?m ?v WHERE {
                ?o unpacs:surveyEdition ?year ; sdmx-dimension:refArea ?c ;
                   qb:measureType ?m ; ?m ?v . ?c unpacs:isoAlpha3 ?code }""",
        )
    }
    for year in EDITIONS:
        for row in csv_rows(year):
            for column, measure in MEASURES.items():
                cell = row[column].strip()
                key = (str(year), row["country-code"], measure)
                if not cell:
                    assert key not in got
                    continue
                assert Decimal(got[key]) == round(Decimal(cell), 5), key
                if year == 2018:
                    assert Decimal(got[key]) == round(Decimal(cell), 4), key


def test_every_observation_and_data_set_is_sourced(store: OxigraphStore) -> None:
    unsourced = select(
        store,
        PREFIXES
        + """SELECT ?o WHERE { ?o unpacs:surveyEdition ?y .
            FILTER NOT EXISTS { ?o dcterms:source ?doc . ?doc dcterms:publisher ?p }
            FILTER NOT EXISTS { ?o prov:wasDerivedFrom ?file } }""",
    )
    assert unsourced == []
    rows = select(
        store,
        PREFIXES
        + f"""SELECT ?ds ?publisher ?file ?hash ?title WHERE {{
            ?ds a qb:DataSet ; dcterms:publisher ?publisher ; prov:wasDerivedFrom ?file ;
                unpacs:contentHash ?hash ; dcterms:source ?doc .
            ?doc dcterms:title ?title .
            FILTER(STRSTARTS(STR(?ds), "{BASE}id/dataset/egov-survey-")) }} ORDER BY ?ds""",
    )
    assert len(rows) == 5
    for year, row in zip(EDITIONS, rows, strict=True):
        data = (SOURCES / f"egdi-{year}.csv").read_bytes()
        assert row["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert row["publisher"] == BASE + "id/organization/undesa"
        assert "3b9c43567eb9f749e7497b0491449b24a91e5248" in row["file"]
        assert row["title"] == f"United Nations E-Government Survey {year}"


# ---------------------------------------------------------------- the documented queries


def test_query_files_have_title_and_description() -> None:
    files = sorted(QUERIES.glob("*.rq"))
    assert len(files) >= 5
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# title: ") and lines[1].startswith("# description: "), path


def test_query_country_over_editions(store: OxigraphStore) -> None:
    rows = run_query_file(store, "egdi-of-a-country.rq")
    assert [(r["edition"], r["egdi"], r["rank"]) for r in rows] == [
        ("2010", "0.46373", "78"),
        ("2012", "0.51303", "88"),
        ("2014", "0.47681", "95"),
        ("2016", "0.57655", "71"),
        ("2018", "0.6512", "75"),
    ]


def test_query_top_10(store: OxigraphStore) -> None:
    rows = run_query_file(store, "top-10-of-an-edition.rq")
    expected = sorted(csv_rows(2018), key=lambda r: (-float(r["e-gov-index"]), r["country-code"]))[
        :10
    ]
    assert [r["country"] for r in rows] == [
        BASE + "id/country/" + r["country-code"] for r in expected
    ]
    assert (rows[0]["rank"], rows[0]["egdi"], rows[0]["name"]) == ("1", "0.915", "Denmark")


def test_query_region_average(store: OxigraphStore) -> None:
    rows = run_query_file(store, "region-average-by-edition.rq")
    assert len(rows) == 5 * 5  # five regions, five editions
    asia = select(
        store,
        PREFIXES
        + f"""SELECT ?code WHERE {{ ?c unpacs:m49Region <{BASE}id/concept/m49/142> ;
            a unpacs:MemberState ; unpacs:isoAlpha3 ?code }}""",
    )
    codes = {r["code"] for r in asia}
    values = [Decimal(r["e-gov-index"]) for r in csv_rows(2018) if r["country-code"] in codes]
    (asia_2018,) = [r for r in rows if r["regionName"] == "Asia" and r["edition"] == "2018"]
    assert int(asia_2018["countries"]) == len(values)
    assert abs(Decimal(asia_2018["averageEgdi"]) - sum(values) / len(values)) < Decimal("1e-9")


def test_query_group_average(store: OxigraphStore) -> None:
    rows = run_query_file(store, "group-average-by-edition.rq")
    with (SOURCES / "m49_overview.csv").open(encoding="utf-8", newline="") as f:
        ldc = {
            r["ISO-alpha3 Code"] for r in csv.DictReader(f) if r["Least Developed Countries (LDC)"]
        }
    (ldc_2018,) = [r for r in rows if r["groupName"] == "LDC" and r["edition"] == "2018"]
    values = [Decimal(r["e-gov-index"]) for r in csv_rows(2018) if r["country-code"] in ldc]
    assert ldc_2018["countries"] == "44" and ldc_2018["asOf"] == "2025-11-29"
    assert abs(Decimal(ldc_2018["averageEgdi"]) - sum(values) / len(values)) < Decimal("1e-9")
    assert {r["groupName"] for r in rows} == {"LDC", "LLDC", "SIDS"}


def test_query_biggest_risers(store: OxigraphStore) -> None:
    rows = run_query_file(store, "biggest-risers-2010-2018.rq")
    before = {
        r["country-code"]: Decimal(r["e-gov-index"]) for r in csv_rows(2010) if r["e-gov-index"]
    }
    after = {r["country-code"]: Decimal(r["e-gov-index"]) for r in csv_rows(2018)}
    rises = sorted(
        ((round(after[c], 4) - round(before[c], 5), c) for c in before if before[c] > 0),
        key=lambda x: (-x[0], x[1]),
    )[:10]
    assert [r["country"].rsplit("/", 1)[1] for r in rows] == [c for _, c in rises]
    assert rows[0]["country"] == BASE + "id/country/ARE"
