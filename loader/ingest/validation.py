"""SHACL validation, wrapped once: the only module that imports pyshacl.

pySHACL patches rdflib globals while it runs, so every call goes through one lock. Results come
back as ``Issue`` data that the CLI prints and the HTTP layer renders.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyshacl
from rdflib import RDF, SH, Graph, Literal, Node, URIRef
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import BNode

from unpacs.loader import formats
from unpacs.loader.errors import ConfigError, Issue, UnpacsError
from unpacs.loader.ingest.parsing import parse_rdf

_LOCK = threading.Lock()
_SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


SHAPES_HINT = (
    "set UNPACS_SHAPES_DIR to a folder of SHACL *.ttl files, or unset it for the bundled shapes"
)


def shape_files(shapes_dir: Path) -> list[Path]:
    """The ``*.ttl`` files of ``shapes_dir``; a missing or empty folder is a ``ConfigError``.

    Validating against no shapes would say "conforms" about anything, so it must never happen.
    """
    folder = Path(shapes_dir)
    if not folder.is_dir():
        raise ConfigError(f"shapes folder {folder} does not exist", hint=SHAPES_HINT)
    found = sorted(p for p in folder.glob("*.ttl") if p.is_file())
    if not found:
        raise ConfigError(f"shapes folder {folder} holds no *.ttl shape files", hint=SHAPES_HINT)
    return found


def load_shapes(shapes_dir: Path, base_iri: str) -> Graph:
    """All ``*.ttl`` shape files of ``shapes_dir`` as one graph, relative IRIs resolved.

    Raises ``ConfigError`` when the folder is missing or empty, a file does not parse, or no
    ``sh:NodeShape`` / ``sh:PropertyShape`` is declared: the gate fails closed.
    """
    files = shape_files(shapes_dir)
    # The key holds each file's size and mtime, so an edited shapes file is read again.
    stamp = tuple((str(p.resolve()), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return _load_shapes_cached(stamp, base_iri)


@lru_cache(maxsize=8)
def _load_shapes_cached(files: tuple[tuple[str, int, int], ...], base_iri: str) -> Graph:
    graph = Graph()
    for name, _mtime, _size in files:
        data = Path(name).read_bytes()
        try:
            # pyoxigraph first: its syntax errors carry a line and column, rdflib's often do not.
            parse_rdf(data, formats.by_name("turtle"), file=name, base_iri=base_iri)
            graph.parse(data=data, format="turtle", publicID=base_iri)
        except UnpacsError as error:
            raise ConfigError(
                f"shapes file does not parse: {error.message}",
                file=name,
                line=error.line,
                column=error.column,
                hint=f"fix the shapes file; {SHAPES_HINT}",
            ) from None
        except Exception as error:  # rdflib raises many types for bad Turtle
            raise ConfigError(
                f"shapes file does not parse: {_first_line(error)}",
                file=name,
                hint=f"fix the shapes file; {SHAPES_HINT}",
            ) from None
    declared = any(graph.subjects(RDF.type, SH.NodeShape)) or any(
        graph.subjects(RDF.type, SH.PropertyShape)
    )
    if not declared:
        folder = str(Path(files[0][0]).parent)
        raise ConfigError(
            f"shapes folder {folder} declares no sh:NodeShape or sh:PropertyShape",
            hint=SHAPES_HINT,
        )
    return graph


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return " ".join(text.split())[:300]


@contextmanager
def _queries_translated_once() -> Iterator[None]:
    """Translate each SPARQL text once per validation run.

    pySHACL hands rdflib the same SPARQL-constraint text once per focus node, and rdflib parses
    it every time (about 40 ms per parse here: 195 countries cost 8 s). A translated ``Query`` is
    what ``prepareQuery`` returns for reuse, so evaluating it again with new bindings is safe.
    Runs under ``_LOCK``: the patch is visible only while this module validates.
    """
    original = SPARQLProcessor.query
    cache: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Query] = {}

    def query(
        self: SPARQLProcessor,
        str_or_query: str | Query,
        initBindings: Mapping[str, Any] | None = None,  # noqa: N803 - rdflib's keyword
        initNs: Mapping[str, Any] | None = None,  # noqa: N803 - rdflib's keyword
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803 - rdflib's keyword
    ) -> Mapping[str, Any]:
        if isinstance(str_or_query, str):
            key = (
                str_or_query,
                base,
                tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())),
            )
            if key not in cache:
                cache[key] = translateQuery(parseQuery(str_or_query), base, initNs)
            str_or_query = cache[key]
        return original(self, str_or_query, initBindings, initNs, base, DEBUG)

    SPARQLProcessor.query = query  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        SPARQLProcessor.query = original  # type: ignore[method-assign]


def _show(graph: Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        # A blank path such as [ sh:inversePath x ] reads better as its description.
        described = list(graph.predicate_objects(node))
        if described:
            return " ".join(f"{p.n3()} {o.n3()}" for p, o in described)
        return "_:" + str(node)
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, Literal) and (node.language or node.datatype):
        return node.n3()  # keep "B"@de or "x"^^xsd:date: the tag or type is often the problem
    return str(node)


def validate_graph(
    data: Graph,
    shapes: Graph,
    *,
    focus_nodes: Iterable[Node] | None = None,
    file: str | None = None,
) -> list[Issue]:
    """Validate ``data`` against ``shapes``; return every result (all severities).

    With ``focus_nodes`` only results about those nodes are kept: the data graph may include
    neighbours from the store that are there so that ``sh:class`` checks can see their types,
    and their own completeness is not this load's business.
    """
    with _LOCK, _queries_translated_once():
        _conforms, report, _text = pyshacl.validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            allow_warnings=True,
            abort_on_first=False,
        )
    if not isinstance(report, Graph):
        raise TypeError(f"pySHACL returned {type(report).__name__}, not a report graph")
    wanted = None if focus_nodes is None else set(focus_nodes)
    issues = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        if wanted is not None and focus not in wanted:
            continue
        severity_node = report.value(result, SH.resultSeverity)
        severity = (
            _SEVERITY.get(severity_node, "Violation")
            if isinstance(severity_node, URIRef)
            else "Violation"
        )
        message = report.value(result, SH.resultMessage)
        issues.append(
            Issue(
                message=str(message) if message is not None else "does not conform",
                severity=severity,
                file=file,
                focus_node=_show(report, focus),
                path=_show(report, report.value(result, SH.resultPath)),
                value=_show(report, report.value(result, SH.value)),
                shape=_show(report, report.value(result, SH.sourceShape)),
            )
        )
    issues.sort(key=lambda i: (i.severity != "Violation", i.focus_node or "", i.path or ""))
    return issues


def violations(issues: Iterable[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity == "Violation"]


def report_graph(issues: Iterable[Issue]) -> Graph:
    """A W3C SHACL validation report (``sh:ValidationReport``) for ``issues``."""
    graph = Graph()
    graph.bind("sh", SH)
    report = BNode()
    issues = list(issues)
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(not violations(issues))))
    for issue in issues:
        result = BNode()
        graph.add((report, SH.result, result))
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.resultSeverity, SH[issue.severity]))
        graph.add((result, SH.resultMessage, Literal(issue.message)))
        if issue.focus_node and not issue.focus_node.startswith("_:"):
            graph.add((result, SH.focusNode, URIRef(issue.focus_node)))
        if issue.path and issue.path.startswith(("http://", "https://")):
            graph.add((result, SH.resultPath, URIRef(issue.path)))
        if issue.value is not None:
            graph.add((result, SH.value, Literal(issue.value)))
        if issue.shape and issue.shape.startswith(("http://", "https://")):
            graph.add((result, SH.sourceShape, URIRef(issue.shape)))
    return graph
