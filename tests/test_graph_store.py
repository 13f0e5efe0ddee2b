"""Issue 11: refused writes say where and change nothing (dump comparison)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
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
from unpacs.loader.ingest.xlsx_records import MEDIA_TYPE as XLSX
from unpacs.loader.store.oxigraph import OxigraphStore

PHL_INSTITUTIONS = BASE + "graph/country/PHL/institutions"
PHL_OFFICIALS = BASE + "graph/country/PHL/officials"
HEADER = (
    "Institution code,Geographic scope,Name,Is part of,Reporting relationships,Source,"
    "Address line 1,Address line 2,Address line 3,Address line 4,Email,Telephone,Fax,Website,"
    "Functions"
)
ROW = "dict-phl,Philippines,Department of Information and Communications Technology,,,https://dict.gov.ph/,,,,,,,,,"


@pytest.fixture
def site(tmp_path: Path, bundled_store_dir: Path) -> Site:
    return make_site(tmp_path, bundled_store_dir)


@pytest.fixture
def client(site: Site) -> FlaskClient:
    return site.app().test_client()


def store_of(client: FlaskClient) -> OxigraphStore:
    store = state_of(client.application).store
    assert isinstance(store, OxigraphStore)
    return store


def test_issue_11_csv_missing_required_column_is_refused_with_row_and_column(
    client: FlaskClient, site: Site
) -> None:
    before = dump(store_of(client))
    header = HEADER.replace("Name,", "")
    row = ROW.replace("Department of Information and Communications Technology,", "")
    body = f"{header}\n{row}\n".encode()
    answer = client.put(
        "/graphs",
        query_string={"graph": PHL_INSTITUTIONS},
        data=body,
        headers={**bearer(site.publisher), "Content-Type": "text/csv"},
    )
    assert answer.status_code == 400, answer.json
    problem = answer.json
    assert problem["row"] == 1 and "missing required columns 'Name'" in problem["detail"]
    # An empty required cell is reported by row and column.
    blank = (
        f"{HEADER}\n{ROW.replace('Department of Information and Communications Technology', '')}\n"
    )
    answer = client.put(
        "/graphs",
        query_string={"graph": PHL_INSTITUTIONS},
        data=blank.encode(),
        headers={**bearer(site.publisher), "Content-Type": "text/csv"},
    )
    assert answer.status_code == 400
    assert {"row": 2, "field": "Name"}.items() <= answer.json["errors"][0].items()
    assert dump(store_of(client)) == before


def official_workbook(start_date: object) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Official"
    sheet.append(
        ["Person code *", "Last name *", "Title *", "Institution code *", "Start date", "Source *"]
    )
    sheet.append(
        ["doe-phl", "Doe", "Director, ICTO", "icto-phl", start_date, "https://dict.gov.ph/"]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_issue_11_xlsx_with_a_bad_date_is_refused_and_annotated(
    client: FlaskClient, site: Site
) -> None:
    before = dump(store_of(client))
    workbook = official_workbook("31/02/2011")
    answer = client.put(
        "/graphs",
        query_string={"graph": PHL_OFFICIALS},
        data=workbook,
        headers={**bearer(site.publisher), "Content-Type": XLSX},
    )
    assert answer.status_code == 400
    error = answer.json["errors"][0]
    assert error["row"] == 2 and error["field"] == "Start date"
    assert "not a date" in error["message"]
    assert dump(store_of(client)) == before

    # /validate: the report by sheet and cell, and the workbook with the problem in its cell.
    report = client.post(
        "/validate", data=workbook, headers={**bearer(site.steward), "Content-Type": XLSX}
    )
    assert report.status_code == 200 and report.json["conforms"] is False
    item = report.json["issues"][0]
    assert (item["sheet"], item["cell"], item["row"]) == ("Official", "E2", 2)
    annotated = client.post(
        "/validate",
        data=workbook,
        headers={**bearer(site.steward), "Content-Type": XLSX, "Accept": XLSX},
    )
    assert annotated.mimetype == XLSX
    book = openpyxl.load_workbook(io.BytesIO(annotated.data))
    assert "not a date" in book["Official"]["E2"].comment.text
    assert book["Official"]["E2"].fill.fill_type == "solid"
    assert book["Problems"]["C2"].value == "E2"
    assert dump(store_of(client)) == before

    # A real date cell is read as a date: the same workbook then loads.
    import datetime as dt

    good = official_workbook(dt.datetime(2011, 8, 28))
    answer = client.put(
        "/graphs",
        query_string={"graph": PHL_OFFICIALS},
        data=good,
        headers={**bearer(site.publisher), "Content-Type": XLSX},
    )
    assert answer.status_code == 201, answer.json


def test_issue_11_sparql_update_that_breaks_a_shape_is_refused(
    client: FlaskClient, site: Site
) -> None:
    store = store_of(client)
    before = dump(store)
    breaking = (
        f"WITH <{PHL_GRAPH}> DELETE {{ <{ICTO}> <http://www.w3.org/2004/02/skos/core#prefLabel>"
        f" ?name }} WHERE {{ <{ICTO}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?name }}"
    )
    sparql_update = {"Content-Type": "application/sparql-update"}
    anonymous = client.post("/sparql", data=breaking, headers=sparql_update)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"]
    no_right = client.post(
        "/sparql", data=breaking, headers={**bearer(site.steward), **sparql_update}
    )
    assert no_right.status_code == 403 and no_right.json["may"]["actions"] == ["validate", "draft"]
    kenya = client.post("/sparql", data=breaking, headers={**bearer(site.kenya), **sparql_update})
    assert kenya.status_code == 403 and "PHL" in kenya.json["detail"]
    refused = client.post("/sparql", data={"update": breaking}, headers=bearer(site.publisher))
    assert refused.status_code == 422
    messages = [e["message"] for e in refused.json["errors"]]
    assert "Institution needs a name in at least one language (skos:prefLabel)" in messages
    union = client.post(
        "/sparql",
        data="INSERT DATA { <http://x.example/a> <http://x.example/b> 1 }",
        headers={**bearer(site.publisher), **sparql_update},
    )
    assert union.status_code == 400 and "default graph" in union.json["detail"]
    assert dump(store) == before

    # A valid update (ICTO's telephone) is committed and recorded.
    phone = (
        f"PREFIX schema: <http://schema.org/> WITH <{PHL_GRAPH}> "
        f'DELETE {{ ?c schema:telephone ?old }} INSERT {{ ?c schema:telephone "+63 2 8857 2071" }}'
        f" WHERE {{ <{ICTO}> schema:contactPoint ?c . ?c schema:telephone ?old }}"
    )
    done = client.post("/sparql", data=phone, headers={**bearer(site.publisher), **sparql_update})
    assert done.status_code == 200, done.json
    history = client.get(
        "/graphs/history", query_string={"graph": PHL_GRAPH}, headers=bearer(site.publisher)
    ).json
    entry = history["commits"][0]
    assert entry["action"] == "sparql update" and entry["who"] == "phl-publisher"
    changed = [
        f
        for r in entry["diff"]["records"]
        for f in r["fields"]
        if f["field"] == "contactPoint / telephone"
    ]
    assert changed and changed[0]["added"] == ["+63 2 8857 2071"]
    assert json.dumps(entry)  # serializable


def test_issue_11_validate_never_writes_and_answers_by_accept(
    client: FlaskClient, site: Site
) -> None:
    store = store_of(client)
    before = dump(store)
    bad = f"<{BASE}id/organization/x-phl> a <http://www.w3.org/ns/org#Organization> .".encode()
    headers = {**bearer(site.steward), "Content-Type": "text/turtle"}
    as_json = client.post("/validate", data=bad, headers=headers)
    assert as_json.json["conforms"] is False
    assert any(i["record"].endswith("x-phl") for i in as_json.json["issues"])
    turtle = client.post("/validate", data=bad, headers={**headers, "Accept": "text/turtle"})
    assert b"sh:ValidationReport" in turtle.data and b"sh:conforms false" in turtle.data
    jsonld = client.post(
        "/validate", data=bad, headers={**headers, "Accept": "application/ld+json"}
    )
    assert "ValidationReport" in jsonld.get_data(as_text=True)
    html = client.post("/validate", data=bad, headers={**headers, "Accept": "text/html"})
    assert b"Does not conform" in html.data
    syntax = client.post("/validate", data=b"<a> <b> .", headers=headers)
    assert syntax.json["issues"][0]["line"] == 1
    anonymous = client.post("/validate", data=bad, headers={"Content-Type": "text/turtle"})
    assert anonymous.status_code == 401
    assert dump(store) == before


def test_issue_11_scope_follows_the_records_wherever_they_are_written(
    client: FlaskClient, site: Site
) -> None:
    kenyan = f"""
@prefix org: <http://www.w3.org/ns/org#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{BASE}id/organization/ict-authority-ken> a org:Organization ; skos:prefLabel "ICT Authority"@en ;
    dcterms:spatial <{BASE}id/country/KEN> ; dcterms:source <https://icta.go.ke/> .
"""
    turtle = {"Content-Type": "text/turtle"}
    made = client.put(
        "/graphs",
        query_string={"graph": BASE + "graph/country/KEN/institutions"},
        data=kenyan.encode(),
        headers={**bearer(site.kenya), **turtle},
    )
    assert made.status_code == 201, made.json
    before = dump(store_of(client))
    # A PHL token may not describe a Kenyan institution, even in a graph under country/PHL.
    intrusion = (
        f"<{BASE}id/organization/ict-authority-ken> <http://xmlns.com/foaf/0.1/homepage> "
        "<https://example.org/> ."
    )
    refused = client.put(
        "/graphs",
        query_string={"graph": BASE + "graph/country/PHL/notes"},
        data=intrusion.encode(),
        headers={**bearer(site.publisher), **turtle},
    )
    assert refused.status_code == 403 and "KEN" in refused.json["detail"]
    # Nor write a graph that names no country at all.
    nowhere = client.put(
        "/graphs",
        query_string={"graph": BASE + "graph/file/notes"},
        data=f'<{BASE}id/document/x> <http://purl.org/dc/terms/title> "x" .'.encode(),
        headers={**bearer(site.publisher), **turtle},
    )
    assert nowhere.status_code == 403 and "names no country" in nowhere.json["detail"]
    assert dump(store_of(client)) == before


def test_issue_11_removing_a_record_others_point_at_is_refused(
    client: FlaskClient, site: Site
) -> None:
    store = store_of(client)
    before = dump(store)
    # graph/seed/philippines without ICTO: stored records elsewhere still point at it?
    headers = {**bearer(site.publisher), "Accept": "application/json"}
    deleted = client.delete("/graphs", query_string={"graph": PHL_GRAPH}, headers=headers)
    assert deleted.status_code == 422, deleted.json
    assert any("which this change removes" in e["message"] for e in deleted.json["errors"])
    assert dump(store) == before


def test_issue_11_a_record_is_changed_in_the_graph_that_holds_it(
    client: FlaskClient, site: Site
) -> None:
    before = dump(store_of(client))
    copy = (
        f"<{ICTO}> a <http://www.w3.org/ns/org#Organization> ; "
        '<http://www.w3.org/2004/02/skos/core#prefLabel> "ICTO"@en ; '
        f"<http://purl.org/dc/terms/spatial> <{BASE}id/country/PHL> ; "
        "<http://purl.org/dc/terms/source> <https://dict.gov.ph/> ."
    )
    headers = {**bearer(site.steward), "Content-Type": "text/turtle"}
    elsewhere = client.post(
        "/graphs/drafts",
        query_string={"graph": BASE + "graph/country/PHL/icto"},
        data=copy.encode(),
        headers=headers,
    )
    assert elsewhere.status_code == 400
    assert PHL_GRAPH in elsewhere.json["errors"][0]["message"]
    report = client.post(
        "/validate",
        query_string={"graph": BASE + "graph/country/PHL/icto"},
        data=copy.encode(),
        headers=headers,
    )
    assert report.json["conforms"] is False
    assert any(PHL_GRAPH in i["message"] for i in report.json["issues"])
    assert dump(store_of(client)) == before


def test_issue_11_graph_store_reads_and_login(client: FlaskClient, site: Site) -> None:
    got = client.get(
        "/graphs", query_string={"graph": PHL_GRAPH}, headers={"Accept": "text/turtle"}
    )
    assert got.status_code == 200 and ICTO.encode() in got.data
    missing = client.get("/graphs", query_string={"graph": BASE + "graph/none"})
    assert missing.status_code == 404
    listed = client.get("/graphs", headers={"Accept": "application/json"})
    assert PHL_GRAPH in listed.json["graphs"]
    wrong = client.post("/steward/login", data={"token": "not-a-token"})
    assert wrong.status_code == 401 and b"not known" in wrong.data
    logged = client.post("/steward/login", data={"token": site.steward, "next": "//evil.example/"})
    assert logged.status_code == 303 and logged.headers["Location"] == "/graphs"
    cookie = logged.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/steward/login")
    assert b"Logged in as <strong>phl-steward</strong>" in page.data
    drafts = client.get("/graphs/drafts", headers={"Accept": "application/json"})
    assert drafts.status_code == 200 and drafts.json == {"drafts": []}
