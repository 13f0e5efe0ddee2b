"""The bundled knowledge base, built the way `make run` builds it, on a real on-disk store."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.stores import BASE, BundledBuild

from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import SolutionsResult

ROOT = Path(__file__).parent.parent

PREFIXES = f"""
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX unpacs: <{BASE}def/unpacs#>
"""
# "Who held the post on date D", as documented in ontology/README.md: a membership whose start is
# on or before D and whose end (if any) is on or after D. A membership with no end is only known
# to be held up to its last attestation (unpacs:lastAttested); after that the answer says so
# instead of claiming the post is held.
HOLDER = (
    PREFIXES
    + """
SELECT ?name ?status WHERE {
  ?post a org:Post ; skos:prefLabel ?title ; org:postIn ?org .
  ?org skos:altLabel "ICTO"@en .
  FILTER(CONTAINS(LCASE(STR(?title)), "executive director"))
  ?m unpacs:post ?post ; org:member ?person ;
     org:memberDuring/time:hasBeginning/time:inXSDDate ?start .
  OPTIONAL { ?m org:memberDuring/time:hasEnd/time:inXSDDate ?end }
  OPTIONAL { ?m unpacs:lastAttested ?last }
  FILTER(?start <= "%s"^^xsd:date && (!BOUND(?end) || ?end >= "%s"^^xsd:date))
  BIND(IF(BOUND(?end) || (BOUND(?last) && ?last >= "%s"^^xsd:date), "held",
       IF(BOUND(?last),
          CONCAT("held since ", STR(?start), ", last attested ", STR(?last)),
          CONCAT("held since ", STR(?start), ", no later evidence"))) AS ?status)
  ?person foaf:familyName ?name .
}
"""
)


@pytest.fixture(scope="module")
def store(bundled_build: BundledBuild, bundled_store: OxigraphStore) -> OxigraphStore:
    assert bundled_build.report.committed
    return bundled_store


def select(store: OxigraphStore, query: str) -> list[dict[str, str]]:
    result = store.query(query)
    assert isinstance(result, SolutionsResult)
    return [{k: v.value for k, v in row.items()} for row in result.rows()]  # type: ignore[union-attr]


def test_member_states_and_sars(store: OxigraphStore) -> None:
    classes = store.stats().instances_per_class
    assert classes[BASE + "def/unpacs#MemberState"] == 193
    assert classes[BASE + "def/unpacs#SpecialAdministrativeRegion"] == 2


def test_seed_records_are_there(store: OxigraphStore) -> None:
    classes = store.stats().instances_per_class
    assert classes["http://www.w3.org/ns/org#Organization"] >= 4
    assert classes["http://www.w3.org/ns/org#Membership"] >= 1
    assert classes["http://xmlns.com/foaf/0.1/Person"] >= 1


def test_every_graph_has_a_source(store: OxigraphStore) -> None:
    unsourced = select(
        store,
        PREFIXES + "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER NOT EXISTS { GRAPH ?g { ?g dcterms:source ?src } } "
        # The store's record of its base IRI is configuration, not facts from a source.
        "FILTER (?g != <urn:unpacs:meta>) } GROUP BY ?g",
    )
    assert unsourced == []
    assert len(store.graph_names()) >= 5


def holder_on(store: OxigraphStore, day: str) -> list[dict[str, str]]:
    return select(store, HOLDER % (day, day, day))


def test_icto_executive_director_on_a_date(store: OxigraphStore) -> None:
    assert holder_on(store, "2012-01-01") == [{"name": "Casambre", "status": "held"}]
    assert holder_on(store, "2014-04-30") == [{"name": "Casambre", "status": "held"}]
    assert holder_on(store, "2011-01-01") == []


def test_issue_8_holder_after_last_attestation_is_qualified(store: OxigraphStore) -> None:
    # The sources show Casambre in the post from 2011-08-28 until the 2014-04-30 presentation;
    # nothing says he holds it in 2026, so the answer must say so rather than "held".
    assert holder_on(store, "2026-12-01") == [
        {"name": "Casambre", "status": "held since 2011-08-28, last attested 2014-04-30"}
    ]


def test_remarks_are_never_published(store: OxigraphStore) -> None:
    rows = select(store, 'SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?p), "emarks")) }')
    assert rows == []


def test_thematic_areas_have_four_areas_and_sixteen_topics(store: OxigraphStore) -> None:
    scheme = f"<{BASE}id/concept/thematic-area>"
    tops = select(store, PREFIXES + f"SELECT ?c WHERE {{ {scheme} skos:hasTopConcept ?c }}")
    topics = select(
        store,
        PREFIXES + f"SELECT ?t WHERE {{ ?t skos:inScheme {scheme} ; skos:broader ?area }}",
    )
    assert len(tops) == 4
    assert len(topics) == 16


def test_two_activity_summaries_are_two_observations(store: OxigraphStore) -> None:
    rows = select(
        store,
        PREFIXES + "PREFIX qb: <http://purl.org/linked-data/cube#> "
        "PREFIX sdmx: <http://purl.org/linked-data/sdmx/2009/dimension#> "
        f"SELECT ?period ?n WHERE {{ ?o a qb:Observation ; unpacs:activityType "
        f"<{BASE}id/concept/activity-type/international-conference> ; "
        "sdmx:refPeriod ?period ; unpacs:numberOfEvents ?n } ORDER BY ?n",
    )
    assert [r["n"] for r in rows] == ["11", "15"]


SCHEMA_PREFIXES = (
    PREFIXES
    + """PREFIX schema: <http://schema.org/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX qb: <http://purl.org/linked-data/cube#>
"""
)


def test_issue_8_founding_and_launch_are_two_facts(store: OxigraphStore) -> None:
    rows = select(
        store,
        SCHEMA_PREFIXES
        + f"""SELECT ?founded ?launch ?when ?src WHERE {{
          <{BASE}id/organization/unpog> schema:foundingDate ?founded ;
              skos:note [ rdf:value ?launch ; dcterms:date ?when ; dcterms:source ?src ] }}""",
    )
    assert rows == [
        {
            "founded": "2006",
            "launch": "Officially launched in September 2006",
            "when": "2006-09",
            "src": BASE + "id/document/unpog-reflection-2016",
        }
    ]


def test_issue_8_unpacs_coverage_is_a_count_not_a_list(store: OxigraphStore) -> None:
    rows = select(
        store,
        SCHEMA_PREFIXES
        + f"""SELECT ?countries ?sars WHERE {{
          ?c qb:dataSet <{BASE}id/dataset/unpacs-unpog-contribution-coverage> ;
             unpacs:numberOfCountriesCovered ?countries .
          ?s qb:dataSet <{BASE}id/dataset/unpacs-unpog-contribution-coverage> ;
             unpacs:numberOfSARsCovered ?sars }}""",
    )
    assert rows == [{"countries": "43", "sars": "2"}]


def test_issue_8_lists_of_the_seeds_are_complete(store: OxigraphStore) -> None:
    rows = select(
        store,
        SCHEMA_PREFIXES
        + """SELECT ?name (COUNT(?item) AS ?n) WHERE {
          ?list a schema:ItemList ; schema:name ?name ; schema:itemListElement ?item }
          GROUP BY ?name ORDER BY ?name""",
    )
    counts = {r["name"]: int(r["n"]) for r in rows}
    assert counts["Some lessons"] == 6
    assert counts["Objectives"] == 5
    assert counts["Outputs"] == 2
    assert counts["Inputs from participants"] == 3
    assert counts["UNPOG's Possible Contribution to ICTD-ASP"] == 3


def test_issue_8_conflicts_are_stated_in_the_data(store: OxigraphStore) -> None:
    notes = select(
        store,
        SCHEMA_PREFIXES
        + f"""SELECT ?s ?text WHERE {{
          VALUES ?s {{ <{BASE}id/event/unpsa-2014>
                       <{BASE}id/dataset/unpog-capacity-development-2006-2013>
                       <{BASE}id/dataset/unpog-activities-2006-2015> }}
          ?s skos:note [ rdf:value ?text ;
                         dcterms:source <{BASE}id/document/unpacs-documentation> ] }}""",
    )
    by_subject = {r["s"].rsplit("/", 1)[1]: r["text"] for r in notes}
    assert "23-26 June 2014" in by_subject["unpsa-2014"]
    assert "23 Apr." in by_subject["unpsa-2014"]
    for dataset in ("unpog-capacity-development-2006-2013", "unpog-activities-2006-2015"):
        assert all(n in by_subject[dataset] for n in ("3144", "1248", "70", "45"))


def test_issue_8_no_seed_definitions_without_a_source(store: OxigraphStore) -> None:
    # The seeds define none of the thematic areas or codes: no skos:definition is published.
    rows = select(
        store,
        SCHEMA_PREFIXES
        + f"""SELECT ?c WHERE {{ GRAPH ?g {{ ?c skos:definition ?d }}
          FILTER(STRSTARTS(STR(?g), "{BASE}graph/seed/")) }}""",
    )
    assert rows == []
