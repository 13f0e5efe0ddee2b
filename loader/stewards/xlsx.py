"""XLSX record templates: a data sheet, drop-downs from code lists, countries, and a guide.

Sheets: the record sheet (header row; required columns marked `` *``, bold and shaded, with the
column's guidance as a header comment; drop-downs as data validation), ``Guide`` (one row per
column: required, description, allowed values), ``Lists`` (the allowed values of code-list
columns) and ``Countries`` (English short name, ISO alpha-3), which the country column offers.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from unpacs.loader.ingest.xlsx_records import as_text_cells
from unpacs.loader.stewards.templates import TemplateColumn

Select = Callable[[str], list[dict[str, str]]]
REQUIRED_FILL = PatternFill(start_color="FFDDEBF7", end_color="FFDDEBF7", fill_type="solid")
DATA_ROWS = 500  # rows that carry the drop-downs

CONCEPTS_QUERY = """
SELECT ?scheme ?concept ?label WHERE {
  ?concept <http://www.w3.org/2004/02/skos/core#inScheme> ?scheme ;
           <http://www.w3.org/2004/02/skos/core#prefLabel> ?label .
  FILTER(langMatches(lang(?label), "en") || lang(?label) = "")
} ORDER BY ?scheme ?label
"""
COUNTRIES_QUERY = """
SELECT ?code (SAMPLE(?label) AS ?name) WHERE {
  ?c a <http://schema.org/Country> ; <{vocab}isoAlpha3> ?code ;
     <http://www.w3.org/2004/02/skos/core#prefLabel> ?label .
  FILTER(langMatches(lang(?label), "en") || lang(?label) = "")
} GROUP BY ?code ORDER BY ?name
"""


def concept_labels(select: Select) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in select(CONCEPTS_QUERY):
        labels = out.setdefault(row["scheme"], [])
        if row["label"] not in labels:
            labels.append(row["label"])
    return out


def country_names(select: Select, base_iri: str) -> list[tuple[str, str]]:
    query = COUNTRIES_QUERY.replace("{vocab}", base_iri + "def/unpacs#")
    return [(row["name"], row["code"]) for row in select(query) if "name" in row]


def xlsx_template(
    record_type: str, columns: Sequence[TemplateColumn], countries: Sequence[tuple[str, str]]
) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = record_type.capitalize()[:31]
    lists = book.create_sheet("Lists")
    guide = book.create_sheet("Guide")
    country_sheet = book.create_sheet("Countries")
    country_sheet.append(["Country", "ISO alpha-3"])
    for name, code in countries:
        country_sheet.append([name, code])
    guide.append(["Column", "Required", "Description", "Allowed values"])
    for cell in (*guide[1], *country_sheet[1]):
        cell.font = Font(bold=True)
    list_column = 0
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index, value=column.header)
        head.font = Font(bold=True)
        if column.required:
            head.fill = REQUIRED_FILL
        need = "required" if column.required else "recommended" if column.recommended else ""
        description = " ".join(column.description)
        note = "; ".join(t for t in (need, description) if t)
        if note:
            head.comment = Comment(note, "unpacs template")
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.header) + 4))
        guide.append([column.header, need or "optional", description, ", ".join(column.allowed)])
        source = None
        if column.allowed:
            list_column += 1
            list_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=column.title).font = Font(bold=True)
            for row, value in enumerate(column.allowed, start=2):
                lists.cell(row=row, column=list_column, value=value)
            source = f"Lists!${list_letter}$2:${list_letter}${len(column.allowed) + 1}"
        elif column.country and countries:
            source = f"Countries!$A$2:$A${len(countries) + 1}"
        if source:
            # A warning, not a stop: the country column also takes ISO codes.
            check = DataValidation(
                type="list",
                formula1=source,
                allow_blank=True,
                errorStyle="warning" if column.country else "stop",
                error="Choose a value from the list",
                errorTitle=column.title,
            )
            check.add(f"{letter}2:{letter}{DATA_ROWS + 1}")
            sheet.add_data_validation(check)
    guide.column_dimensions["A"].width = 28
    guide.column_dimensions["C"].width = 90
    sheet.freeze_panes = "A2"
    # Country names and concept labels come from the store, where stewards write them.
    as_text_cells(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
