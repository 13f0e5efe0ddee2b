"""The one way every reader (``/sparql``, pages, documents, ``unpacs query``) runs a query.

A ``QueryExecutor`` takes a ``QueryRequest`` and returns a ``QueryAnswer`` holding the
serialized bytes, so the implementation may evaluate in another process and hand bytes back.
The caller passes the formats it would accept, in preference order, for each query form; the
executor picks the one that fits the form of the query it parsed.

``InProcessExecutor`` evaluates in the calling process: it applies the result cap and native
serialization, but it cannot stop a running query. The worker-pool executor (killable query
processes over store checkpoints) implements the same protocol.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import pyoxigraph

from unpacs.loader.errors import NotAcceptableError, QueryError
from unpacs.loader.formats import Format
from unpacs.loader.store.protocol import BooleanResult, GraphResult, SolutionsResult, Store

QueryForm = Literal["solutions", "boolean", "graph"]


@dataclass(frozen=True)
class QueryRequest:
    query: str
    # Preference-ordered formats per query form; empty means "that form is not acceptable".
    solution_formats: Sequence[Format] = ()
    graph_formats: Sequence[Format] = ()
    default_graph_uris: Sequence[str] = ()
    named_graph_uris: Sequence[str] = ()
    base_iri: str | None = None
    # None: the executor's configured defaults (settings.result_limit / query_timeout).
    limit: int | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class QueryAnswer:
    form: QueryForm
    format: Format
    body: bytes
    count: int  # solutions or triples written (1 for ASK)
    truncated: bool  # True when more results existed than ``limit``
    generation: str = ""  # the store snapshot that answered; keys caches and ETags
    prefixes: dict[str, str] = field(default_factory=dict)
    etag: str = ""  # strong validator: same request on the same generation, same bytes


def request_key(request: QueryRequest) -> tuple[object, ...]:
    """What makes two requests answer with the same bytes on one generation (the timeout
    does not: a query either answers in full or fails)."""
    return (
        request.query,
        tuple(request.default_graph_uris),
        tuple(request.named_graph_uris),
        request.base_iri,
        tuple(f.name for f in request.solution_formats),
        tuple(f.name for f in request.graph_formats),
        request.limit,
    )


def etag_for(request: QueryRequest, generation: str) -> str:
    """The ``ETag`` of ``request``'s answer on ``generation``: known before evaluating, so a
    revalidating client gets 304 without running the query."""
    digest = hashlib.blake2b(repr(request_key(request)).encode(), digest_size=12).hexdigest()
    return f'"{generation}.{digest}"'


def guard(request: QueryRequest) -> QueryRequest:
    """The one call site of the query guard (SERVICE/LOAD/remote FROM, nesting depth), run by
    every executor before anything parses the query; returns the request to evaluate (the
    guard may resolve the dataset from the query's own FROM / FROM NAMED)."""
    check = _guard_function()
    if check is not None:
        check(request.query)
    return request


@functools.cache
def _guard_function() -> Callable[[str], object] | None:
    # Looked up once: a failed import searches the whole path, ~0.4 ms a query.
    try:
        module = importlib.import_module("unpacs.loader.query_guard")
    except ModuleNotFoundError:  # the guard module lands separately; until then nothing to check
        return None
    found: Callable[[str], object] = module.check_query
    return found


class QueryExecutor(Protocol):
    def execute(self, request: QueryRequest) -> QueryAnswer:
        """Run ``request``; raises a ``QueryError`` subclass when it cannot be answered."""
        ...

    @property
    def generation(self) -> str:
        """Identifier of the snapshot new queries read; changes with every commit."""
        ...

    def refresh(self) -> str:
        """Publish the store's current state to new queries (the store-owning process calls it
        after every commit); returns the new generation."""
        ...

    def close(self) -> None: ...


def _first(formats: Sequence[Format], form: QueryForm) -> Format:
    if not formats:
        raise NotAcceptableError(f"no acceptable format for a {form} result")
    return formats[0]


class InProcessExecutor:
    """Evaluates in this process: result cap and native serialization, no stop on timeout."""

    def __init__(self, store: Store, *, limit: int, timeout: float) -> None:
        self.store = store
        self.limit = limit
        self.timeout = timeout
        self._generation = 0

    @property
    def generation(self) -> str:
        return str(self._generation)

    def refresh(self) -> str:
        self._generation += 1
        return self.generation

    def execute(self, request: QueryRequest) -> QueryAnswer:
        request = guard(request)
        limit = self.limit if request.limit is None else request.limit
        result = self.store.query(
            request.query,
            default_graph_uris=request.default_graph_uris,
            named_graph_uris=request.named_graph_uris,
        )
        out = io.BytesIO()
        if isinstance(result, BooleanResult):
            fmt = _first(request.solution_formats, "boolean")
            result.serialize(fmt, out)
            return QueryAnswer("boolean", fmt, out.getvalue(), 1, False, self.generation)
        if isinstance(result, GraphResult):
            fmt = _first(request.graph_formats, "graph")
            triples: list[pyoxigraph.Triple] = []
            for triple in result.triples:
                if len(triples) == limit:
                    return self._graph(fmt, triples, truncated=True)
                triples.append(triple)
            return self._graph(fmt, triples, truncated=False)
        assert isinstance(result, SolutionsResult)
        fmt = _first(request.solution_formats, "solutions")
        rows: list[pyoxigraph.QuerySolution] = []
        truncated = False
        for solution in result.solutions:
            if len(rows) == limit:
                truncated = True
                break
            rows.append(solution)
        assert fmt.oxigraph_results is not None
        body = _serialize_solutions(result.variables, rows, fmt)
        return QueryAnswer("solutions", fmt, body, len(rows), truncated, self.generation)

    def _graph(self, fmt: Format, triples: list[pyoxigraph.Triple], truncated: bool) -> QueryAnswer:
        out = io.BytesIO()
        GraphResult(iter(triples)).serialize(fmt, out)
        return QueryAnswer("graph", fmt, out.getvalue(), len(triples), truncated, self.generation)

    def close(self) -> None:
        self.store.close()


def _term_json(term: object) -> dict[str, str]:
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, pyoxigraph.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    raise QueryError(f"cannot serialize the term {term!r} in SPARQL results")


def _serialize_solutions(
    variables: Sequence[str], rows: Sequence[pyoxigraph.QuerySolution], fmt: Format
) -> bytes:
    """Serialize already-read solutions in ``fmt``.

    pyoxigraph only serializes a whole ``QuerySolutions``, so the capped rows are written as
    SPARQL 1.1 JSON results and, for other formats, re-parsed and serialized natively.
    """
    bindings = [{v: _term_json(row[v]) for v in variables if row[v] is not None} for row in rows]
    body = json.dumps(
        {"head": {"vars": list(variables)}, "results": {"bindings": bindings}},
        ensure_ascii=False,
    ).encode()
    if fmt.oxigraph_results == pyoxigraph.QueryResultsFormat.JSON:
        return body
    parsed = pyoxigraph.parse_query_results(io.BytesIO(body), pyoxigraph.QueryResultsFormat.JSON)
    assert isinstance(parsed, pyoxigraph.QuerySolutions)
    out = io.BytesIO()
    assert fmt.oxigraph_results is not None
    parsed.serialize(out, fmt.oxigraph_results)
    return out.getvalue()
