"""The Flask app on a real on-disk store: SPARQL protocol basics and dereferenceable URIs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.stores import BASE
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from unpacs.endpoint.app import create_app
from unpacs.loader.ingest.pipeline import load_sources, read_source
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore

DATA = Path(__file__).parent / "data" / "pipeline"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    settings = Settings(store=str(tmp_path / "store"), shapes_dir=DATA / "shapes", data_dir=DATA)
    store = OxigraphStore(settings.store)
    load_sources(store, [read_source(DATA / "valid.ttl", settings)], settings)
    yield create_app(settings, store=store)
    store.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_select_as_sparql_json(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT ?s WHERE { ?s a <http://example.org/test#Thing> }"},
    )
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert "Accept" in response.vary
    values = {b["s"]["value"] for b in response.get_json()["results"]["bindings"]}
    assert values == {BASE + "id/organization/parent", BASE + "id/organization/child"}


def test_ask_by_post_form_and_by_sparql_query_body(client: FlaskClient) -> None:
    form = client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"})
    assert form.get_json() == {"head": {}, "boolean": True}
    body = client.post("/sparql", data="ASK { ?s ?p 42 }", content_type="application/sparql-query")
    assert body.get_json()["boolean"] is False


def test_results_format_by_accept(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert response.mimetype == "application/sparql-results+xml"
    refused = client.get(
        "/sparql",
        query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"},
        headers={"Accept": "image/png"},
    )
    assert refused.status_code == 406
    assert refused.mimetype == "application/problem+json"


def test_bad_query_is_a_problem_document(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELEKT nothing"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 400
    assert "syntax" in problem["detail"].lower()


def test_protocol_strictness(client: FlaskClient) -> None:
    twice = client.get("/sparql?query=ASK{}&query=ASK{}")
    assert twice.status_code == 400
    update = client.post("/sparql", data="DROP ALL", content_type="application/sparql-update")
    # Issue 9: updates are not anonymous (401 with a challenge), not "not allowed".
    assert update.status_code == 401
    assert update.headers["WWW-Authenticate"].lower().startswith("bearer")
    odd = client.post("/sparql", data="ASK {}", content_type="text/plain")
    assert odd.status_code == 415


def test_id_redirects_to_document_served_as_turtle(client: FlaskClient) -> None:
    seen = client.get("/id/organization/child", headers={"Accept": "text/turtle"})
    assert seen.status_code == 303
    assert seen.headers["Location"].endswith("/doc/organization/child")
    doc = client.get("/doc/organization/child", headers={"Accept": "text/turtle"})
    assert doc.status_code == 200
    assert doc.mimetype == "text/turtle"
    graph = Graph().parse(data=doc.get_data(as_text=True), format="turtle")
    child = URIRef(BASE + "id/organization/child")
    assert (
        child,
        URIRef("http://example.org/test#partOf"),
        URIRef(BASE + "id/organization/parent"),
    ) in graph
    by_suffix = client.get("/doc/organization/child.nt")
    assert by_suffix.mimetype == "application/n-triples"


def test_unknown_thing_is_404(client: FlaskClient) -> None:
    assert client.get("/doc/organization/nobody").status_code == 404
    assert client.get("/id/nonsense/x").status_code == 404
