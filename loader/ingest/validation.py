"""SHACL validation, wrapped once: the only module that imports pyshacl and pyshacl_turbo.

Two engines (``UNPACS_SHACL_ENGINE``): ``pyshacl``, the reference, and ``turbo``, the default,
in which the Rust engine pyshacl-turbo checks every core constraint (about 20x faster here) and
pySHACL checks only the SPARQL-based constraints, because the two engines fill a message's
``{?value}`` with different lexical forms of a computed decimal and stewards must read the same
message whichever engine ran. ``tests/test_shacl_engines.py`` holds the two to the same results
(focus node, path, value, severity, component, shape, message) on the bundled data, the
benchmark data, the shapes' fixtures and some hundreds of mutated records.

pySHACL patches rdflib globals while it runs, so every call goes through one lock. Results come
back as ``Issue`` data that the CLI prints and the HTTP layer renders.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyshacl
import pyshacl_turbo
from rdflib import RDF, SH, Graph, Literal, Node, URIRef
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import BNode

from unpacs.loader import formats
from unpacs.loader.errors import ConfigError, Issue, UnpacsError
from unpacs.loader.ingest import sparql_constraints
from unpacs.loader.ingest.parsing import parse_rdf
from unpacs.loader.settings import SHACL_ENGINES

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
ENGINES = SHACL_ENGINES
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
            return " ".join(sorted(f"{p.n3()} {o.n3()}" for p, o in described))
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
    engine: str = "turbo",
) -> list[Issue]:
    """Validate ``data`` against ``shapes``; return every result (all severities).

    With ``focus_nodes`` only results about those nodes are kept: the data graph may include
    neighbours from the store that are there so that ``sh:class`` checks can see their types,
    and their own completeness is not this load's business.
    """
    wanted = None if focus_nodes is None else set(focus_nodes)
    issues = []
    for report, result in validation_results(data, shapes, engine=engine):
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


def validation_results(
    data: Graph, shapes: Graph, *, engine: str = "turbo"
) -> list[tuple[Graph, Node]]:
    """Each ``sh:ValidationResult`` node with the report graph that describes it."""
    if engine not in ENGINES:
        raise ConfigError(
            f"unknown SHACL engine {engine!r}", hint="use one of " + ", ".join(ENGINES)
        )
    with _LOCK:
        if engine == "pyshacl":
            return _results(run_validator(pyshacl.validate, data, shapes))
        sparql_shapes = _sparql_shapes(shapes)  # refuses shapes it cannot split, before any work
        try:
            turbo = run_validator(pyshacl_turbo.validate, data, shapes)
        except ValueError as error:
            # turbo refuses what it cannot read (a language tag such as "e"); the reference can.
            log.info("pyshacl-turbo refused the data (%s): pySHACL validates it", error)
            return _results(run_validator(pyshacl.validate, data, shapes))
        found = [
            (report, result)
            for report, result in _results(turbo)
            if report.value(result, SH.sourceConstraintComponent) != SH.SPARQLConstraintComponent
        ]
        flagged = sparql_constraints.flagged_nodes(data, shapes)
        if flagged:
            # pySHACL evaluates again only the SPARQL constraints that may flag a node, on that
            # node alone; its results (messages in pySHACL's lexical forms) are the results.
            targeted = _targeted(sparql_shapes, flagged)
            found += _results(run_validator(pyshacl.validate, data, targeted))
        return found


def _results(report: Graph) -> list[tuple[Graph, Node]]:
    return [(report, r) for r in report.subjects(RDF.type, SH.ValidationResult)]


_TARGETS = (SH.target, SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)


def _targeted(sparql_shapes: Graph | None, flagged: set[tuple[Node, Node]]) -> Graph:
    """``sparql_shapes`` with each flagged shape aimed at its flagged focus nodes only."""
    if sparql_shapes is None:
        raise ValueError("a SPARQL constraint was flagged that the shapes do not hold")
    shapes = {shape for shape, _focus in flagged}
    all_shapes = set(sparql_shapes.subjects(SH.sparql, None))
    graph = Graph()
    for s, p, o in sparql_shapes:
        if (s in shapes and p in _TARGETS) or s in all_shapes - shapes:
            continue
        graph.add((s, p, o))
    for shape, focus in flagged:
        graph.add((shape, SH.targetNode, focus))
    return graph


def run_validator(validate: Any, data: Graph, shapes: Graph) -> Graph:
    """One engine's ``validate`` as the loader calls it; the report graph."""
    # inplace: without inference or an ontology graph pySHACL only reads the data graph, and its
    # copy of 58k triples took 2 of every run's seconds.
    options = {"inplace": True} if validate is pyshacl.validate else {}
    with _queries_translated_once():
        _conforms, report, _text = validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            allow_warnings=True,
            abort_on_first=False,
            **options,
        )
    if not isinstance(report, Graph):
        raise TypeError(f"{validate.__module__} returned {type(report).__name__}, not a graph")
    return report


# What a shape with SPARQL constraints needs for pySHACL to evaluate those constraints alone: its
# targets, severity and message, and the constraints with their prefix declarations.
_SPARQL_SHAPE_KEYS = (
    RDF.type,
    SH.target,
    SH.targetClass,
    SH.targetNode,
    SH.targetObjectsOf,
    SH.targetSubjectsOf,
    SH.severity,
    SH.message,
    SH.deactivated,
    SH.sparql,
)
_SPARQL_SHAPES: dict[int, tuple[Graph, Graph | None]] = {}


def _sparql_shapes(shapes: Graph) -> Graph | None:
    """The SPARQL-constrained shapes of ``shapes``, stripped of every other constraint (so no
    result comes twice), or None when there are none. Kept per shapes graph, which
    ``load_shapes`` caches."""
    kept = _SPARQL_SHAPES.get(id(shapes))
    if kept is not None and kept[0] is shapes:
        return kept[1]
    graph = Graph()
    for prefix, namespace in shapes.namespaces():
        graph.bind(prefix, namespace)
    for shape in set(shapes.subjects(SH.sparql, None)):
        if isinstance(shape, BNode) or (None, SH.property, shape) in shapes:
            raise ConfigError(
                f"the SPARQL constraint of {shape} sits in a property or blank shape",
                hint="give each SPARQL constraint a named sh:NodeShape of its own, or set "
                "UNPACS_SHACL_ENGINE=pyshacl",
            )
        for key in _SPARQL_SHAPE_KEYS:
            for value in shapes.objects(shape, key):
                graph.add((shape, key, value))
                _copy_closure(shapes, value, graph)
    for constraint in list(graph.objects(None, SH.sparql)):
        for prefixes in shapes.objects(constraint, SH.prefixes):
            _copy_closure(shapes, prefixes, graph, named_too=True)
    result = graph if len(graph) else None
    if len(_SPARQL_SHAPES) > 8:
        _SPARQL_SHAPES.clear()
    _SPARQL_SHAPES[id(shapes)] = (shapes, result)
    return result


def _copy_closure(source: Graph, node: Node, target: Graph, *, named_too: bool = False) -> None:
    """Copy the statements about ``node`` and the blank nodes it leads to (and, with
    ``named_too``, about ``node`` itself although it is named: a prefix declaration)."""
    if not (isinstance(node, BNode) or named_too):
        return
    for p, o in source.predicate_objects(node):
        if (node, p, o) not in target:
            target.add((node, p, o))
            _copy_closure(source, o, target)


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
