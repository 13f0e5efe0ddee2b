"""The one way every reader (``/sparql``, pages, documents, ``unpacs query``) runs a query.

A ``QueryExecutor`` takes a ``QueryRequest`` and returns a ``QueryAnswer`` holding the
serialized bytes, so the implementation may evaluate in another process and hand bytes back.
The caller passes the formats it would accept, in preference order, for each query form; the
executor picks the one that fits the form of the query it parsed.

Every executor starts ``execute`` with ``guard_request`` (the query policy of
``loader.query.guard``: depth, length, SERVICE/LOAD/updates, local datasets, checked before
any parser sees the text) and evaluates against the dataset it returns, with
``base_iri=request.base_iri``; graph results go through ``loader.query.graph_output.write_triples``
(native formats, JSON-LD with our context).

``InProcessExecutor`` evaluates in the calling process: it applies the result cap and native
serialization, but it cannot stop a running query. The worker-pool executor (killable query
processes over store checkpoints) implements the same protocol.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

import pyoxigraph

from unpacs.loader.errors import NotAcceptableError, QueryError, StoreError
from unpacs.loader.formats import Format
from unpacs.loader.query.graph_output import write_triples
from unpacs.loader.query.guard import CheckedQuery, QueryPolicy, check_query
from unpacs.loader.store.protocol import BooleanResult, GraphResult, SolutionsResult, Store

T = TypeVar("T")
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
    # Who asks (a token label or an address), for the per-client share of the workers; not
    # part of ``request_key``: it never changes the answer.
    client: str = ""


@dataclass(frozen=True)
class QueryAnswer:
    form: QueryForm
    format: Format
    body: bytes
    count: int  # solutions or triples written (1 for ASK)
    truncated: bool  # True when more results existed than ``limit``
    generation: str = ""  # the store snapshot that answered; keys caches and ETags
    prefixes: dict[str, str] = field(default_factory=dict)


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


def guard(
    request: QueryRequest,
    policy: QueryPolicy,
    is_stored_graph: Callable[[str], bool] = lambda _iri: False,
) -> QueryRequest:
    """The query guard (``guard_request``) for executors that evaluate elsewhere: returns the
    request to send on, its dataset resolved (the protocol's graphs, else the query's own
    FROM / FROM NAMED) and relative IRIs resolving against the policy's base IRI."""
    _checked, default_graphs, named_graphs = guard_request(request, policy, is_stored_graph)
    return dataclasses.replace(
        request,
        default_graph_uris=default_graphs,
        named_graph_uris=named_graphs,
        base_iri=request.base_iri or policy.base_iri,
    )


class StoredGraphs:
    """``is_stored_graph`` for the guard: the store's graph names, read once per generation."""

    def __init__(self, names: Callable[[], list[str]], generation: Callable[[], str]) -> None:
        self._names = names
        self._generation = generation
        self._cached: tuple[str, frozenset[str]] | None = None

    def __call__(self, iri: str) -> bool:
        generation = self._generation()
        if self._cached is None or self._cached[0] != generation:
            self._cached = (generation, frozenset(self._names()))
        return iri in self._cached[1]


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


def guard_request(
    request: QueryRequest,
    policy: QueryPolicy,
    is_stored_graph: Callable[[str], bool] = lambda _iri: False,
) -> tuple[CheckedQuery, tuple[str, ...], tuple[str, ...]]:
    """Check ``request`` against ``policy`` before any parsing (every executor calls this).

    Returns the check and the dataset to evaluate against: the protocol's graphs when given,
    else the query's own ``FROM`` / ``FROM NAMED``, passed to the store explicitly (pyoxigraph
    would otherwise let its union default graph override ``FROM``).
    """
    checked = check_query(
        request.query,
        policy=policy,
        default_graph_uris=request.default_graph_uris,
        named_graph_uris=request.named_graph_uris,
        is_stored_graph=is_stored_graph,
    )
    if request.default_graph_uris or request.named_graph_uris:
        return checked, tuple(request.default_graph_uris), tuple(request.named_graph_uris)
    return checked, checked.from_graphs, checked.from_named_graphs


def _take(items: Iterator[T], limit: int) -> tuple[list[T], bool]:
    """At most ``limit`` items, and whether more were left (the result cap)."""
    taken: list[T] = []
    for item in items:
        if len(taken) == limit:
            return taken, True
        taken.append(item)
    return taken, False


def _first(formats: Sequence[Format], form: QueryForm) -> Format:
    if not formats:
        raise NotAcceptableError(f"no acceptable format for a {form} result")
    return formats[0]


class InProcessExecutor:
    """Evaluates in this process: result cap and native serialization, no stop on timeout."""

    def __init__(
        self, store: Store, *, limit: int, timeout: float, policy: QueryPolicy | None = None
    ) -> None:
        self.store = store
        self.limit = limit
        self.timeout = timeout
        self.policy = policy or QueryPolicy(base_iri="http://127.0.0.1:8000/")
        self._generation = 0
        self._graphs: tuple[str, list[str]] | None = None  # (generation, stored graph names)

    def _is_stored_graph(self, iri: str) -> bool:
        if self._graphs is None or self._graphs[0] != self.generation:
            self._graphs = (self.generation, self.store.graph_names())
        return iri in self._graphs[1]

    @property
    def generation(self) -> str:
        return str(self._generation)

    def refresh(self) -> str:
        self._generation += 1
        return self.generation

    def execute(self, request: QueryRequest) -> QueryAnswer:
        try:
            return self._execute(request)
        except OSError as error:
            # pyoxigraph evaluates lazily: an allowed SERVICE that fails surfaces here.
            raise StoreError(
                f"the query failed while it ran: {error}",
                hint="a SERVICE endpoint the query calls may be down or refusing",
            ) from None

    def _execute(self, request: QueryRequest) -> QueryAnswer:
        limit = self.limit if request.limit is None else request.limit
        _checked, default_graphs, named_graphs = guard_request(
            request, self.policy, self._is_stored_graph
        )
        result = self.store.query(
            request.query,
            default_graph_uris=default_graphs,
            named_graph_uris=named_graphs,
            base_iri=request.base_iri or self.policy.base_iri,
        )
        out = io.BytesIO()
        if isinstance(result, BooleanResult):
            fmt = _first(request.solution_formats, "boolean")
            result.serialize(fmt, out)
            return QueryAnswer("boolean", fmt, out.getvalue(), 1, False, self.generation)
        if isinstance(result, GraphResult):
            fmt = _first(request.graph_formats, "graph")
            triples, truncated = _take(result.triples, limit)
            out = io.BytesIO()
            write_triples(triples, fmt, out, base_iri=request.base_iri or self.policy.base_iri)
            return QueryAnswer(
                "graph", fmt, out.getvalue(), len(triples), truncated, self.generation
            )
        assert isinstance(result, SolutionsResult)
        fmt = _first(request.solution_formats, "solutions")
        rows, truncated = _take(result.solutions, limit)
        assert fmt.oxigraph_results is not None
        body = _serialize_solutions(result.variables, rows, fmt)
        return QueryAnswer("solutions", fmt, body, len(rows), truncated, self.generation)

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
