"""``/validate``: check an upload against the shapes and the stored records; never writes.

``POST /validate`` takes a multipart form (``file``, or ``text`` with ``format``; optional
``graph``) or a raw body whose ``Content-Type`` names the format. The report comes back by
``Accept``: HTML, JSON (``application/json``), or a W3C SHACL validation report (``text/turtle``,
``application/ld+json``). For an XLSX upload the workbook with every problem written into its
cell is the answer to ``Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``,
a ``data:`` link in the HTML report, and ``annotated_workbook`` (base64) in the JSON report.
Templates: ``GET /templates/{record type}.csv`` and ``.xlsx``.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, json, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, NotAcceptable

from unpacs.endpoint.routes.auth import client_key, require
from unpacs.endpoint.state import state_of
from unpacs.loader import formats
from unpacs.loader.errors import InputError, Issue, UnsupportedFormatError
from unpacs.loader.ingest import validation
from unpacs.loader.ingest.pipeline import Source
from unpacs.loader.ingest.xlsx_records import MEDIA_TYPE as XLSX
from unpacs.loader.ingest.xlsx_records import SheetTable, annotate, locate, record_rows
from unpacs.loader.query import rows
from unpacs.loader.query.pool import pool_of
from unpacs.loader.stewards.checks import (
    UploadReport,
    check_message,
    check_upload,
    input_error_from,
    report_from,
    upload_graph,
)
from unpacs.loader.stewards.templates import csv_template, record_types, template_columns
from unpacs.loader.stewards.xlsx import concept_labels, country_names, xlsx_template

bp = Blueprint("validate", __name__)
INPUT_FORMATS = tuple(f for f in formats.FORMATS if f.kind in ("rdf", "tabular"))
REPORT_TYPES = ["text/html", "application/json", "text/turtle", "application/ld+json", XLSX]


def read_upload(graph: str | None) -> Source:
    """The request's upload as a pipeline ``Source`` (``graph`` or a default upload graph)."""
    settings = state_of().settings
    if request.mimetype == "multipart/form-data" or request.form:
        upload = request.files.get("file")
        named = request.form.get("format") or None
        if upload is not None and upload.filename:
            name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
            data = upload.read()
            fmt = formats.by_name(named) if named and named != "auto" else formats.for_path(name)
        elif request.form.get("text", "").strip():
            data = request.form["text"].encode("utf-8")
            fmt = formats.by_name(named if named and named != "auto" else "turtle")
            name = "pasted." + (fmt.suffixes[0].lstrip(".") if fmt.suffixes else "txt")
        else:
            raise BadRequest("send a file (field 'file') or text (field 'text')")
    else:
        data = request.get_data()
        fmt_found = formats.by_media_type(request.mimetype or "")
        if fmt_found is None or fmt_found.kind not in ("rdf", "tabular"):
            raise UnsupportedFormatError(
                f"cannot read {request.mimetype or 'a body without Content-Type'}",
                hint="send one of " + ", ".join(f.media_type for f in INPUT_FORMATS),
            )
        fmt = fmt_found
        name = request.args.get("name") or "request body"
        if not data:
            raise BadRequest("the request body is empty")
    if fmt.kind not in ("rdf", "tabular"):
        raise UnsupportedFormatError(f"{fmt.name} is not an input format")
    return Source(name, data, fmt, graph or upload_graph(settings, name), name)


def requested_graph() -> str | None:
    graph = request.args.get("graph") or request.form.get("graph") or None
    return graph.strip() if graph else None


def where(issue: Issue, table: SheetTable | None, keys: dict[str, int]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if table is not None:
        cell = locate(issue, table, keys)
        if cell:
            found = {"sheet": table.sheet, "row": cell[0], "cell": f"{cell[1]}{cell[0]}"}
    text = ""
    if "cell" in found:
        text = f"sheet {found['sheet']}, cell {found['cell']}"
    elif issue.line is not None:
        text = f"line {issue.line}" + (f", column {issue.column}" if issue.column else "")
    elif issue.row is not None:
        text = f"row {issue.row}" + (f", column {issue.field!r}" if issue.field else "")
    found["where"] = text
    return found


def report_items(report: UploadReport) -> list[dict[str, Any]]:
    keys = record_rows(report.table) if report.table else {}
    items = []
    for issue in report.issues:
        item = {
            "severity": issue.severity,
            "file": issue.file or report.file,
            "line": issue.line,
            "column": issue.column,
            "row": issue.row,
            "record": issue.focus_node,
            "field": issue.field or issue.path,
            "value": issue.value,
            "message": issue.message,
            "hint": issue.hint,
            "shape": issue.shape,
        }
        item.update(where(issue, report.table, keys))
        items.append({k: v for k, v in item.items() if v is not None})
    return items


def render_report(report: UploadReport, source: Source) -> ResponseReturnValue:
    best = request.accept_mimetypes.best_match(REPORT_TYPES) or "application/json"
    if "format" in request.args:
        best = {
            "json": "application/json",
            "turtle": "text/turtle",
            "jsonld": "application/ld+json",
            "html": "text/html",
            "xlsx": XLSX,
        }.get(request.args["format"], "")
        if not best:
            raise NotAcceptable("format= takes html, json, turtle, jsonld or xlsx")
    headers = {"X-Unpacs-Conforms": "true" if report.conforms else "false", "Vary": "Accept"}
    workbook = None
    if report.table is not None:
        workbook = annotate(source.data, source.name, report.issues, report.table)
    if best == XLSX:
        if workbook is None:
            raise NotAcceptable("an annotated workbook exists only for an XLSX upload")
        stem = source.name.rsplit(".", 1)[0]
        headers["Content-Disposition"] = f'attachment; filename="{stem}-checked.xlsx"'
        return Response(workbook, mimetype=XLSX, headers=headers)
    if best in ("text/turtle", "application/ld+json"):
        # SHACL knows three severities; a conflict with stored graphs blocks like a violation.
        graph = validation.report_graph(
            [
                replace(i, severity="Violation") if i.severity == "Error" else i
                for i in report.issues
            ]
        )
        text = graph.serialize(format="turtle" if best == "text/turtle" else "json-ld")
        return Response(text, mimetype=best, headers=headers)
    items = report_items(report)
    n_bad = len(report.blocking)
    data_link = None
    if workbook is not None:
        data_link = f"data:{XLSX};base64," + base64.b64encode(workbook).decode("ascii")
    if best == "text/html":
        page = render_template(
            "steward/report.html",
            report=report,
            items=items,
            violations=n_bad,
            warnings=len(report.issues) - n_bad,
            workbook=data_link,
            workbook_name=source.name.rsplit(".", 1)[0] + "-checked.xlsx",
        )
        return Response(page, mimetype="text/html", headers=headers)
    body: dict[str, Any] = {
        "file": report.file,
        "graph": report.graph,
        "conforms": report.conforms,
        "violations": n_bad,
        "warnings": len(report.issues) - n_bad,
        "triples": report.triples,
        "issues": items,
    }
    if workbook is not None:
        body["annotated_workbook"] = base64.b64encode(workbook).decode("ascii")
    return Response(json.dumps(body), mimetype="application/json", headers=headers)


@bp.route("/validate", methods=["GET", "POST"])
def validate() -> ResponseReturnValue:
    settings = state_of().settings
    if request.method == "GET":
        return render_template(
            "steward/validate.html",
            input_formats=INPUT_FORMATS,
            record_types=sorted(record_types(settings.data_dir / "mappings")),
            base=settings.base_iri,
        )
    require("validate")
    graph = requested_graph()
    source = read_upload(graph)
    report = checked_upload(source, graph_given=graph is not None)
    return render_report(report, source)


def _in_worker(source: Source, *, graph_given: bool, validate: bool) -> dict[str, Any] | None:
    """The reply of a query worker that checked ``source``; None when there is no pool."""
    state = state_of()
    pool = pool_of(state.executor)
    if pool is None:
        return None
    message = check_message(state.settings, source, graph_given=graph_given, validate=validate)
    return pool.check(
        message,
        source.data,
        timeout=state.settings.upload_timeout,
        client=client_key(),
        cancelled=request.environ.get("waitress.client_disconnected"),
    )


def checked_upload(source: Source, *, graph_given: bool) -> UploadReport:
    """``check_upload`` in a query worker (stoppable, memory-capped) where there is one."""
    reply = _in_worker(source, graph_given=graph_given, validate=True)
    if reply is None:
        return check_upload(state_of().store, state_of().settings, source, graph_given=graph_given)
    return report_from(reply)


def screen_upload(source: Source) -> None:
    """Parse ``source`` in a query worker first; raises what parsing it raises."""
    reply = _in_worker(source, graph_given=True, validate=False)
    if reply is not None and not reply.get("ok"):
        raise input_error_from(reply)


def select_rows(query: str) -> list[dict[str, str]]:
    """SELECT through the executor (``rows.select``, as every read), values as plain strings."""
    found, _truncated, _generation = rows.select(state_of().executor, query, limit=100_000)
    return [{name: term.value for name, term in row.items()} for row in found]


@bp.route("/templates/<record_type>.<suffix>")
def template(record_type: str, suffix: str) -> ResponseReturnValue:
    settings = state_of().settings
    if suffix not in ("csv", "xlsx"):
        raise NotAcceptable("templates come as .csv or .xlsx")
    try:
        columns = template_columns(
            record_type,
            base_iri=settings.base_iri,
            shapes_dir=settings.shapes_dir,
            mappings_dir=settings.data_dir / "mappings",
            concepts=concept_labels(select_rows),
        )
    except InputError as error:
        return Response(
            json.dumps({"title": "unknown record type", "status": 404, "detail": error.format()}),
            404,
            mimetype="application/problem+json",
        )
    disposition = {"Content-Disposition": f'attachment; filename="{record_type}.{suffix}"'}
    if suffix == "csv":
        return Response(csv_template(columns), mimetype="text/csv", headers=disposition)
    countries = country_names(select_rows, settings.base_iri)
    body = xlsx_template(record_type, columns, countries)
    return Response(body, mimetype=XLSX, headers=disposition)
