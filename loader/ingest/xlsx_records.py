"""XLSX workbooks in the record layouts: read into the CSV record pipeline, annotate problems.

A workbook is read with openpyxl (never evaluating formulas: cached values only). The data sheet
is the first sheet whose header row uses the titles of a CSV record layout (``data/mappings``);
its rows keep their numbers, so a problem at CSV row N is sheet row N and the column is found
from the header. ``annotate`` writes each problem into its cell (a comment and a red fill) and
adds a ``Problems`` sheet listing all of them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from unpacs.loader import bundled as resources
from unpacs.loader.errors import CsvRecordError, InputTooLargeError, Issue
from unpacs.loader.ingest.csvw import read_table_schemas
from unpacs.loader.ingest.upload_limits import MAX_SHEET_COLUMNS, check_xlsx_zip, rows_over
from unpacs.loader.settings import Settings

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REQUIRED_MARK = " *"
HELPER_SHEETS = ("Guide", "Lists", "Countries", "Problems")
PROBLEM_FILL = PatternFill(start_color="FFF4B6B6", end_color="FFF4B6B6", fill_type="solid")
WARNING_FILL = PatternFill(start_color="FFFFE9A8", end_color="FFFFE9A8", fill_type="solid")


# OWASP "CSV injection": a spreadsheet reads a cell that starts with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def as_text_cells(book: Any) -> None:
    """Make every cell of ``book`` that holds text a text cell, never a formula.

    openpyxl turns any string starting with ``=`` into a formula when it is assigned, so a
    steward's ``=HYPERLINK(...)`` echoed into the Problems sheet (or a stored label put into a
    template) would run in the spreadsheet. We never write formulas into cells (drop-downs are
    data validation, not cells), so every formula cell here came from a value: it becomes text,
    and text that starts like a formula gets the quote prefix, which keeps it text when edited.
    """
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    value = cell.value
                    text = value if isinstance(value, str) else str(getattr(value, "text", value))
                    cell.value = text
                    cell.data_type = "s"
                if cell.data_type == "s" and str(cell.value or "").startswith(FORMULA_TRIGGERS):
                    cell.quotePrefix = True


def clean_title(title: str) -> str:
    """A header as written in a template (``Name *``) -> the layout's column title."""
    return title.strip().removesuffix(REQUIRED_MARK.strip()).strip()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class SheetTable:
    sheet: str
    rows: list[list[str]]

    @property
    def header(self) -> list[str]:
        return self.rows[0] if self.rows else []

    def column_letter(self, title: str) -> str | None:
        for index, name in enumerate(self.header, start=1):
            if name == title:
                return str(get_column_letter(index))
        return None


def _open(data: bytes, file: str, *, read_only: bool = False) -> Any:
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=read_only)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise CsvRecordError(
            f"not an XLSX workbook ({error})",
            file=file,
            hint="save the sheet as Excel Workbook (.xlsx), or export it as CSV UTF-8",
        ) from None


@dataclass(frozen=True)
class SheetLimits:
    """Caps checked before and while a workbook is read (``loader.ingest.upload_limits``)."""

    max_rows: int = 50_000
    max_unzipped_bytes: int = 64 * 1024 * 1024

    @classmethod
    def of(cls, settings: Settings) -> SheetLimits:
        return cls(settings.max_upload_rows, settings.max_unzipped_bytes)


def _sheet_rows(sheet: Any, limits: SheetLimits, file: str) -> list[list[str]]:
    """At most ``max_rows`` + 1 rows of ``MAX_SHEET_COLUMNS`` cells, streamed (read-only)."""
    # Read-only sheets pad every row to the declared width, so a declared A1:XFD1048576 is
    # refused before the first row, and the cell columns read are capped whatever it says.
    declared_rows, declared_cols = sheet.max_row or 0, sheet.max_column or 0
    if declared_rows > limits.max_rows + 1:
        raise rows_over(limits.max_rows, file)
    if declared_cols > MAX_SHEET_COLUMNS:
        raise InputTooLargeError(
            f"sheet {sheet.title} is {declared_cols:,} columns wide (at most {MAX_SHEET_COLUMNS})",
            file=file,
            hint="delete the unused columns right of the table, or export the sheet as CSV",
        )
    # Read every row the sheet holds, not only those its (unchecked) dimension declares: a
    # sheet saying A1:D2 over 200,000 rows would otherwise pass the cap here unread.
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    rows: list[list[str]] = []
    for row in sheet.iter_rows(max_col=MAX_SHEET_COLUMNS, values_only=True):
        if len(rows) > limits.max_rows:
            raise rows_over(limits.max_rows, file)
        rows.append([cell_text(v) for v in row])
    while rows and not any(rows[-1]):
        rows.pop()  # trailing formatted-but-empty rows are not records
    return rows


def read_table(
    data: bytes,
    file: str,
    mappings_dir: Path = resources.MAPPINGS_DIR,
    limits: SheetLimits | None = None,
) -> SheetTable:
    """The data sheet's rows as text (row 1 = the header, titles cleaned)."""
    limits = limits or SheetLimits()
    check_xlsx_zip(data, file, limits.max_unzipped_bytes)
    book = _open(data, file, read_only=True)
    try:
        return _find_table(book, file, mappings_dir, limits)
    finally:
        book.close()


def _find_table(book: Any, file: str, mappings_dir: Path, limits: SheetLimits) -> SheetTable:
    known = {t for s in read_table_schemas(mappings_dir) for t in s.titles}
    candidates = [ws for ws in book.worksheets if ws.title not in HELPER_SHEETS]
    for sheet in candidates or book.worksheets:
        rows = _sheet_rows(sheet, limits, file)
        if not rows:
            continue
        header = [clean_title(h) for h in rows[0]]
        while header and not header[-1]:
            header.pop()
        if known & set(header):
            width = len(header)
            body = []
            for row in rows[1:]:
                cells = (row + [""] * width)[:width]
                # Cells right of the header stay, so the CSV reader reports the wrong count.
                body.append(cells + [c for c in row[width:] if c])
            return SheetTable(sheet.title, [header, *body])
    raise CsvRecordError(
        "no sheet has the header row of a record layout",
        file=file,
        row=1,
        hint="use a template from /templates/ (unpacs template TYPE --format xlsx)",
    )


def to_csv(table: SheetTable) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    for row in table.rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def xlsx_to_csv(
    data: bytes,
    file: str,
    mappings_dir: Path = resources.MAPPINGS_DIR,
    limits: SheetLimits | None = None,
) -> bytes:
    return to_csv(read_table(data, file, mappings_dir, limits))


def locate(issue: Issue, table: SheetTable, record_rows: dict[str, int]) -> tuple[int, str] | None:
    """(row, column letter) of ``issue`` in the sheet, when it has one."""
    row = issue.row
    if row is None and issue.focus_node:
        key = issue.focus_node.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        row = record_rows.get(key)
    if row is None:
        return None
    letter = table.column_letter(issue.field) if issue.field else None
    return row, letter or "A"


def record_rows(table: SheetTable) -> dict[str, int]:
    """Record key (first column: the record code) -> its sheet row."""
    return {r[0]: n for n, r in enumerate(table.rows[1:], start=2) if r and r[0]}


def annotate(data: bytes, file: str, issues: Sequence[Issue], table: SheetTable) -> bytes:
    """The workbook with every problem in its cell and a ``Problems`` summary sheet."""
    book = _open(data, file)
    sheet = book[table.sheet]
    keys = record_rows(table)
    if "Problems" in book.sheetnames:
        del book["Problems"]
    summary = book.create_sheet("Problems", 0)
    summary.append(["Severity", "Sheet", "Cell", "Record", "Field", "Value", "Message", "Hint"])
    for cell in summary[1]:
        cell.font = Font(bold=True)
    notes: dict[str, list[str]] = {}
    for issue in issues:
        where = locate(issue, table, keys)
        address = f"{where[1]}{where[0]}" if where else ""
        summary.append(
            [
                issue.severity,
                table.sheet if where else "",
                address,
                issue.focus_node or "",
                issue.field or issue.path or "",
                issue.value or "",
                issue.message,
                issue.hint or "",
            ]
        )
        if where:
            notes.setdefault(address, []).append(f"{issue.severity}: {issue.message}")
            target = sheet[address]
            bad = issue.severity == "Violation" or target.fill != PROBLEM_FILL
            if bad:
                target.fill = PROBLEM_FILL if issue.severity == "Violation" else WARNING_FILL
    for address, lines in notes.items():
        sheet[address].comment = Comment("\n".join(lines), "unpacs validate")
    summary.column_dimensions["G"].width = 80
    book.active = 0
    as_text_cells(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
