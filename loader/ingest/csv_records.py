"""CSV records in the seed record layouts (E-Government Institution, E-Government Official).

The column -> property mappings are the CSVW metadata documents in ``data/mappings/`` (see
``loader.ingest.csvw``). Every bad cell of a file is reported at once, by row and column, and a
file with any bad cell produces nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import itertools
import re
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph

from unpacs.loader import bundled as resources
from unpacs.loader.errors import CsvRecordError, Issue, row_length_issue
from unpacs.loader.ingest.csvw import (
    Column,
    TableSchema,
    expand_curie,
    expand_template,
    read_table_schemas,
)
from unpacs.loader.ingest.upload_limits import rows_over
from unpacs.loader.uris import slugify
from unpacs.loader.vocab import XSD

_DATATYPES = {"date": XSD + "date", "integer": XSD + "integer", "anyURI": None, "string": None}


def _decode(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CsvRecordError(
            f"not UTF-8 text (byte {error.start})",
            file=file,
            line=line,
            hint="save the file as UTF-8 (in a spreadsheet: CSV UTF-8)",
        ) from None


def choose_schema(header: list[str], schemas: list[TableSchema], file: str) -> TableSchema:
    """The layout whose column titles the header uses; an error naming what does not fit."""
    best = max(schemas, key=lambda s: len(set(header) & set(s.titles)), default=None)
    if best is None:
        raise CsvRecordError("no CSV record layouts are configured", file=file)
    unknown = [h for h in header if h not in best.titles]
    missing = [t for t in best.required_titles if t not in header]
    if unknown or missing:
        layouts = "; ".join(f"{s.title}: {', '.join(s.titles)}" for s in schemas)
        details = []
        if unknown:
            details.append("unknown columns " + ", ".join(repr(u) for u in unknown))
        if missing:
            details.append("missing required columns " + ", ".join(repr(m) for m in missing))
        raise CsvRecordError(
            f"the header does not match the {best.title} layout: " + "; ".join(details),
            file=file,
            row=1,
            hint=f"use the column titles of a known layout ({layouts})",
        )
    return best


def _check_cell(column: Column, value: str) -> str | None:
    """A message when ``value`` does not fit the column's datatype, else None."""
    base, pattern = column.datatype
    if pattern and not re.fullmatch(pattern, value):
        return f"{value!r} does not have the expected form ({pattern})"
    if base == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2011-08-28"
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2011-08-28"
    if base == "anyURI" and not re.match(r"^https?://[^\s]+$", value):
        return (
            f"{value!r} is not a web address; write it in full, starting with http:// or https://"
        )
    if base == "integer" and not re.fullmatch(r"[+-]?\d+", value):
        return f"{value!r} is not a whole number"
    return None


def _derive(spec: dict[str, str], values: dict[str, str | None]) -> str | None:
    source = values.get(spec["column"])
    if source is None:
        return None
    first = source.split(",", 1)[0].strip()
    if spec["function"] == "first-segment":
        return first
    if spec["function"] == "first-segment-slug":
        return slugify(first) or None
    raise ValueError(f"unknown unpacs:derive function {spec['function']!r}")


def _row_values(
    schema: TableSchema,
    cells: dict[str, str],
    lookup: Mapping[str, str],
    row: int,
    file: str,
    issues: list[Issue],
) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for column in schema.columns:
        if column.virtual:
            continue
        raw = cells.get(column.title or "", "").strip()
        if not raw:
            values[column.name] = None
            if column.required:
                issues.append(
                    Issue(
                        f"{column.title} is required",
                        file=file,
                        row=row,
                        field=column.title,
                        hint="fill in this cell",
                    )
                )
            continue
        problem = _check_cell(column, raw)
        if problem:
            issues.append(Issue(problem, file=file, row=row, field=column.title, value=raw))
            values[column.name] = None
            continue
        if column.spec.get("unpacs:lookup") == "country":
            code = lookup.get(raw.lower())
            if code is None:
                close = difflib.get_close_matches(raw.lower(), list(lookup), n=3)
                issues.append(
                    Issue(
                        f"unknown country {raw!r}",
                        file=file,
                        row=row,
                        field=column.title,
                        value=raw,
                        hint=("did you mean " + " or ".join(repr(c) for c in close) + "?")
                        if close
                        else "write the country's English short name or ISO alpha-3 code",
                    )
                )
            raw = code or raw
        if column.spec.get("unpacs:transform") == "slug":
            raw = slugify(raw)
        values[column.name] = raw
    for column in schema.columns:
        if column.virtual and "unpacs:derive" in column.spec:
            values[column.name] = _derive(column.spec["unpacs:derive"], values)
        elif column.virtual and "unpacs:join" in column.spec:
            join = column.spec["unpacs:join"]
            parts = [values.get(c) for c in join["columns"]]
            text = join["separator"].join(p for p in parts if p)
            values[column.name] = text or None
        elif column.virtual:
            values[column.name] = ""  # a constant triple: present unless its conditions say no
    return values


def _triple(
    schema: TableSchema, column: Column, values: dict[str, str | None], base_iri: str
) -> pyoxigraph.Triple | None:
    spec = column.spec
    value = values.get(column.name)
    if value is None or spec.get("suppressOutput") or "propertyUrl" not in spec:
        return None
    when_any = spec.get("unpacs:whenAny")
    if when_any and all(values.get(c) is None for c in when_any):
        return None
    if any(values.get(c) is None for c in spec.get("unpacs:whenAll", ())):
        return None
    subject = expand_template(spec.get("aboutUrl", schema.about_url), values, base_iri)
    if subject is None:
        return None
    predicate = pyoxigraph.NamedNode(expand_curie(spec["propertyUrl"], base_iri))
    obj: pyoxigraph.NamedNode | pyoxigraph.Literal
    if "valueUrl" in spec:
        target = expand_template(spec["valueUrl"], values, base_iri)
        if target is None:
            return None
        obj = pyoxigraph.NamedNode(target)
    elif "lang" in spec:
        obj = pyoxigraph.Literal(value, language=spec["lang"])
    else:
        datatype = _DATATYPES.get(column.datatype[0])
        obj = pyoxigraph.Literal(value, datatype=pyoxigraph.NamedNode(datatype or XSD + "string"))
    return pyoxigraph.Triple(pyoxigraph.NamedNode(subject), predicate, obj)


def parse_csv_records(
    data: bytes,
    *,
    file: str,
    base_iri: str,
    country_lookup: Mapping[str, str],
    mappings_dir: Path = resources.MAPPINGS_DIR,
    max_rows: int | None = None,
) -> list[pyoxigraph.Triple]:
    """Triples for every record of a CSV file in a known layout; raises with every bad cell.

    More than ``max_rows`` records (``UNPACS_MAX_UPLOAD_ROWS``) is refused before any is read.
    """
    text = _decode(data, file)
    reader = csv.reader(io.StringIO(text, newline=""))
    # The header and one row more than allowed are enough to tell.
    rows = list(reader if max_rows is None else itertools.islice(reader, max_rows + 2))
    if max_rows is not None and len(rows) > max_rows + 1:
        raise rows_over(max_rows, file)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise CsvRecordError(
            "the file is empty: expected a header row and records",
            file=file,
            hint="export the sheet with its header row",
        )
    # Templates mark required columns "Name *"; the mark is not part of the title.
    header = [h.strip().removesuffix("*").strip() for h in rows[0]]
    schema = choose_schema(header, read_table_schemas(mappings_dir), file)
    issues: list[Issue] = []
    triples: list[pyoxigraph.Triple] = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            issues.append(row_length_issue(len(cells), len(header), file, number))
            continue
        values = _row_values(
            schema, dict(zip(header, cells, strict=True)), country_lookup, number, file, issues
        )
        for column in schema.columns:
            made = _triple(schema, column, values, base_iri)
            if made is not None:
                triples.append(made)
    if issues:
        raise CsvRecordError(
            f"{len(issues)} problem(s) in {file}; nothing was loaded",
            file=file,
            issues=issues,
            hint="fix the cells named above and load again",
        )
    if len(rows) < 2:
        raise CsvRecordError("the file has a header but no records", file=file)
    return sorted(set(triples), key=str)
