"""Who may write what: every touched subject, shared graphs, actions per verb, and who reads
drafts and history. The real app on a copy of the built store; every refusal leaves the store's
dump byte for byte as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.stewards import (
    BASE,
    ICTO,
    PHL_GRAPH,
    Site,
    bearer,
    dump,
    make_site,
)
from flask.testing import FlaskClient

from unpacs.endpoint.state import state_of
from unpacs.loader.stewards.tokens import add_token
from unpacs.loader.store.oxigraph import OxigraphStore

KEN_GRAPH = BASE + "graph/country/KEN/notes"
PHL_POST = BASE + "id/post/icto-phl-executive-director"
PHL_COUNTRY = BASE + "id/country/PHL"
SHAPES = BASE + "graph/shapes"
CODE_LISTS = BASE + "graph/seed/code-lists"
ROLE = BASE + "id/concept/role/e-government-official"
NAME_SHAPE = BASE + "def/shapes#Institution-name"
TURTLE = {"Content-Type": "text/turtle"}
SKOS = "http://www.w3.org/2004/02/skos/core#"
KEN_ORG = f"""
@prefix org: <http://www.w3.org/ns/org#> . @prefix skos: <{SKOS}> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{BASE}id/organization/ict-authority-ken> a org:Organization ; skos:prefLabel "ICT Authority"@en ;
    dcterms:spatial <{BASE}id/country/KEN> ; dcterms:source <https://icta.go.ke/> .
"""


class Tokens:
    def __init__(self, site: Site) -> None:
        tokens = site.settings.tokens_file
        assert tokens is not None
        self.site = site
        self.operator = add_token(tokens, "operator", ["*"], ["validate", "publish", "update"])
        self.validator = add_token(tokens, "ken-validator", ["KEN"], ["validate"])
        self.drafter = add_token(tokens, "ken-drafter", ["KEN"], ["draft"])


@pytest.fixture
def site(tmp_path: Path, bundled_store_dir: Path) -> Site:
    return make_site(tmp_path, bundled_store_dir)


@pytest.fixture
def tokens(site: Site) -> Tokens:
    return Tokens(site)


@pytest.fixture
def client(site: Site, tokens: Tokens) -> FlaskClient:
    return site.app().test_client()


def store_of(client: FlaskClient) -> OxigraphStore:
    store = state_of(client.application).store
    assert isinstance(store, OxigraphStore)
    return store


def triple(subject: str, predicate: str, value: str) -> bytes:
    return f"<{subject}> <{predicate}> {value} .\n".encode()


def put(client: FlaskClient, graph: str, body: bytes, token: str, method: str = "PUT") -> object:
    return client.open(
        "/graphs",
        method=method,
        query_string={"graph": graph},
        data=body,
        headers={**bearer(token), **TURTLE},
    )


def update(client: FlaskClient, token: str, text: str) -> object:
    return client.post(
        "/sparql",
        data=text.encode(),
        headers={**bearer(token), "Content-Type": "application/sparql-update"},
    )


def refused(answer: object, status: int = 403) -> dict[str, object]:
    assert getattr(answer, "status_code") == status, getattr(answer, "json")  # noqa: B009
    problem = getattr(answer, "json")  # noqa: B009
    assert isinstance(problem, dict)
    return problem


def test_a_country_token_cannot_write_about_another_countrys_records_by_any_path(
    client: FlaskClient, site: Site
) -> None:
    store = store_of(client)
    before = dump(store)
    comment = "http://www.w3.org/2000/01/rdf-schema#comment"
    about_country = triple(PHL_COUNTRY, comment, '"Kenya wrote this"')
    # The post names no country: it is PHL's through the organization it is a post in.
    about_post = triple(PHL_POST, SKOS + "prefLabel", '"Kenyan director"@en')
    for body, subject in ((about_country, PHL_COUNTRY), (about_post, PHL_POST)):
        for method in ("PUT", "POST"):
            problem = refused(put(client, KEN_GRAPH, body, site.kenya, method))
            assert problem["subject"] == subject
            assert subject in str(problem["detail"]) and "PHL" in str(problem["detail"])
            assert problem["may"] == {
                "label": "ken-steward",
                "countries": ["KEN"],
                "actions": ["validate", "draft", "publish", "update"],
            }
        drafted = client.post(
            "/graphs/drafts",
            query_string={"graph": KEN_GRAPH},
            data=body,
            headers={**bearer(site.kenya), **TURTLE},
        )
        assert refused(drafted)["subject"] == subject
        text = body.decode().strip()
        insert = f"INSERT DATA {{ GRAPH <{KEN_GRAPH}> {{ {text} }} }}"
        problem = refused(update(client, site.kenya, insert))
        assert problem["subject"] == subject
    # A person holding that post names no country either: PHL's through the graph holding it.
    person = BASE + "id/person/casambre-louis-napoleon"
    problem = refused(
        put(client, KEN_GRAPH, triple(person, "http://xmlns.com/foaf/0.1/nick", '"x"'), site.kenya)
    )
    assert problem["subject"] == person
    # Removing statements touches their subject too.
    problem = refused(
        update(
            client,
            site.kenya,
            f"DELETE WHERE {{ GRAPH <{PHL_GRAPH}> {{ <{PHL_POST}> <{SKOS}prefLabel> ?l }} }}",
        )
    )
    assert "PHL" in str(problem["detail"])
    assert dump(store) == before

    # Kenya's own records, a post naming no country among them, are Kenya's to write.
    post = f"""<{BASE}id/post/icta-ken-ceo> a <http://www.w3.org/ns/org#Post> ;
        <{SKOS}prefLabel> "Chief Executive Officer"@en ;
        <http://www.w3.org/ns/org#postIn> <{BASE}id/organization/ict-authority-ken> ;
        <http://www.w3.org/ns/org#role> <{ROLE}> ;
        <http://purl.org/dc/terms/source> <https://icta.go.ke/> ."""
    made = put(client, KEN_GRAPH, (KEN_ORG + post).encode(), site.kenya)
    assert getattr(made, "status_code") == 201, getattr(made, "json")  # noqa: B009
    assert dump(store) != before


def test_a_kenyan_publisher_cannot_publish_a_philippine_draft(
    client: FlaskClient, site: Site
) -> None:
    store = store_of(client)
    body = triple(ICTO, "http://xmlns.com/foaf/0.1/nick", '"ICTO"')
    drafted = client.post(
        "/graphs/drafts",
        query_string={"graph": PHL_GRAPH, "mode": "add"},
        data=body,
        headers={**bearer(site.steward), **TURTLE},
    )
    assert drafted.status_code == 201, drafted.json
    draft = drafted.json["draft"]
    before = dump(store)
    problem = refused(client.post(f"/graphs/drafts/{draft}/publish", headers=bearer(site.kenya)))
    assert "PHL" in str(problem["detail"])
    problem = refused(client.post(f"/graphs/drafts/{draft}/return", headers=bearer(site.kenya)))
    assert dump(store) == before
    # It stays open for PHL's own publisher.
    published = client.post(f"/graphs/drafts/{draft}/publish", headers=bearer(site.publisher))
    assert published.status_code == 200, published.json


def test_shared_graphs_are_written_only_by_the_operator(
    client: FlaskClient, site: Site, tokens: Tokens
) -> None:
    store = store_of(client)
    before = dump(store)
    label = SKOS + "prefLabel"
    naming_kenya = triple(
        BASE + "id/concept/x", "http://purl.org/dc/terms/spatial", f"<{BASE}id/country/KEN>"
    )
    attempts = [
        put(client, SHAPES, naming_kenya, site.kenya, "POST"),
        put(client, SHAPES, naming_kenya, site.kenya, "PUT"),
        put(client, CODE_LISTS, triple(ROLE, label, '"Renamed"@en'), site.kenya, "POST"),
        put(client, BASE + "graph/ontology", naming_kenya, site.publisher, "POST"),
        put(client, BASE + "graph/reference/countries", naming_kenya, site.kenya, "POST"),
        client.delete("/graphs", query_string={"graph": SHAPES}, headers=bearer(site.kenya)),
        client.post(
            "/graphs/drafts",
            query_string={"graph": CODE_LISTS, "mode": "add"},
            data=triple(ROLE, label, '"Renamed"@en'),
            headers={**bearer(site.kenya), **TURTLE},
        ),
        update(
            client,
            site.kenya,
            f"WITH <{CODE_LISTS}> DELETE {{ <{ROLE}> <{label}> ?l }} "
            f'INSERT {{ <{ROLE}> <{label}> "Renamed"@en }} WHERE {{ <{ROLE}> <{label}> ?l }}',
        ),
        update(
            client,
            site.publisher,
            f"DELETE WHERE {{ GRAPH <{SHAPES}> {{ <{NAME_SHAPE}> "
            "<http://www.w3.org/ns/shacl#minCount> ?n } }",
        ),
        update(client, site.kenya, f"DROP GRAPH <{SHAPES}>"),
    ]
    for answer in attempts:
        problem = refused(answer)
        assert "only the operator" in str(problem["detail"]), problem
    # A shared concept stays shared when its statements are put into a country's graph.
    problem = refused(put(client, KEN_GRAPH, triple(ROLE, label, '"Renamed"@en'), site.kenya))
    assert problem["subject"] == ROLE and "shared" in str(problem["detail"])
    assert dump(store) == before


def test_an_operator_changing_the_shapes_does_not_change_the_gate_and_is_told(
    client: FlaskClient, site: Site, tokens: Tokens
) -> None:
    store = store_of(client)
    weakened = update(
        client,
        tokens.operator,
        f"DELETE WHERE {{ GRAPH <{SHAPES}> {{ <{NAME_SHAPE}> "
        "<http://www.w3.org/ns/shacl#minCount> ?n } }",
    )
    assert getattr(weakened, "status_code") == 200, getattr(weakened, "json")  # noqa: B009
    warnings = getattr(weakened, "json")["warnings"]  # noqa: B009
    assert any(SHAPES in w["message"] and "still validated" in w["message"] for w in warnings)
    before = dump(store)
    # The stored shapes lost the name's minCount; the gate still requires the name.
    nameless = KEN_ORG.replace('skos:prefLabel "ICT Authority"@en ;', "")
    answer = put(client, KEN_GRAPH, nameless.encode(), site.kenya)
    problem = refused(answer, 422)
    assert any("needs a name" in e["message"] for e in problem["errors"])  # type: ignore[attr-defined]
    assert dump(store) == before


@pytest.mark.parametrize(
    ("who", "method", "path", "form"),
    [
        ("validator", "DELETE", "/graphs", None),
        ("drafter", "DELETE", "/graphs", None),
        ("validator", "PUT", "/graphs", None),
        ("drafter", "PUT", "/graphs", None),
        ("validator", "POST", "/graphs/drafts", None),
        ("drafter", "POST", "/graphs/drafts/1/publish", None),
        ("drafter", "POST", "/graphs/drafts/1/return", None),
        ("validator", "POST", "/graphs/revert", {"commit": "1"}),
        ("drafter", "POST", "/sparql", None),
        ("drafter", "POST", "/validate", None),
    ],
)
def test_each_verb_needs_its_action(
    client: FlaskClient,
    site: Site,
    tokens: Tokens,
    who: str,
    method: str,
    path: str,
    form: dict[str, str] | None,
) -> None:
    store = store_of(client)
    # Something for the write to act on: KEN's graph and a KEN draft.
    assert put(client, KEN_GRAPH, KEN_ORG.encode(), site.kenya).status_code == 201  # type: ignore[attr-defined]
    drafted = client.post(
        "/graphs/drafts",
        query_string={"graph": KEN_GRAPH, "mode": "add"},
        data=triple(BASE + "id/organization/ict-authority-ken", SKOS + "altLabel", '"ICTA"@en'),
        headers={**bearer(site.kenya), **TURTLE},
    )
    assert drafted.status_code == 201 and drafted.json["draft"] == 1
    before = dump(store)
    token = getattr(tokens, who)
    headers = bearer(token)
    data: object = form
    if path == "/sparql":
        headers["Content-Type"] = "application/sparql-update"
        data = f"DROP GRAPH <{KEN_GRAPH}>".encode()
    elif form is None and method in ("PUT", "POST") and "drafts/1" not in path:
        headers.update(TURTLE)
        data = KEN_ORG.encode()
    answer = client.open(
        path, method=method, query_string={"graph": KEN_GRAPH}, data=data, headers=headers
    )
    problem = refused(answer)
    assert "may not" in str(problem["detail"]) and problem["may"]["label"] == f"ken-{who}"  # type: ignore[index]
    assert dump(store) == before
    assert (
        client.get("/graphs/drafts/1", headers=bearer(site.kenya)).json["draft"]["status"] == "open"
    )


def test_drafts_and_history_are_read_only_within_the_tokens_countries(
    client: FlaskClient, site: Site
) -> None:
    nick = triple(ICTO, "http://xmlns.com/foaf/0.1/nick", '"ICTO"')
    drafted = client.post(
        "/graphs/drafts",
        query_string={"graph": PHL_GRAPH, "mode": "add"},
        data=nick,
        headers={**bearer(site.steward), **TURTLE},
    )
    assert drafted.status_code == 201
    phl_draft = drafted.json["draft"]
    published = put(client, PHL_GRAPH, nick, site.publisher, "POST")
    assert getattr(published, "status_code") == 200  # noqa: B009
    phl_commit = getattr(published, "json")["commits"][0]  # noqa: B009
    made = put(client, KEN_GRAPH, KEN_ORG.encode(), site.kenya)
    ken_commit = getattr(made, "json")["commits"][0]  # noqa: B009

    kenya = bearer(site.kenya)
    listed = client.get("/graphs/drafts", headers=kenya).json["drafts"]
    assert all(d["graph"] != PHL_GRAPH for d in listed)
    assert "PHL" in str(refused(client.get(f"/graphs/drafts/{phl_draft}", headers=kenya))["detail"])
    history = client.get("/graphs/history", headers=kenya).json["commits"]
    assert [c["id"] for c in history] == [ken_commit]
    filtered = client.get("/graphs/history", query_string={"graph": PHL_GRAPH}, headers=kenya)
    assert filtered.json["commits"] == []
    refused(client.get(f"/graphs/history/{phl_commit}", headers=kenya))
    # HTML lists are filtered the same way.
    page = client.get("/graphs/history", headers={**kenya, "Accept": "text/html"})
    assert page.status_code == 200 and "ICTO" not in page.get_data(as_text=True)

    philippines = bearer(site.steward)
    assert [d["id"] for d in client.get("/graphs/drafts", headers=philippines).json["drafts"]] == [
        phl_draft
    ]
    assert client.get(f"/graphs/drafts/{phl_draft}", headers=philippines).status_code == 200
    mine = client.get("/graphs/history", headers=philippines).json["commits"]
    assert [c["id"] for c in mine] == [phl_commit]
    assert client.get(f"/graphs/history/{phl_commit}", headers=philippines).status_code == 200
    assert (
        json.loads(client.get(f"/graphs/history/{ken_commit}", headers=philippines).data)["status"]
        == 403
    )


@pytest.mark.parametrize(
    "graph",
    [
        KEN_GRAPH + "/../../shapes",
        BASE + "graph/country/KEN/./notes",
        BASE + "graph/country/KEN/%2E%2E/%2E%2E/shapes",
        BASE + "graph/country/KEN%2F..%2F..%2Fshapes",
    ],
)
def test_a_graph_iri_that_normalises_elsewhere_is_refused(
    client: FlaskClient, site: Site, graph: str
) -> None:
    store = store_of(client)
    before = dump(store)
    problem = refused(put(client, graph, KEN_ORG.encode(), site.kenya), 400)
    assert "normal form" in str(problem["detail"])
    text = f"INSERT DATA {{ GRAPH <{graph}> {{ <{BASE}id/x> <{SKOS}note> 'x' }} }}"
    assert update(client, site.kenya, text).status_code in (400, 403)
    assert dump(store) == before
