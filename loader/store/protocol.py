"""The one ``Store`` protocol and the result types both implementations return.

Results wrap pyoxigraph objects: the embedded store returns them from ``Store.query`` and the
remote store parses the engine's response with pyoxigraph's own parsers, so callers see the same
types and serialization stays native on both paths.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Protocol, runtime_checkable

import pyoxigraph

from unpacs.loader.formats import Format

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple


@dataclass
class SolutionsResult:
    """SELECT results: variable names and a one-shot iterator of solutions."""

    variables: tuple[str, ...]
    solutions: Iterator[pyoxigraph.QuerySolution]

    def rows(self) -> list[dict[str, Term]]:
        """Materialize all solutions as ``{variable: term}`` dicts (unbound variables left out)."""
        out = []
        for solution in self.solutions:
            row = {}
            for name in self.variables:
                value = solution[name]
                if value is not None:
                    row[name] = value
            out.append(row)
        return out

    def serialize(self, fmt: Format, output: IO[bytes]) -> None:
        if fmt.oxigraph_results is None:
            raise ValueError(f"{fmt.name} is not a SPARQL results format")
        if not isinstance(self.solutions, pyoxigraph.QuerySolutions):
            raise TypeError("only pyoxigraph QuerySolutions can be serialized natively")
        self.solutions.serialize(output, fmt.oxigraph_results)


@dataclass(frozen=True)
class BooleanResult:
    """ASK result."""

    value: bool

    def serialize(self, fmt: Format, output: IO[bytes]) -> None:
        if fmt.oxigraph_results is None:
            raise ValueError(f"{fmt.name} is not a SPARQL results format")
        text = json.dumps({"head": {}, "boolean": self.value})
        parsed = pyoxigraph.parse_query_results(
            io.BytesIO(text.encode()), pyoxigraph.QueryResultsFormat.JSON
        )
        assert isinstance(parsed, pyoxigraph.QueryBoolean)
        parsed.serialize(output, fmt.oxigraph_results)


@dataclass
class GraphResult:
    """CONSTRUCT / DESCRIBE results: a one-shot iterator of triples."""

    triples: Iterator[pyoxigraph.Triple]

    def serialize(
        self, fmt: Format, output: IO[bytes], prefixes: dict[str, str] | None = None
    ) -> None:
        if fmt.oxigraph_rdf is None:
            raise ValueError(f"{fmt.name} cannot be written natively")
        pyoxigraph.serialize(self.triples, output, fmt.oxigraph_rdf, prefixes=prefixes)


QueryResult = SolutionsResult | BooleanResult | GraphResult


@dataclass(frozen=True)
class StoreStats:
    triples_per_graph: dict[str, int] = field(default_factory=dict)
    instances_per_class: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.triples_per_graph.values())


@runtime_checkable
class Store(Protocol):
    """What every store offers. The default graph of queries is the union of all graphs."""

    description: str

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL 1.1 query; raises ``QueryError`` on a bad query.

        No dataset: the default graph is the union of all graphs. Named graphs without default
        graphs: the default graph is empty (SPARQL 1.1 Protocol). ``base_iri`` resolves the
        relative IRIs of the query."""
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 update in one transaction."""
        ...

    def replace_graphs(
        self, graphs: Mapping[str, Sequence[pyoxigraph.Triple]], *, drop: Sequence[str] = ()
    ) -> None:
        """Atomically replace each named graph's content and remove the ``drop`` graphs.

        One transaction: every graph changes, or none.
        """
        ...

    def graph_names(self) -> list[str]: ...

    def quads(
        self, subject: str | None = None, graph: str | None = None
    ) -> Iterator[pyoxigraph.Quad]:
        """Stored quads, optionally only those of one subject IRI and/or one graph IRI."""
        ...

    def dump(self, fmt: Format, output: IO[bytes], graph: str | None = None) -> None:
        """Write the whole dataset (or one graph) in ``fmt``, streaming."""
        ...

    def stats(self) -> StoreStats: ...

    def close(self) -> None: ...
