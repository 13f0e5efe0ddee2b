"""Validate an upload without writing: what ``/validate`` and the stewards' forms report.

Every problem becomes an ``Issue`` (syntax errors and bad CSV/XLSX cells included, not only
SHACL results), so one report lists them all. The upload is validated as the new content of a
graph: the one given, or else the stored graph that holds most of its records (a corrected copy
of a published record is checked as a replacement, not as a duplicate), or else a new graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pyoxigraph

from unpacs.loader.errors import InputError, Issue
from unpacs.loader.graphs import plan_load
from unpacs.loader.pipeline import Source, check_staged, stage_sources
from unpacs.loader.settings import Settings
from unpacs.loader.store.protocol import SolutionsResult, Store
from unpacs.loader.uris import graph_iri, slugify
from unpacs.loader.xlsx_records import SheetLimits, SheetTable, read_table


@dataclass
class UploadReport:
    file: str
    graph: str
    issues: list[Issue] = field(default_factory=list)
    triples: int = 0
    table: SheetTable | None = None

    @property
    def blocking(self) -> list[Issue]:
        # "Error": a conflict with stored graphs (``loader.graphs``), which blocks a load too.
        return [i for i in self.issues if i.severity in ("Violation", "Error")]

    @property
    def conforms(self) -> bool:
        return not self.blocking


def error_issues(error: InputError) -> list[Issue]:
    if error.issues:
        return [replace(i, file=i.file or error.file) for i in error.issues]
    return [
        Issue(
            error.message,
            file=error.file,
            line=error.line,
            column=error.column,
            row=error.row,
            field=error.field,
            hint=error.hint,
        )
    ]


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
        except InputError as error:
            report.issues = error_issues(error)
            return report
    try:
        staged = stage_sources([source], settings, store, validated=True)
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


def upload_graph(settings: Settings, file_name: str) -> str:
    """Default graph of an upload that names none: ``{base}graph/upload/{stem}``."""
    stem = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return graph_iri(settings.base_iri, "upload/" + (slugify(stem) or "file"))
