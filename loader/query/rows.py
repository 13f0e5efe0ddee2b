"""Rows and quads on top of the query executor, for readers that want terms rather than bytes.

Pages and documents read the store only through ``QueryExecutor``, so the timeout and result cap
hold for them too; the executor hands back serialized bytes, parsed here with pyoxigraph.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

import pyoxigraph

from unpacs.loader import formats
from unpacs.loader.query.executor import QueryExecutor, QueryRequest

Row = dict[str, pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal]
SPARQL_JSON = formats.by_name("sparql-json")


def select(
    executor: QueryExecutor, query: str, *, limit: int | None = None
) -> tuple[list[Row], bool, str]:
    """Run a SELECT; return its rows (unbound variables left out), truncated, generation."""
    answer = executor.execute(QueryRequest(query, solution_formats=[SPARQL_JSON], limit=limit))
    parsed = pyoxigraph.parse_query_results(
        io.BytesIO(answer.body), format=pyoxigraph.QueryResultsFormat.JSON
    )
    assert isinstance(parsed, pyoxigraph.QuerySolutions)
    names = [v.value for v in parsed.variables]
    rows: list[Row] = []
    for solution in parsed:
        row: Row = {}
        for name in names:
            term = solution[name]
            if isinstance(term, pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal):
                row[name] = term
        rows.append(row)
    return rows, answer.truncated, answer.generation


def ask(executor: QueryExecutor, query: str) -> bool:
    answer = executor.execute(QueryRequest(query, solution_formats=[SPARQL_JSON]))
    parsed = pyoxigraph.parse_query_results(
        io.BytesIO(answer.body), format=pyoxigraph.QueryResultsFormat.JSON
    )
    assert isinstance(parsed, pyoxigraph.QueryBoolean)
    return bool(parsed)


# IRIs per VALUES block: keeps every query far below the query-length cap
# (UNPACS_MAX_QUERY_LENGTH, 100,000 characters by default) however many things a page links to.
VALUES_CHUNK = 400


def chunks(items: Iterable[str], size: int = VALUES_CHUNK) -> Iterator[list[str]]:
    """``items`` sorted and cut into lists of at most ``size``."""
    ordered = sorted(set(items))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def iri(value: str) -> str:
    """``value`` as a SPARQL IRI reference; refuses characters that could end the IRI."""
    if any(c in value for c in '<>"{}|^`\\ \n\r\t'):
        raise ValueError(f"not an IRI: {value!r}")
    return f"<{value}>"
