"""The bundled country reference data: reproducible from its sources and shaped as documented."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.stores import BASE
from rdflib import RDF, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "data" / "reference"
SCRIPT = REPO / "scripts" / "build_reference.py"
GENERATED = ("countries.ttl", "m49-regions.ttl", "country-groups.ttl")
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


M49_CSV = REFERENCE / "sources" / "m49_overview.csv"
M49_SHA256 = "d55a59e4c5a7b8960eb991d0d6fb8200d9fe77cd9ad5c4bdd71abc24f7bd92fe"
M49_LIST = URIRef(BASE + "id/dataset/m49-overview-2025-11-29")


def group_members(graph: Graph, key: str) -> set[URIRef]:
    concept = URIRef(f"{BASE}id/concept/country-group/{key}")
    return {
        m  # type: ignore[misc]
        for record in graph.subjects(UNPACS.group, concept)
        for m in graph.objects(record, UNPACS.groupMember)
    }


def test_m49_copy_is_the_recorded_file() -> None:
    import hashlib

    assert hashlib.sha256(M49_CSV.read_bytes()).hexdigest() == M49_SHA256


def test_country_groups_from_m49_overview(member_states: set[str]) -> None:
    groups = load("country-groups.ttl")
    ldc, lldc, sids = (group_members(groups, k) for k in ("ldc", "lldc", "sids"))
    assert (len(ldc), len(lldc), len(sids)) == (44, 32, 37)  # SIDS: 53 in M49, 37 Member States
    assert {country(a) for a in member_states} >= ldc | lldc | sids
    assert country("PHL") not in ldc | lldc | sids
    assert country("AFG") in ldc and country("AFG") in lldc
    assert country("FJI") in sids
    assert not {country(a) for a in ("BTN", "STP", "VUT")} & ldc  # graduated 2023, 2024, 2020
    # The plain link is the same set.
    ldc_concept = URIRef(BASE + "id/concept/country-group/ldc")
    assert set(groups.subjects(UNPACS.countryGroup, ldc_concept)) == ldc


def test_every_membership_is_dated_and_sourced() -> None:
    groups = load("country-groups.ttl")
    records = set(groups.subjects(RDF.type, UNPACS.CountryGroupMembership))
    assert len(records) == 44 + 32 + 37
    for record in records:
        assert groups.value(record, UNPACS.asOf) == Literal(
            "2025-11-29", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date")
        )
        assert groups.value(record, DCTERMS.source) == M49_LIST
    assert "sha256:" + M49_SHA256 == str(groups.value(M49_LIST, UNPACS.contentHash))
    assert str(groups.value(M49_LIST, DCTERMS.source)).startswith("https://unstats.un.org/")


def test_non_member_sids_areas_are_named_not_modelled() -> None:
    groups = load("country-groups.ttl")
    sids = URIRef(BASE + "id/concept/country-group/sids")
    note = str(groups.value(sids, SKOS.scopeNote))
    assert "16 areas that are not UN Member States" in note
    assert "Puerto Rico (PRI)" in note and "Anguilla (AIA)" in note
    assert URIRef(BASE + "id/country/PRI") not in set(groups.subjects())


def test_bad_group_flag_in_m49_csv_fails_with_its_location(tmp_path: Path) -> None:
    bad = tmp_path / "m49.csv"
    with M49_CSV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[2][12] = "yes"  # row 3, column "Least Developed Countries (LDC)"
    with bad.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    result = run_script("--out", str(tmp_path / "out"), "--m49-csv", str(bad))
    assert result.returncode == 1
    assert f"{bad} row 3 column 'Least Developed Countries (LDC)'" in result.stderr
    assert "'yes' is not a group flag" in result.stderr
    assert not (tmp_path / "out").exists()
