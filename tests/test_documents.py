"""Issue 10: dereferencing, negotiation, caching, descriptions, errors (Flask test client)."""

from __future__ import annotations

import gzip
import hashlib
import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from fixtures.pages import bundled_with_fixture
from fixtures.stores import BASE
from flask.testing import FlaskClient
from rdflib.compare import isomorphic

from unpacs.endpoint.app import create_app
from unpacs.loader.bundled import bundled_context
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore


@pytest.fixture(scope="module")
def bundled(
    bundled_store_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OxigraphStore]:
    store = bundled_with_fixture(bundled_store_dir, tmp_path_factory.mktemp("docs") / "store", BASE)
    yield store
    store.close()


@pytest.fixture
def client(bundled: OxigraphStore, tmp_path: Path) -> FlaskClient:
    app = create_app(Settings(store=str(tmp_path / "unused"), base_iri=BASE), store=bundled)
    return app.test_client()


NEGOTIATION = [
    ({"Accept": "text/html"}, "", "text/html"),
    (
        {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
        "",
        "text/html",
    ),
    ({"Accept": "text/turtle"}, "", "text/turtle"),
    ({"Accept": "application/ld+json"}, "", "application/ld+json"),
    ({"Accept": "application/n-triples"}, "", "application/n-triples"),
    ({"Accept": "application/rdf+xml"}, "", "application/rdf+xml"),
    ({"Accept": "application/n-quads"}, "", "application/n-quads"),
    ({"Accept": "application/trig"}, "", "application/trig"),
    ({"Accept": "text/turtle;q=0.5, application/ld+json"}, "", "application/ld+json"),
    ({"Accept": "text/html"}, ".ttl", "text/turtle"),
    ({"Accept": "text/turtle"}, ".html", "text/html"),
    ({"Accept": "text/html"}, ".jsonld", "application/ld+json"),
    ({"Accept": "text/html"}, ".nt", "application/n-triples"),
    ({"Accept": "text/html"}, ".rdf", "application/rdf+xml"),
    ({"Accept": "text/html"}, ".nq", "application/n-quads"),
    ({"Accept": "text/html"}, ".trig", "application/trig"),
    ({"Accept": "text/html"}, "?format=turtle", "text/turtle"),
    ({"Accept": "text/turtle"}, ".nt?format=jsonld", "application/ld+json"),
]


@pytest.mark.parametrize(("headers", "tail", "media_type"), NEGOTIATION)
def test_issue_10_negotiation_table(
    client: FlaskClient, headers: dict[str, str], tail: str, media_type: str
) -> None:
    seen = client.get("/doc/organization/icto-phl" + tail, headers=headers)
    assert seen.status_code == 200, seen.data
    assert seen.mimetype == media_type
    assert "Accept" in seen.headers["Vary"]
    assert seen.headers["Access-Control-Allow-Origin"] == "*"
    links = seen.headers["Link"]
    assert 'rel="alternate"' in links and media_type not in links.split("type=")[1:2]


def _graph(body: bytes, media_type: str) -> rdflib.Graph:
    if media_type == "application/ld+json":
        document = json.loads(body)
        assert document["@context"] == BASE + "def/context.jsonld"
        document["@context"] = bundled_context(BASE)
        body, fmt = json.dumps(document).encode(), "json-ld"
    else:
        fmt = {
            "text/turtle": "turtle",
            "application/n-triples": "nt",
            "application/rdf+xml": "xml",
            "application/n-quads": "nquads",
            "application/trig": "trig",
        }[media_type]
    if fmt in ("nquads", "trig", "json-ld"):
        dataset = rdflib.Dataset()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset.parse(data=body, format=fmt)
            merged = rdflib.Graph()
            for s, p, o, _ in dataset.quads():
                merged.add((s, p, o))
        return merged
    return rdflib.Graph().parse(data=body, format=fmt)


@pytest.mark.parametrize(
    "path",
    [
        "country/PHL",
        "organization/icto-phl",
        "person/casambre-louis-napoleon",
        "concept/thematic-area/national-e-procurement",
    ],
)
def test_issue_10_all_formats_describe_the_same_graph(client: FlaskClient, path: str) -> None:
    reference = _graph(client.get(f"/doc/{path}.nt").data, "application/n-triples")
    assert len(reference) > 5
    for suffix, media_type in (
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("nq", "application/n-quads"),
        ("trig", "application/trig"),
    ):
        other = _graph(client.get(f"/doc/{path}.{suffix}").data, media_type)
        assert isomorphic(reference, other), suffix


def test_issue_10_quads_carry_graph_names_and_triples_have_no_duplicates(
    client: FlaskClient,
) -> None:
    nq = client.get("/doc/organization/icto-phl.nq").get_data(as_text=True)
    assert f"<{BASE}graph/seed/philippines> ." in nq
    lines = client.get("/doc/organization/icto-phl.nt").get_data(as_text=True).splitlines()
    assert len(lines) == len(set(lines))
    turtle = client.get("/doc/organization/icto-phl.ttl").get_data(as_text=True)
    # Grouped by subject: the thing starts exactly one block.
    assert turtle.count(f"\n<{BASE}id/organization/icto-phl> ") == 1


def test_issue_10_description_has_inverse_links_labels_and_sources(client: FlaskClient) -> None:
    phl = _graph(client.get("/doc/country/PHL.nt").data, "application/n-triples")
    icto = rdflib.URIRef(BASE + "id/organization/icto-phl")
    assert (
        icto,
        rdflib.URIRef("http://purl.org/dc/terms/spatial"),
        rdflib.URIRef(BASE + "id/country/PHL"),
    ) in phl
    assert any(True for _ in phl.triples((icto, rdflib.SKOS.prefLabel, None)))
    dost = _graph(client.get("/doc/organization/dost-phl.nt").data, "application/n-triples")
    assert (
        icto,
        rdflib.URIRef("http://www.w3.org/ns/org#subOrganizationOf"),
        rdflib.URIRef(BASE + "id/organization/dost-phl"),
    ) in dost
    graph = rdflib.URIRef(BASE + "graph/seed/philippines")
    assert (
        graph,
        rdflib.DCTERMS.source,
        rdflib.URIRef(BASE + "id/document/unpog-ictd-asp-2014"),
    ) in dost
    person = _graph(
        client.get("/doc/person/casambre-louis-napoleon.nt").data, "application/n-triples"
    )
    membership = rdflib.URIRef(BASE + "id/membership/casambre-icto-phl-executive-director")
    assert (membership, rdflib.URIRef("http://www.w3.org/ns/org#member"), None) in person
    ministry = client.get("/doc/organization/icto-phl.nt").get_data(as_text=True)
    assert "2011-08-28" not in ministry  # membership details live on the membership's own page
    membership_doc = client.get("/doc/membership/casambre-icto-phl-executive-director.nt")
    assert "2011-08-28" in membership_doc.get_data(as_text=True)  # blank-node closure, depth 2


def test_issue_10_id_redirects_only_for_things_that_exist(client: FlaskClient) -> None:
    seen = client.get("/id/country/PHL", headers={"Accept": "text/turtle"})
    assert seen.status_code == 303
    assert seen.headers["Location"].endswith("/doc/country/PHL")
    missing = client.get("/id/country/XXX", headers={"Accept": "application/json"})
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    assert client.get("/id/nonsense/x").status_code == 404


def test_issue_10_errors_are_problems_or_html_pages(client: FlaskClient) -> None:
    as_json = client.get("/doc/country/XXX", headers={"Accept": "application/ld+json"})
    assert as_json.status_code == 404 and as_json.mimetype == "application/problem+json"
    as_html = client.get("/doc/country/XXX", headers={"Accept": "text/html"})
    assert as_html.status_code == 404 and as_html.mimetype == "text/html"
    assert "<h1>404 Not Found</h1>" in as_html.get_data(as_text=True)
    refused = client.get("/doc/country/PHL", headers={"Accept": "image/png"})
    assert refused.status_code == 406 and refused.mimetype == "application/problem+json"
    assert client.get("/doc/country/PHL?format=png").status_code == 406
    bad_date = client.get("/doc/country/PHL?date=yesterday", headers={"Accept": "text/html"})
    assert bad_date.status_code == 400


@pytest.mark.parametrize("tail", [".ttl", ".html", ".jsonld"])
def test_issue_10_etag_last_modified_304_and_head(client: FlaskClient, tail: str) -> None:
    url = "/doc/organization/icto-phl" + tail
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and "Accept" in again.headers["Vary"]
    since = client.get(url, headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    changed = client.get(url, headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200
    head = client.head(url)
    assert head.status_code == 200 and head.data == b""
    for name in (
        "ETag",
        "Last-Modified",
        "Vary",
        "Link",
        "Content-Type",
        "Access-Control-Allow-Origin",
    ):
        assert head.headers[name] == first.headers[name], name
    other = client.get("/doc/organization/dost-phl" + tail)
    assert other.headers["ETag"] != etag


def test_issue_10_etag_moves_with_a_commit(client: FlaskClient) -> None:
    from unpacs.endpoint.state import state_of

    etag = client.get("/doc/country/PHL.ttl").headers["ETag"]
    state_of(client.application).after_commit()
    seen = client.get("/doc/country/PHL.ttl", headers={"If-None-Match": etag})
    assert seen.status_code == 200 and seen.headers["ETag"] != etag


def test_issue_10_a_restarted_app_does_not_confirm_old_etags(
    bundled: OxigraphStore, tmp_path: Path
) -> None:
    settings = Settings(store=str(tmp_path / "unused"), base_iri=BASE)
    first = create_app(settings, store=bundled).test_client()
    etag = first.get("/doc/country/PHL.ttl").headers["ETag"]
    # A new app counts generations from the start again; the store may have changed meanwhile.
    second = create_app(settings, store=bundled).test_client()
    seen = second.get("/doc/country/PHL.ttl", headers={"If-None-Match": etag})
    assert seen.status_code == 200 and seen.headers["ETag"] != etag


def test_issue_10_vocabulary_and_context_dereference(client: FlaskClient) -> None:
    turtle = client.get("/def/unpacs", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    graph = rdflib.Graph().parse(data=turtle.data, format="turtle")
    assert (rdflib.URIRef(BASE + "def/unpacs#rank"), None, None) in graph
    assert client.get("/def/unpacs.rdf").mimetype == "application/rdf+xml"
    html = client.get("/def/unpacs", headers={"Accept": "text/html"})
    assert html.status_code == 200 and b"rank" in html.data
    context = client.get("/def/context.jsonld")
    assert context.mimetype == "application/ld+json"
    assert json.loads(context.data)["@context"] == bundled_context(BASE)
    assert (
        client.get(
            "/def/context.jsonld", headers={"If-None-Match": context.headers["ETag"]}
        ).status_code
        == 304
    )


def test_issue_10_dataset_description_and_downloads(client: FlaskClient) -> None:
    void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert void.status_code == 200
    graph = rdflib.Graph().parse(data=void.data, format="turtle")
    vd = rdflib.Namespace("http://rdfs.org/ns/void#")
    dataset = rdflib.URIRef(BASE + "dataset")
    triples = int(graph.value(dataset, vd.triples))
    dump = client.get("/download/unpacs.nq.gz")
    quads = gzip.decompress(dump.data).decode().splitlines()
    assert triples == len(quads) > 1000
    assert graph.value(dataset, vd.sparqlEndpoint) == rdflib.URIRef(BASE + "sparql")
    assert len(list(graph.objects(dataset, vd.classPartition))) > 5
    assert (rdflib.URIRef(BASE + "graph/seed/philippines"), rdflib.DCTERMS.source, None) in graph
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    dist = rdflib.URIRef(BASE + "download/unpacs.nq.gz")
    assert int(graph.value(dist, dcat.byteSize)) == len(dump.data)
    spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
    checksum = graph.value(dist, spdx.checksum)
    assert str(graph.value(checksum, spdx.checksumValue)) == hashlib.sha256(dump.data).hexdigest()
    assert (
        client.get(
            "/download/unpacs.nq.gz", headers={"If-None-Match": dump.headers["ETag"]}
        ).status_code
        == 304
    )
    trig = client.get("/download/unpacs.trig")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert rdflib.Dataset().parse(data=trig.data, format="trig")
    page = client.get("/dataset", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/download/unpacs.nq.gz"' in page
    assert hashlib.sha256(dump.data).hexdigest() in page
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"<loc>{BASE}doc/country/PHL</loc>" in sitemap
    assert "Sitemap:" in client.get("/robots.txt").get_data(as_text=True)


def test_issue_10_descriptions_are_read_in_batches_below_the_query_length_cap(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unpacs.loader.query import rows as query_rows
    from unpacs.loader.read import describe

    whole = _graph(client.get("/doc/concept/m49/142.nt").data, "application/n-triples")
    monkeypatch.setattr(describe, "chunks", lambda items: query_rows.chunks(items, 3))
    batched = _graph(client.get("/doc/concept/m49/142.nt").data, "application/n-triples")
    assert len(whole) > 100 and isomorphic(whole, batched)
