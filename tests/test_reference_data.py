"""The bundled country reference data: reproducible from its sources and shaped as documented."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "data" / "reference"
SCRIPT = REPO / "scripts" / "build_reference.py"
GENERATED = ("countries.ttl", "m49-regions.ttl", "country-groups.ttl")
BASE = "http://127.0.0.1:8000/"
UNPACS = Namespace(BASE + "def/unpacs#")
SCHEMA = Namespace("http://schema.org/")
UN_LANGUAGES = {"ar", "zh", "en", "fr", "ru", "es"}


# Runs the script with an audit hook that turns any DNS lookup or socket connection into an
# error, proving the build reads the package's bundled taxonomy and never the live sheet.
OFFLINE_RUNNER = """
import runpy, sys

def refuse_network(event, args):
    if event in ("socket.connect", "socket.getaddrinfo"):
        raise RuntimeError(f"network access attempted: {event} {args}")

sys.addaudithook(refuse_network)
sys.argv = sys.argv[1:]
runpy.run_module("scripts.build_reference", run_name="__main__", alter_sys=True)
"""


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", OFFLINE_RUNNER, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def load(name: str) -> Graph:
    graph = Graph()
    graph.parse(REFERENCE / name, format="turtle", publicID=BASE)
    return graph


def country(alpha3: str) -> URIRef:
    return URIRef(f"{BASE}id/country/{alpha3}")


@pytest.fixture(scope="module")
def countries() -> Graph:
    return load("countries.ttl")


@pytest.fixture(scope="module")
def member_states(countries: Graph) -> set[str]:
    return {
        str(countries.value(s, UNPACS.isoAlpha3))
        for s in countries.subjects(RDF.type, UNPACS.MemberState)
    }


def test_committed_files_are_what_the_script_generates(tmp_path: Path) -> None:
    result = run_script("--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for name in GENERATED:
        regenerated = (tmp_path / name).read_bytes()
        committed = (REFERENCE / name).read_bytes()
        assert regenerated == committed, f"{name} is stale: run scripts/build_reference.py"


def test_files_use_relative_iris_without_base() -> None:
    for name in GENERATED:
        text = (REFERENCE / name).read_text(encoding="utf-8")
        assert "@base" not in text
        assert "@prefix unpacs: <def/unpacs#> ." in text
        assert "127.0.0.1" not in text


def test_193_member_states_and_two_special_administrative_regions(
    countries: Graph, member_states: set[str]
) -> None:
    assert len(member_states) == 193
    sars = set(countries.subjects(RDF.type, UNPACS.SpecialAdministrativeRegion))
    assert sars == {country("HKG"), country("MAC")}
    for sar in sars:
        assert countries.value(sar, SCHEMA.containedInPlace) == country("CHN")
        assert (sar, RDF.type, UNPACS.MemberState) not in countries
    assert len(set(countries.subjects(RDF.type, SCHEMA.Country))) == 195


def test_philippines(countries: Graph) -> None:
    phl = country("PHL")
    labels = {lit.language: str(lit) for lit in countries.objects(phl, SKOS.prefLabel)}
    assert set(labels) == UN_LANGUAGES
    assert labels["en"] == "Philippines"
    assert labels["es"] == "Filipinas"
    assert countries.value(phl, UNPACS.isoAlpha2) == Literal("PH")
    assert countries.value(phl, UNPACS.isoAlpha3) == Literal("PHL")
    assert countries.value(phl, UNPACS.m49Code) == Literal("608")
    assert countries.value(phl, UNPACS.m49Region) == URIRef(BASE + "id/concept/m49/142")
    assert countries.value(phl, UNPACS.m49SubRegion) == URIRef(BASE + "id/concept/m49/035")


def test_every_country_has_exactly_one_english_label_and_its_codes(countries: Graph) -> None:
    for subject in set(countries.subjects(RDF.type, SCHEMA.Country)):
        english = [
            lit for lit in countries.objects(subject, SKOS.prefLabel) if lit.language == "en"
        ]
        assert len(english) == 1, subject
        for lang in UN_LANGUAGES:  # SKOS: at most one prefLabel per language
            same = [
                lit for lit in countries.objects(subject, SKOS.prefLabel) if lit.language == lang
            ]
            assert len(same) <= 1, (subject, lang)
        code = str(countries.value(subject, UNPACS.m49Code))
        assert len(code) == 3 and code.isdigit(), subject
        assert len(str(countries.value(subject, UNPACS.isoAlpha2))) == 2, subject
        assert countries.value(subject, DCTERMS.source) is not None, subject


def test_regions_referenced_by_countries_are_concepts() -> None:
    regions = load("m49-regions.ttl")
    countries = load("countries.ttl")
    scheme = URIRef(BASE + "id/concept/m49")
    for prop in (UNPACS.m49Region, UNPACS.m49SubRegion):
        for concept in set(countries.objects(None, prop)):
            assert (concept, RDF.type, SKOS.Concept) in regions, concept
            assert (concept, SKOS.inScheme, scheme) in regions
            assert regions.value(concept, SKOS.prefLabel) is not None
    south_eastern_asia = URIRef(BASE + "id/concept/m49/035")
    assert regions.value(south_eastern_asia, SKOS.broader) == URIRef(BASE + "id/concept/m49/142")


def test_every_file_has_a_source() -> None:
    for name in GENERATED:
        assert any(True for _ in load(name).triples((None, DCTERMS.source, None))), name


def test_taxonomy_source_is_described_in_each_taxonomy_file() -> None:
    dataset = URIRef(BASE + "id/dataset/ocha-countries-taxonomy")
    for name in ("countries.ttl", "m49-regions.ttl"):
        graph = load(name)
        assert graph.value(dataset, DCTERMS.title) is not None
        upstream = graph.value(dataset, DCTERMS.source)
        assert isinstance(upstream, URIRef) and str(upstream).startswith("https://")
        assert "hdx-python-country" in str(graph.value(dataset, DCTERMS.description))


def test_country_groups_csv_refers_to_member_states(member_states: set[str]) -> None:
    with (REFERENCE / "country-groups.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows
    for number, row in enumerate(rows, start=2):
        assert row["iso_alpha3"] in member_states, (number, row["iso_alpha3"])
        assert row["group"] in {"ldc", "lldc", "sids"}
        assert row["source_url"].startswith("https://") or row["source_url"].startswith("http://")
        assert row["list_date"]
    ldc = {r["iso_alpha3"] for r in rows if r["group"] == "ldc"}
    assert len(ldc) == 44
    assert not {"BTN", "STP", "VUT"} & ldc  # graduated 2023, 2024, 2020


def test_country_groups_turtle_matches_the_csv() -> None:
    groups = load("country-groups.ttl")
    ldc = URIRef(BASE + "id/concept/country-group/ldc")
    members = set(groups.subjects(UNPACS.countryGroup, ldc))
    assert len(members) == 44
    assert country("PHL") not in members
    assert groups.value(ldc, SKOS.definition) is not None


def test_unknown_alpha3_in_groups_csv_fails_with_its_location(tmp_path: Path) -> None:
    bad = tmp_path / "groups.csv"
    source = (REFERENCE / "country-groups.csv").read_text(encoding="utf-8").splitlines()
    # Row 3 names Hong Kong, which is in countries.ttl but is not a Member State.
    bad.write_text("\n".join([source[0], source[1], "HKG" + source[2][3:]]) + "\n", "utf-8")
    result = run_script("--out", str(tmp_path / "out"), "--groups-csv", str(bad))
    assert result.returncode == 1
    assert f"{bad} row 3 column 'iso_alpha3'" in result.stderr
    assert "'HKG' is not the ISO alpha-3 code of a UN Member State" in result.stderr
    assert not (tmp_path / "out").exists()
