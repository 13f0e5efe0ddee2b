"""Values echoed into workbooks and CSV templates stay text, never formulas (OWASP)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from fixtures.stewards import bearer, make_site

from unpacs.loader.ingest.xlsx_records import MEDIA_TYPE as XLSX
from unpacs.loader.stewards.templates import csv_text

FORMULA = '=HYPERLINK("http://evil","x")'


def test_validate_returns_the_formula_as_text_in_the_workbook_and_problems(
    tmp_path: Path,
    bundled_store_dir: Path,
) -> None:
    site = make_site(tmp_path, bundled_store_dir)
    client = site.app().test_client()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["Person code *", "Last name *", "Title *", "Institution code *", "Start date", "Source *"]
    )
    sheet.append(["doe-phl", "Doe", "Director", "icto-phl", FORMULA, "https://dict.gov.ph/"])
    sheet["E2"].data_type = "s"  # as a cell typed as text, or imported from CSV
    out = io.BytesIO()
    book.save(out)
    answer = client.post(
        "/validate",
        data=out.getvalue(),
        headers={**bearer(site.steward, XLSX), "Content-Type": XLSX},
    )
    assert answer.status_code == 200, answer.data[:300]
    annotated = openpyxl.load_workbook(io.BytesIO(answer.data))
    cell = annotated["Sheet"]["E2"]
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix
    values = [c for row in annotated["Problems"].iter_rows() for c in row if c.value == FORMULA]
    assert values, "the Problems sheet echoes the value"
    for c in values:
        assert c.data_type == "s" and c.quotePrefix
    for ws in annotated.worksheets:
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_templates_hold_no_formula_cells(
    tmp_path: Path,
    bundled_store_dir: Path,
) -> None:
    client = make_site(tmp_path, bundled_store_dir).app().test_client()
    for kind in ("official", "institution"):
        book = openpyxl.load_workbook(io.BytesIO(client.get(f"/templates/{kind}.xlsx").data))
        for ws in book.worksheets:
            assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
        header = client.get(f"/templates/{kind}.csv").get_data(as_text=True)
        assert not header.startswith(("=", "+", "-", "@"))


def test_csv_values_that_start_like_formulas_get_a_quote() -> None:
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_text(value) == "'" + value
    assert csv_text("Name *") == "Name *"
