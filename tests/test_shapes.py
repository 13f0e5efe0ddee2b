"""SHACL shapes: each valid fixture conforms, each broken sibling fails with its message.

Fixtures live in ``tests/data/shapes/{shape file stem}/``: ``valid.ttl`` and one broken sibling
per constraint, each parsed together with ``context.ttl`` (the records the fixtures refer to).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest
from fixtures.stores import BASE
from rdflib import RDF, SH, Graph, Literal, URIRef

from unpacs.loader.errors import Issue
from unpacs.loader.ingest.validation import load_shapes, validate_graph, violations

ROOT = Path(__file__).parent.parent
SHAPES_DIR = ROOT / "shapes"
DATA_DIR = ROOT / "data"
FIXTURES = Path(__file__).parent / "data" / "shapes"
SHAPES_NS = BASE + "def/shapes#"

# (fixture, a substring of the message it must produce, the severity of that result)
BROKEN: list[tuple[str, str, str]] = [
    ("country/english-name-missing.ttl", "exactly one English short name", "Violation"),
    ("country/english-name-twice.ttl", "exactly one English short name", "Violation"),
    ("country/alpha2-lowercase.ttl", "ISO 3166-1 alpha-2", "Violation"),
    ("country/alpha2-missing.ttl", "ISO 3166-1 alpha-2", "Violation"),
    ("country/alpha3-bad.ttl", "ISO 3166-1 alpha-3", "Violation"),
    ("country/alpha3-missing.ttl", "ISO 3166-1 alpha-3", "Violation"),
    ("country/m49-not-padded.ttl", "three digits, zero-padded", "Violation"),
    ("country/m49-integer.ttl", "three digits, zero-padded", "Violation"),
    ("country/m49-missing.ttl", "should have its UN M49 code", "Warning"),
    ("country/m49-region-not-concept.ttl", "M49 region (unpacs:m49Region)", "Violation"),
    ("country/m49-subregion-not-concept.ttl", "M49 sub-region", "Violation"),
    ("country/country-group-not-concept.ttl", "country group (unpacs:countryGroup", "Violation"),
    ("country/source-missing.ttl", "Country needs a source", "Violation"),
    ("country/source-literal.ttl", "Country needs a source", "Violation"),
    (
        "country/sar-not-contained.ttl",
        "special administrative region needs the country",
        "Violation",
    ),
    (
        "country/sar-contained-in-nothing.ttl",
        "special administrative region needs the country",
        "Violation",
    ),
    (
        "country/name-missing-in-russian.ttl",
        'no short name (skos:prefLabel) in the UN language "ru"',
        "Warning",
    ),
    (
        "institution/name-missing.ttl",
        "Institution needs a name in at least one language (skos:prefLabel)",
        "Violation",
    ),
    ("institution/foaf-name-untagged.ttl", "name (foaf:name) needs a language tag", "Violation"),
    ("institution/foaf-name-german.ttl", "name (foaf:name) must be in a UN language", "Violation"),
    (
        "institution/spatial-not-country.ttl",
        "geographic scope (dcterms:spatial) must be a country record",
        "Violation",
    ),
    ("institution/spatial-missing.ttl", "Public institution needs its country", "Violation"),
    (
        "institution/parent-not-institution.ttl",
        "parent institution (org:subOrganizationOf)",
        "Violation",
    ),
    ("institution/reports-to-not-institution.ttl", "reported to (org:reportsTo)", "Violation"),
    ("institution/homepage-string.ttl", "website (foaf:homepage) must be an IRI", "Violation"),
    (
        "institution/homepage-missing.ttl",
        "Institution should have a website (foaf:homepage)",
        "Warning",
    ),
    (
        "institution/address-untyped.ttl",
        "address (locn:address) must be a locn:Address",
        "Violation",
    ),
    ("institution/address-empty.ttl", "Address needs at least one part", "Violation"),
    (
        "institution/contact-untyped.ttl",
        "contact details (schema:contactPoint) must be a schema:ContactPoint",
        "Violation",
    ),
    ("institution/contact-missing.ttl", "Institution should have contact details", "Warning"),
    ("institution/contact-empty.ttl", "Contact details need at least one of", "Violation"),
    (
        "institution/telephone-tagged.ttl",
        "telephone number (schema:telephone) is a plain string",
        "Violation",
    ),
    ("institution/fax-number.ttl", "fax number (schema:faxNumber) is a plain string", "Violation"),
    ("institution/email-iri.ttl", "email address (schema:email) is a plain string", "Violation"),
    ("institution/email-odd.ttl", "does not look like name@domain", "Warning"),
    ("institution/description-missing.ttl", "should describe its functions", "Warning"),
    ("institution/source-missing.ttl", "Institution needs a source", "Violation"),
    ("institution/acronym-untagged.ttl", "(skos:altLabel) needs a language tag", "Violation"),
    ("post-membership/post-title-missing.ttl", "Post needs a title", "Violation"),
    (
        "post-membership/post-institution-missing.ttl",
        "Post needs the institution it belongs to",
        "Violation",
    ),
    (
        "post-membership/post-in-country.ttl",
        "Post needs the institution it belongs to",
        "Violation",
    ),
    (
        "post-membership/post-role-not-concept.ttl",
        "post's role (org:role) must be a concept",
        "Violation",
    ),
    ("post-membership/post-role-missing.ttl", "Post should say its role", "Warning"),
    (
        "post-membership/post-rank-not-concept.ttl",
        "post's rank (unpacs:rank) must be a concept",
        "Violation",
    ),
    ("post-membership/post-source-missing.ttl", "Post needs a source", "Violation"),
    ("post-membership/member-missing.ttl", "Membership needs exactly one person", "Violation"),
    ("post-membership/member-not-person.ttl", "Membership needs exactly one person", "Violation"),
    ("post-membership/member-twice.ttl", "Membership needs exactly one person", "Violation"),
    (
        "post-membership/post-held-missing.ttl",
        "Membership needs exactly one post held",
        "Violation",
    ),
    (
        "post-membership/post-held-not-post.ttl",
        "Membership needs exactly one post held",
        "Violation",
    ),
    (
        "post-membership/organization-not-institution.ttl",
        "membership's institution (org:organization)",
        "Violation",
    ),
    (
        "post-membership/organization-missing.ttl",
        "Membership should name the institution",
        "Warning",
    ),
    (
        "post-membership/membership-role-not-concept.ttl",
        "membership's role (org:role) must be a concept",
        "Violation",
    ),
    ("post-membership/period-untyped.ttl", "Membership needs one period", "Violation"),
    ("post-membership/start-missing.ttl", "Membership needs one start date", "Violation"),
    ("post-membership/start-string.ttl", "Membership needs one start date", "Violation"),
    (
        "post-membership/end-datetime.ttl",
        "end date (org:memberDuring/time:hasEnd/time:inXSDDate) is one xsd:date",
        "Violation",
    ),
    (
        "post-membership/end-before-start.ttl",
        "Membership ends (2011-08-27) before it begins (2011-08-28)",
        "Violation",
    ),
    ("post-membership/membership-source-missing.ttl", "Membership needs a source", "Violation"),
    (
        "post-membership/holder-does-not-hold.ttl",
        "should state the post held (org:holds",
        "Warning",
    ),
    ("person/name-missing.ttl", "Person needs a name (foaf:name)", "Violation"),
    ("person/name-iri.ttl", "person's name (foaf:name) is text", "Violation"),
    ("person/given-name-iri.ttl", "given name (foaf:givenName) is text", "Violation"),
    ("person/family-name-iri.ttl", "family name (foaf:familyName) is text", "Violation"),
    ("person/holds-not-post.ttl", "post held (org:holds) must be a post record", "Violation"),
    (
        "person/contact-untyped.ttl",
        "person's contact details (schema:contactPoint) must be a schema:ContactPoint",
        "Violation",
    ),
    ("person/contact-missing.ttl", "Person should have contact details", "Warning"),
    ("person/source-missing.ttl", "Person needs a source", "Violation"),
    (
        "person/family-name-not-in-name.ttl",
        'does not contain the family name (foaf:familyName "Kim")',
        "Warning",
    ),
    ("document/title-missing.ttl", "Document needs a title", "Violation"),
    ("document/title-iri.ttl", "Document needs a title", "Violation"),
    ("document/date-string.ttl", "document's date (dcterms:date) is one xsd:date", "Violation"),
    ("document/date-twice.ttl", "document's date (dcterms:date) is one xsd:date", "Violation"),
    ("document/date-missing.ttl", "Document should have a date", "Warning"),
    ("document/type-literal.ttl", "document type (dcterms:type) is an IRI", "Violation"),
    (
        "document/spatial-not-country.ttl",
        "country a document applies to (dcterms:spatial)",
        "Violation",
    ),
    ("document/source-literal.ttl", "document's source (dcterms:source) is an IRI", "Violation"),
    (
        "document/publisher-literal.ttl",
        "document's publisher (dcterms:publisher) is an institution IRI",
        "Violation",
    ),
    (
        "document/neither-source-nor-publisher.ttl",
        "Document needs a source (dcterms:source) or",
        "Violation",
    ),
    ("observation/dataset-missing.ttl", "Observation needs exactly one data set", "Violation"),
    ("observation/dataset-not-dataset.ttl", "Observation needs exactly one data set", "Violation"),
    (
        "observation/ref-area-literal.ttl",
        "reference area (sdmx-dimension:refArea) is an IRI",
        "Violation",
    ),
    (
        "observation/ref-period-literal.ttl",
        "reference period (sdmx-dimension:refPeriod) is one interval IRI",
        "Violation",
    ),
    ("observation/ref-period-missing.ttl", "should say the period it covers", "Warning"),
    ("observation/source-missing.ttl", "Observation needs a source", "Violation"),
    ("observation/measure-missing.ttl", "has no value for the measure", "Violation"),
    ("observation/measure-type-value-missing.ttl", "its qb:measureType names", "Violation"),
    (
        "observation/structure-without-measure.ttl",
        "its data set's structure (qb:structure) declares none",
        "Violation",
    ),
    (
        "observation/dataset-structure-missing.ttl",
        "Data set needs exactly one structure",
        "Violation",
    ),
    ("observation/dataset-title-missing.ttl", "Data set needs a title", "Violation"),
    ("observation/dataset-source-missing.ttl", "Data set needs a source", "Violation"),
    ("egov-survey/ref-area-not-member.ttl", "about exactly one UN Member State", "Violation"),
    ("egov-survey/edition-string.ttl", "has one edition (unpacs:surveyEdition)", "Violation"),
    ("egov-survey/measure-type-unknown.ttl", "names one measure (qb:measureType)", "Violation"),
    ("egov-survey/index-out-of-range.ttl", "one xsd:decimal from 0 to 1", "Violation"),
    ("egov-survey/index-not-decimal.ttl", "one xsd:decimal from 0 to 1", "Violation"),
    ("egov-survey/rank-zero.ttl", "one positive xsd:integer", "Violation"),
    ("egov-survey/rank-decimal.ttl", "one positive xsd:integer", "Violation"),
    (
        "egov-survey/duplicate-observation.ttl",
        "2 observations of http://127.0.0.1:8000/id/country/PHL for the measure",
        "Violation",
    ),
    (
        "egov-survey/egdi-not-mean.ttl",
        "EGDI 0.0 of http://127.0.0.1:8000/id/country/PHL in the 2014 edition is not the mean",
        "Warning",
    ),
    ("case-study/title-missing.ttl", "Case study needs a title", "Violation"),
    (
        "case-study/spatial-not-country.ttl",
        "country of a case study (dcterms:spatial) must be a country record",
        "Violation",
    ),
    ("case-study/spatial-missing.ttl", "should say which country it is about", "Warning"),
    (
        "case-study/subject-not-concept.ttl",
        "case study's topic (dcterms:subject) must be a concept",
        "Violation",
    ),
    ("case-study/subject-missing.ttl", "Case study should have a topic", "Warning"),
    ("case-study/source-missing.ttl", "Case study needs a source", "Violation"),
    ("event/name-missing.ttl", "Event needs a name", "Violation"),
    ("event/start-missing.ttl", "Event needs one start date", "Violation"),
    ("event/start-string.ttl", "Event needs one start date", "Violation"),
    ("event/start-twice.ttl", "Event needs one start date", "Violation"),
    ("event/end-string.ttl", "event's end date (schema:endDate) is one xsd:date", "Violation"),
    (
        "event/end-before-start.ttl",
        "Event ends (2010-06-17) before it starts (2010-06-18)",
        "Violation",
    ),
    (
        "event/end-before-start-month.ttl",
        "Event ends (2014-09-30) before it starts (2014-10)",
        "Violation",
    ),
    ("event/location-missing.ttl", "Event should say where it took place", "Warning"),
    (
        "event/organizer-not-institution.ttl",
        "event's organizer (schema:organizer) must be an institution record",
        "Violation",
    ),
    ("event/organizer-missing.ttl", "Event should say who organized it", "Warning"),
    ("event/source-missing.ttl", "Event needs a source", "Violation"),
    ("concept/label-missing.ttl", "Concept needs a label", "Violation"),
    ("concept/scheme-missing.ttl", "Concept needs its scheme", "Violation"),
    ("concept/scheme-not-scheme.ttl", "Concept needs its scheme", "Violation"),
    (
        "concept/broader-not-concept.ttl",
        "broader concept (skos:broader) must be a skos:Concept",
        "Violation",
    ),
    (
        "concept/narrower-not-concept.ttl",
        "narrower concept (skos:narrower) must be a skos:Concept",
        "Violation",
    ),
    ("concept/definition-missing.ttl", "Concept should have a definition", "Warning"),
    ("concept/source-missing.ttl", "Concept needs a source", "Violation"),
    ("concept/scheme-title-missing.ttl", "Concept scheme needs a title", "Violation"),
    (
        "concept/top-concept-not-concept.ttl",
        "top concept (skos:hasTopConcept) must be a skos:Concept",
        "Violation",
    ),
    ("concept/scheme-source-missing.ttl", "Concept scheme needs a source", "Violation"),
    ("concept/collection-label-missing.ttl", "Collection needs a label", "Violation"),
    ("concept/collection-member-missing.ttl", "Collection needs its members", "Violation"),
    ("concept/collection-member-not-concept.ttl", "Collection needs its members", "Violation"),
    ("concept/collection-source-missing.ttl", "Collection needs a source", "Violation"),
    ("item-list/name-missing.ttl", "List needs a name (schema:name)", "Violation"),
    ("item-list/source-missing.ttl", "List needs a source (dcterms:source", "Violation"),
    ("item-list/about-missing.ttl", "List should say what it is about", "Warning"),
    ("item-list/items-missing.ttl", "List needs its items", "Violation"),
    ("item-list/item-untyped.ttl", "List needs its items", "Violation"),
    (
        "item-list/count-wrong.ttl",
        "List says it has 3 items (schema:numberOfItems) but has 2",
        "Violation",
    ),
    ("item-list/position-twice.ttl", "Two items of the list have position 1", "Violation"),
    ("item-list/position-missing.ttl", "List item needs one position", "Violation"),
    ("item-list/position-string.ttl", "List item needs one position", "Violation"),
    ("item-list/item-text-missing.ttl", "List item needs its text", "Violation"),
    ("links/homepage-javascript.ttl", "The website (foaf:homepage) must be an http", "Violation"),
    ("links/page-data.ttl", "A page (foaf:page) must be an http", "Violation"),
    ("links/seeAlso-vbscript.ttl", "(rdfs:seeAlso) must be an http", "Violation"),
    ("links/landingPage-file.ttl", "A landing page (dcat:landingPage) must be", "Violation"),
    ("note/value-untagged.ttl", "A note's text (rdf:value) is a language-tagged", "Violation"),
    ("note/source-missing.ttl", "A note needs a source (dcterms:source", "Violation"),
    ("note/date-string.ttl", "A note's date (dcterms:date) is one", "Violation"),
    ("provenance/not-entity.ttl", "must say it is a prov:Entity", "Violation"),
    ("provenance/source-missing.ttl", "Every graph needs a source", "Violation"),
    ("provenance/time-date.ttl", "one load time (prov:generatedAtTime", "Violation"),
    ("provenance/time-twice.ttl", "one load time (prov:generatedAtTime", "Violation"),
    (
        "provenance/source-file-missing.ttl",
        "the file it was loaded from (unpacs:sourceFile",
        "Violation",
    ),
    (
        "provenance/source-file-iri.ttl",
        "the file it was loaded from (unpacs:sourceFile",
        "Violation",
    ),
    ("provenance/hash-uppercase.ttl", "hash of its file (unpacs:contentHash", "Violation"),
    ("provenance/hash-md5.ttl", "hash of its file (unpacs:contentHash", "Violation"),
    ("provenance/hash-missing.ttl", "hash of its file (unpacs:contentHash", "Violation"),
    ("provenance/validated-string.ttl", "(unpacs:validated) is one xsd:boolean", "Violation"),
    ("names/label-untagged.ttl", "(skos:prefLabel) needs a language tag", "Violation"),
    ("names/label-german.ttl", "(skos:prefLabel) must be in a UN language", "Violation"),
    ("names/label-english-word.ttl", "(skos:prefLabel) must be in a UN language", "Violation"),
    (
        "names/label-twice-in-english.ttl",
        "Only one preferred name (skos:prefLabel) per language",
        "Violation",
    ),
    ("names/acronym-german.ttl", "(skos:altLabel) must be in a UN language", "Violation"),
    (
        "names/formal-name-untagged.ttl",
        "formal name (unpacs:formalName) needs a language tag",
        "Violation",
    ),
    (
        "names/formal-name-german.ttl",
        "formal name (unpacs:formalName) must be in a UN language",
        "Violation",
    ),
    (
        "names/formal-name-twice.ttl",
        "Only one formal name (unpacs:formalName) per language",
        "Violation",
    ),
]


def shapes() -> Graph:
    return load_shapes(SHAPES_DIR, BASE)


def parse_fixture(*names: str) -> Graph:
    graph = Graph()
    for name in ("context.ttl", *names):
        graph.parse(FIXTURES / name, format="turtle", publicID=BASE)
    return graph


@cache
def validate_fixture(name: str) -> tuple[Issue, ...]:
    return tuple(validate_graph(parse_fixture(name), shapes()))


def describe(issues: Iterable[Issue]) -> list[str]:
    return [f"{i.severity}: {i.message} ({i.focus_node})" for i in issues]


def test_context_is_clean() -> None:
    graph = parse_fixture()
    assert describe(validate_graph(graph, shapes())) == []


VALID = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/valid.ttl"))


@pytest.mark.parametrize("fixture", VALID)
def test_valid_fixture_has_no_results(fixture: str) -> None:
    assert describe(validate_fixture(fixture)) == []


def test_every_shape_file_has_fixtures() -> None:
    shape_files = {p.stem for p in SHAPES_DIR.glob("*.ttl")}
    fixture_folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert shape_files == fixture_folders
    assert all((FIXTURES / name / "valid.ttl").is_file() for name in shape_files)


def test_every_broken_fixture_is_in_the_table() -> None:
    on_disk = {
        str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*.ttl") if p.name != "valid.ttl"
    }
    listed = [row[0] for row in BROKEN]
    assert len(listed) == len(set(listed))
    assert on_disk == set(listed)


@pytest.mark.parametrize(("fixture", "message", "severity"), BROKEN)
def test_broken_fixture_reports_its_message(fixture: str, message: str, severity: str) -> None:
    issues = validate_fixture(fixture)
    matching = [i for i in issues if message in i.message]
    assert matching, describe(issues)
    assert {i.severity for i in matching} == {severity}
    if severity == "Warning":
        # A record that only lacks what a good record should have is still publishable.
        assert violations(issues) == [], describe(issues)


def _constraint_shapes(graph: Graph) -> set[str]:
    """Every property shape, and every node shape with a constraint of its own."""
    found = {str(s) for s in graph.subjects(RDF.type, SH.PropertyShape)}
    for node_shape in graph.subjects(RDF.type, SH.NodeShape):
        if any(graph.value(node_shape, p) is not None for p in (SH.sparql, SH["or"])):
            found.add(str(node_shape))
    return found


def test_every_constraint_has_a_broken_fixture() -> None:
    reported = {i.shape for fixture, _m, _s in BROKEN for i in validate_fixture(fixture)}
    assert _constraint_shapes(shapes()) - reported == set()


def test_every_shape_states_severity_and_message() -> None:
    graph = shapes()
    for shape in set(graph.subjects(RDF.type, SH.PropertyShape)) | set(
        graph.subjects(RDF.type, SH.NodeShape)
    ):
        # A node shape's severity does not cascade to its property shapes in pySHACL.
        assert graph.value(shape, SH.severity) in (SH.Violation, SH.Warning), shape
        assert isinstance(graph.value(shape, SH.message), Literal), shape
    for constraint in graph.objects(None, SH.sparql):
        assert isinstance(graph.value(constraint, SH.message), Literal), constraint


def test_shape_files_use_the_base_iri() -> None:
    for path in SHAPES_DIR.glob("*.ttl"):
        assert "@base" not in path.read_text(encoding="utf-8"), path
    other = load_shapes(SHAPES_DIR, "https://unpacs.example.org/")
    assert URIRef("https://unpacs.example.org/def/shapes#Institution") in set(
        other.subjects(RDF.type, SH.NodeShape)
    )


def test_warnings_do_not_count_as_violations() -> None:
    issues = list(validate_fixture("institution/homepage-missing.ttl"))
    assert [i.severity for i in issues] == ["Warning"]
    assert violations(issues) == []


def test_sparql_constraint_warning_has_warning_severity() -> None:
    # sh:severity inside sh:sparql is ignored by pySHACL; the node shape's severity must win.
    issues = validate_fixture("person/family-name-not-in-name.ttl")
    assert [(i.severity, i.shape) for i in issues] == [("Warning", SHAPES_NS + "PersonNameParts")]
    assert violations(issues) == []


def test_sparql_constraint_violation_has_violation_severity() -> None:
    issues = validate_fixture("post-membership/end-before-start.ttl")
    assert [(i.severity, i.shape) for i in issues] == [("Violation", SHAPES_NS + "MembershipDates")]


NAME_TEMPLATE = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<id/concept/role/cio> a skos:Concept ; skos:prefLabel "CIO"{tag} ;
    skos:definition "A chief information officer."@en ;
    skos:inScheme <id/concept/role> ; dcterms:source <id/document/test-source> .
"""


@pytest.mark.parametrize(
    ("tag", "accepted"),
    [
        ("@en", True),
        ("@ar", True),
        ("@zh", True),
        ("@fr", True),
        ("@ru", True),
        ("@es", True),
        ("@zh-Hans", True),
        ("@zh-Hant", True),
        ("@en-GB", True),
        ("@es-419", True),
        ("@EN", True),
        ("@english", False),
        ("@de", False),
        ("@pt-BR", False),
        ("@e", False),
        ("@enx", False),
        ("", False),
        ("^^<http://www.w3.org/2001/XMLSchema#string>", False),
    ],
)
def test_language_tags_of_names(tag: str, accepted: bool) -> None:
    graph = parse_fixture()
    graph.parse(data=NAME_TEMPLATE.format(tag=tag), format="turtle", publicID=BASE)
    found = [i for i in validate_graph(graph, shapes()) if "(skos:prefLabel)" in i.message]
    assert (found == []) is accepted, describe(found)
    assert all(i.severity == "Violation" for i in found)


def test_readme_lists_every_message() -> None:
    readme = (SHAPES_DIR / "README.md").read_text(encoding="utf-8")
    graph = shapes()
    for message in graph.objects(None, SH.message):
        escaped = str(message).replace("|", "\\|").replace("<", "\\<")
        assert escaped in readme, message


def bundled_data_files() -> list[Path]:
    return sorted((DATA_DIR / "seed").glob("*.ttl")) + sorted(
        (DATA_DIR / "reference").glob("*.ttl")
    )
