"""Issue 11: record templates are generated from the shapes, and a filled template loads."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from fixtures.stewards import (
    BASE,
    Site,
    bearer,
    make_site,
)
from flask.testing import FlaskClient
from rdflib import SH, URIRef

from unpacs.loader.bundled import MAPPINGS_DIR, SHAPES_DIR
from unpacs.loader.ingest import validation
from unpacs.loader.ingest.csvw import expand_curie
from unpacs.loader.ingest.xlsx_records import MEDIA_TYPE as XLSX
from unpacs.loader.stewards.templates import record_classes, schema_for, template_columns

UNPACS = str(Path(sys.executable).with_name("unpacs"))
PHL_GRAPH = BASE + "graph/country/PHL/institutions"


@pytest.fixture
def site(tmp_path: Path, bundled_store_dir: Path) -> Site:
    return make_site(tmp_path, bundled_store_dir)


@pytest.fixture
def client(site: Site) -> FlaskClient:
    return site.app().test_client()


@pytest.mark.parametrize("record_type", ["institution", "official"])
def test_issue_11_every_required_property_of_the_record_shape_has_a_required_column(
    record_type: str,
) -> None:
    schema = schema_for(record_type, MAPPINGS_DIR)
    shapes = validation.load_shapes(SHAPES_DIR, BASE)
    columns = {
        c.title: c
        for c in template_columns(
            record_type,
            base_iri=BASE,
            shapes_dir=SHAPES_DIR,
            mappings_dir=MAPPINGS_DIR,
            concepts={},
        )
    }
    required_paths = set()
    for cls in record_classes(schema, BASE):
        for shape in shapes.subjects(SH.targetClass, URIRef(cls)):
            for prop in shapes.objects(shape, SH.property):
                severity = shapes.value(prop, SH.severity) or shapes.value(shape, SH.severity)
                count = shapes.value(prop, SH.minCount)
                path = shapes.value(prop, SH.path)
                if count is not None and int(count) >= 1 and severity in (None, SH.Violation):
                    required_paths.add(str(path))
    assert required_paths
    for path in required_paths:
        direct = [
            c
            for c in schema.columns
            if "aboutUrl" not in c.spec
            and expand_curie(c.spec.get("propertyUrl", ""), BASE) == path
        ]
        assert direct, f"no column maps {path}"
        ok = False
        for column in direct:
            if column.title is not None:
                ok |= columns[column.title].required
            for part in column.spec.get("unpacs:join", {}).get("columns", []):
                titled = next(c for c in schema.columns if c.name == part)
                ok |= bool(titled.title and columns[titled.title].required)
        assert ok, f"{path} (sh:minCount 1) has no required column in the {record_type} template"


def test_issue_11_templates_over_http_offer_code_lists_and_countries(client: FlaskClient) -> None:
    sheet_csv = client.get("/templates/official.csv")
    assert sheet_csv.status_code == 200
    header = next(csv.reader(io.StringIO(sheet_csv.get_data(as_text=True))))
    assert "Person code *" in header and "Source *" in header and "Role" in header
    book_answer = client.get("/templates/official.xlsx")
    assert book_answer.mimetype == XLSX
    book = openpyxl.load_workbook(io.BytesIO(book_answer.data))
    sheet = book["Official"]
    lists = [dv for dv in sheet.data_validations.dataValidation]
    role_column = header.index("Role") + 1
    role_letter = openpyxl.utils.get_column_letter(role_column)
    role_check = next(dv for dv in lists if str(dv.sqref).startswith(role_letter + "2"))
    listed = [c.value for c in book["Lists"]["A"][1:]]
    assert "E-government official" in listed and role_check.formula1.startswith("Lists!")
    guide = {row[0]: row for row in book["Guide"].iter_rows(min_row=2, values_only=True)}
    assert guide["Source *"][1] == "required"
    institution = openpyxl.load_workbook(io.BytesIO(client.get("/templates/institution.xlsx").data))
    countries = {
        r[1]: r[0] for r in institution["Countries"].iter_rows(min_row=2, values_only=True)
    }
    assert countries["PHL"] == "Philippines" and len(countries) > 190
    assert client.get("/templates/unknown.csv").status_code == 404


def fill(book_bytes: bytes, sheet_name: str, values: dict[str, str]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(book_bytes))
    sheet = book[sheet_name]
    for index, cell in enumerate(sheet[1], start=1):
        title = str(cell.value).removesuffix(" *")
        if title in values:
            sheet.cell(row=2, column=index, value=values[title])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


INSTITUTION = {
    "Institution code": "dict-phl",
    "Geographic scope": "Philippines",
    "Name": "Department of Information and Communications Technology",
    "Source": "https://dict.gov.ph/",
    "Telephone": "+63 2 8920 0101",
    "Website": "https://dict.gov.ph/",
    "Functions": "Test record of the round-trip test.",
}


def test_issue_11_filled_xlsx_template_validates_and_loads_unedited(
    client: FlaskClient, site: Site
) -> None:
    template = client.get("/templates/institution.xlsx").data
    filled = fill(template, "Institution", INSTITUTION)
    report = client.post(
        "/validate", data=filled, headers={**bearer(site.steward), "Content-Type": XLSX}
    )
    assert report.json["conforms"] is True, report.json
    loaded = client.put(
        "/graphs",
        query_string={"graph": PHL_GRAPH},
        data=filled,
        headers={**bearer(site.publisher), "Content-Type": XLSX},
    )
    assert loaded.status_code == 201, loaded.json
    found = client.get(
        "/sparql",
        query_string={"query": f"ASK {{ <{BASE}id/organization/dict-phl> ?p ?o }}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert found.json["boolean"] is True


def test_issue_11_filled_csv_template_validates_and_loads_unedited(
    client: FlaskClient, site: Site
) -> None:
    header = next(
        csv.reader(io.StringIO(client.get("/templates/institution.csv").get_data(as_text=True)))
    )
    row = [INSTITUTION.get(h.removesuffix(" *"), "") for h in header]
    out = io.StringIO()
    csv.writer(out).writerows([header, row])
    data = out.getvalue().encode()
    report = client.post(
        "/validate", data=data, headers={**bearer(site.steward), "Content-Type": "text/csv"}
    )
    assert report.json["conforms"] is True, report.json
    loaded = client.post(
        "/graphs/drafts",
        query_string={"graph": PHL_GRAPH},
        data=data,
        headers={**bearer(site.steward), "Content-Type": "text/csv"},
    )
    assert loaded.status_code == 201, loaded.json


def test_issue_11_template_command_writes_the_same_columns(tmp_path: Path, site: Site) -> None:
    target = tmp_path / "official.csv"
    done = subprocess.run(
        [
            UNPACS,
            "--store",
            site.settings.store,
            "template",
            "official",
            "--format",
            "csv",
            "-o",
            str(target),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert target.read_text().startswith("Person code *,")
    unknown = subprocess.run(
        [
            UNPACS,
            "--store",
            site.settings.store,
            "template",
            "nothing",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert unknown.returncode == 1 and "unknown record type" in unknown.stderr
    assert "Traceback" not in unknown.stderr
