"""Validate an upload without writing: what ``/validate`` and the stewards' forms report.

Every problem becomes an ``Issue`` (syntax errors and bad CSV/XLSX cells included, not only
SHACL results), so one report lists them all. The upload is validated as the new content of a
graph: the one given, or else the stored graph that holds most of its records (a corrected copy
of a published record is checked as a replacement, not as a duplicate), or else a new graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyoxigraph

from unpacs.loader import formats
from unpacs.loader.errors import (
    CsvRecordError,
    InputError,
    InputTooLargeError,
    Issue,
    RdfSyntaxError,
    UnsafeInputError,
    UnsupportedFormatError,
)
from unpacs.loader.ingest.pipeline import Source, check_staged, stage_sources
from unpacs.loader.ingest.plan import plan_load
from unpacs.loader.ingest.xlsx_records import SheetLimits, SheetTable, read_table
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import SolutionsResult, Store
from unpacs.loader.uris import graph_iri, slugify

# Refusals of the whole upload, answered as errors (413, 400), not reported as its issues.
REFUSALS = (InputTooLargeError, UnsafeInputError)


@dataclass
class UploadReport:
    file: str
    graph: str
    issues: list[Issue] = field(default_factory=list)
    triples: int = 0
    table: SheetTable | None = None

    @property
    def blocking(self) -> list[Issue]:
        # "Error": a conflict with stored graphs (``loader.ingest.plan``), which blocks a load too.
        return [i for i in self.issues if i.severity in ("Violation", "Error")]

    @property
    def conforms(self) -> bool:
        return not self.blocking


def error_issues(error: InputError) -> list[Issue]:
    if error.issues:
        return [replace(i, file=i.file or error.file) for i in error.issues]
    return [error.as_issue()]


def home_graph(store: Store, triples: list[pyoxigraph.Triple]) -> str | None:
    """The stored graph that describes most of the records in ``triples``."""
    subjects = sorted(
        {t.subject.value for t in triples if isinstance(t.subject, pyoxigraph.NamedNode)}
    )[:400]
    if not subjects:
        return None
    values = " ".join(f"<{s}>" for s in subjects)
    result = store.query(
        f"SELECT ?g (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?s {{ {values} }} "
        "GRAPH ?g { ?s a ?t } } GROUP BY ?g ORDER BY DESC(?n) ?g LIMIT 1"
    )
    assert isinstance(result, SolutionsResult)
    rows = result.rows()
    if not rows:
        return None
    found = rows[0]["g"]
    assert isinstance(found, pyoxigraph.NamedNode)
    return found.value


def check_upload(
    store: Store, settings: Settings, source: Source, *, graph_given: bool
) -> UploadReport:
    """Parse, describe and validate ``source``; never writes. Problems land in the report."""
    report = UploadReport(source.name, source.graph)
    if source.fmt.name == "xlsx-records":
        try:
            report.table = read_table(
                source.data, source.name, settings.data_dir / "mappings", SheetLimits.of(settings)
            )
        except REFUSALS:
            raise
        except InputError as error:
            report.issues = error_issues(error)
            return report
    try:
        staged = stage_sources([source], settings, store, validated=True)
    except REFUSALS:
        raise
    except InputError as error:
        report.issues = error_issues(error)
        return report
    if not graph_given and len(staged) == 1:
        triples = next(iter(staged.values()))
        found = home_graph(store, triples)
        if found:
            report.graph = found
            staged = {found: triples}
    report.triples = sum(len(t) for t in staged.values())
    try:
        plan_load(store, staged, base_iri=settings.base_iri, chosen=list(staged))
    except InputError as error:
        report.issues = error_issues(error)
    report.issues += check_staged(staged, store, settings, {g: source.name for g in staged})
    return report


# -- in a query worker (``loader.query.worker``, op "check") ---------------------------------------
# The owner process never parses an upload first: a worker does, within its memory limit and
# the upload timeout, on the current read-only checkpoint (``query_pool.PoolExecutor.check``).
# Only JSON crosses the pipe. Writes are screened this way (parse only, ``validate`` false)
# before the owner stages them; ``/validate`` gets the whole report from the worker.
_ERRORS: dict[str, type[InputError]] = {
    cls.__name__: cls
    for cls in (
        InputError,
        InputTooLargeError,
        RdfSyntaxError,
        CsvRecordError,
        UnsafeInputError,
        UnsupportedFormatError,
    )
}


def check_message(
    settings: Settings, source: Source, *, graph_given: bool, validate: bool
) -> dict[str, Any]:
    """What a worker needs to check ``source`` (its bytes travel after this JSON)."""
    return {
        "job": f"{__name__}:check_in_worker",
        "name": source.name,
        "fmt": source.fmt.name,
        "graph": source.graph,
        "file_name": source.file_name,
        "graph_given": graph_given,
        "validate": validate,
        "settings": {
            "base_iri": settings.base_iri,
            "shapes_dir": str(settings.shapes_dir),
            "data_dir": str(settings.data_dir),
            "max_input_bytes": settings.max_input_bytes,
            "max_upload_rows": settings.max_upload_rows,
            "max_unzipped_bytes": settings.max_unzipped_bytes,
        },
    }


def check_in_worker(native: pyoxigraph.Store, message: dict[str, Any], data: bytes) -> Any:
    """Run in a worker: parse (and, when asked, validate) the upload; a JSON-able reply."""
    given = message["settings"]
    settings = Settings(
        store="",
        base_iri=given["base_iri"],
        shapes_dir=Path(given["shapes_dir"]),
        data_dir=Path(given["data_dir"]),
        max_input_bytes=int(given["max_input_bytes"]),
        max_upload_rows=int(given["max_upload_rows"]),
        max_unzipped_bytes=int(given["max_unzipped_bytes"]),
    )
    source = Source(
        message["name"],
        data,
        formats.by_name(message["fmt"]),
        message["graph"],
        message["file_name"],
    )
    store = OxigraphStore.over(native, "read-only checkpoint")
    try:
        if not message["validate"]:
            staged = stage_sources([source], settings, store, validated=True)
            return {"ok": True, "triples": sum(len(t) for t in staged.values())}
        report = check_upload(store, settings, source, graph_given=message["graph_given"])
    except InputError as error:
        fields = {k: v for k, v in vars(error).items() if k != "issues" and v is not None}
        issues = [i.as_dict() for i in error.issues]
        return {
            "ok": False,
            "kind": "input",
            "class": type(error).__name__,
            "fields": fields,
            "issues": issues,
        }
    except RecursionError:
        return {"ok": False, "kind": "memory", "message": "the upload nests too deeply"}
    table = report.table
    return {
        "ok": True,
        "file": report.file,
        "graph": report.graph,
        "triples": report.triples,
        "issues": [i.as_dict() for i in report.issues],
        "table": None if table is None else {"sheet": table.sheet, "rows": table.rows},
    }


def report_from(reply: dict[str, Any]) -> UploadReport:
    """The owner's side of ``check_in_worker``: a reply back into a report (or its error)."""
    if reply.get("kind") == "input":
        raise input_error_from(reply)
    table = reply["table"]
    return UploadReport(
        reply["file"],
        reply["graph"],
        [Issue(**i) for i in reply["issues"]],
        int(reply["triples"]),
        None if table is None else SheetTable(table["sheet"], table["rows"]),
    )


def input_error_from(reply: dict[str, Any]) -> InputError:
    cls = _ERRORS.get(reply["class"], InputError)
    return cls(**reply["fields"], issues=tuple(Issue(**i) for i in reply["issues"]))


def upload_graph(settings: Settings, file_name: str) -> str:
    """Default graph of an upload that names none: ``{base}graph/upload/{stem}``."""
    stem = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return graph_iri(settings.base_iri, "upload/" + (slugify(stem) or "file"))
