"""Embedded on-disk store: pyoxigraph, owned by exactly one process."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

import pyoxigraph

from unpacs.loader.errors import QueryError, StoreBusyError, StoreError
from unpacs.loader.formats import Format
from unpacs.loader.store.protocol import (
    BooleanResult,
    GraphResult,
    QueryResult,
    SolutionsResult,
    StoreStats,
)

# Graphs written before the final MOVE of a replacement. A crash between the two transactions
# leaves them behind; opening the store removes them, so readers only ever see before or after.
STAGED = "urn:unpacs:staged:"  # prefix of staged predicates (see replace_graphs)
STAGING_PREFIX = "urn:unpacs:staging:"

STATS_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
STATS_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
STATS_CLASSES = (
    "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c ORDER BY ?c"
)


_POSITION = re.compile(r"^error at (\d+):(\d+): ")
MAX_MESSAGE = 200


def syntax_error(error: SyntaxError, title: str = "SPARQL syntax error") -> QueryError:
    """A parser error with its line and column, the message trimmed (never the whole query)."""
    text = str(error.msg or error)
    line, column = error.lineno, error.offset
    found = _POSITION.match(text)
    if found:
        line, column = int(found.group(1)), int(found.group(2))
        text = text[found.end() :]
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 1] + "…"
    where = f" at line {line}, column {column}" if line is not None else ""
    return QueryError(f"{title}{where}: {text}", line=line, column=column)


def _is_lock_error(error: OSError) -> bool:
    text = str(error)
    return "LOCK" in text or "lock" in text


def wrap_result(
    result: pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples,
) -> QueryResult:
    if isinstance(result, pyoxigraph.QuerySolutions):
        return SolutionsResult(tuple(v.value for v in result.variables), result)
    if isinstance(result, pyoxigraph.QueryBoolean):
        return BooleanResult(bool(result))
    return GraphResult(iter(result))


class OxigraphStore:
    """``Store`` over an embedded pyoxigraph store on disk (or in memory when ``path`` is None)."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = None if path is None else Path(path)
        self.description = "in-memory store" if path is None else f"store {path}"
        try:
            if self.path is None:
                self._store = pyoxigraph.Store()
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = pyoxigraph.Store(str(self.path))
        except OSError as error:
            if _is_lock_error(error):
                raise StoreBusyError(
                    f"store {path} is in use by another process (a running server?); write "
                    "through it with --server URL --token TOKEN (unpacs load|delete), or stop it",
                    hint="only one process may own an embedded store directory",
                ) from None
            raise StoreError(f"cannot open store {path}: {error}") from None
        self._drop_staging_graphs()

    @classmethod
    def over(cls, native: pyoxigraph.Store, description: str) -> OxigraphStore:
        """A ``Store`` over an open pyoxigraph store (a read-only checkpoint in a worker)."""
        store = cls.__new__(cls)
        store.path = None
        store.description = description
        store._store = native
        return store

    @property
    def native(self) -> pyoxigraph.Store:
        """The pyoxigraph store, for code that needs its bulk paths (the loader, benchmarks)."""
        return self._store

    def _drop_staging_graphs(self) -> None:
        leftovers = [
            g for g in self._store.named_graphs() if str(g.value).startswith(STAGING_PREFIX)
        ]
        if leftovers:
            self._store.update(" ; ".join(f"DROP SILENT GRAPH <{g.value}>" for g in leftovers))

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> QueryResult:
        kwargs: dict[str, object] = {"base_iri": base_iri}
        try:
            if default_graph_uris or named_graph_uris:
                kwargs["default_graph"] = [pyoxigraph.NamedNode(u) for u in default_graph_uris]
                kwargs["named_graphs"] = [pyoxigraph.NamedNode(u) for u in named_graph_uris]
            else:
                kwargs["use_default_graph_as_union"] = True
        except ValueError as error:
            raise QueryError(f"a dataset graph is not an absolute IRI: {error}") from None
        try:
            result = self._store.query(sparql, **kwargs)  # type: ignore[arg-type]
        except SyntaxError as error:
            raise syntax_error(error) from None
        except (OSError, ValueError) as error:
            raise QueryError(f"query failed: {error}") from None
        return wrap_result(result)

    def update(self, sparql: str) -> None:
        try:
            self._store.update(sparql)
        except SyntaxError as error:
            raise syntax_error(error, "SPARQL update syntax error") from None
        except (OSError, ValueError) as error:
            raise QueryError(f"update failed: {error}") from None

    def replace_graphs(
        self, graphs: Mapping[str, Sequence[pyoxigraph.Triple]], *, drop: Sequence[str] = ()
    ) -> None:
        """Replace (and drop) graphs so that no reader ever sees a half-made commit.

        A MOVE from plain staging graphs would take two transactions, and between them a query
        over the union default graph sees old and new content at once (measured: a reader
        polling ICTO's telephone saw both numbers). So the staged triples carry a mangled
        predicate (``STAGED`` + the real one), which no query naming a real predicate matches,
        and one SPARQL update drops the old content and copies the staged triples in with their
        real predicates: one transaction; blank nodes bound by the WHERE clause keep their
        identity (so a revert is byte-exact); a crash leaves staging graphs, dropped on open.
        """
        if not graphs and not drop:
            return
        if not any(self._holds_quads(g) for g in (*graphs, *drop)):
            # Nothing to drop: one atomic extend makes every graph appear at once, without the
            # staged copy (a fresh build of the bundled data: 4 s less).
            self._store.extend(
                pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.NamedNode(g))
                for g, triples in graphs.items()
                for t in triples
            )
            return
        token = uuid.uuid4().hex
        staging = {g: f"{STAGING_PREFIX}{token}:{i}" for i, g in enumerate(graphs)}

        def staged_quads() -> Iterator[pyoxigraph.Quad]:
            for graph, triples in graphs.items():
                target = pyoxigraph.NamedNode(staging[graph])
                for t in triples:
                    predicate = pyoxigraph.NamedNode(STAGED + t.predicate.value)
                    yield pyoxigraph.Quad(t.subject, predicate, t.object, target)

        steps = [f"DROP SILENT GRAPH <{g}>" for g in drop if g not in graphs]
        for graph in graphs:
            steps.append(f"DROP SILENT GRAPH <{graph}>")
            if graphs[graph]:
                steps.append(
                    f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH "
                    f"<{staging[graph]}> {{ ?s ?sp ?o }} "
                    f'BIND(IRI(STRAFTER(STR(?sp), "{STAGED}")) AS ?p) }}'
                )
            steps.append(f"DROP SILENT GRAPH <{staging[graph]}>")
        try:
            self._store.extend(staged_quads())
            self._store.update(" ;\n".join(steps))
        except Exception:
            self._drop_staging_graphs()
            raise

    def _holds_quads(self, graph: str) -> bool:
        pattern = self._store.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(graph))
        return next(iter(pattern), None) is not None

    def graph_names(self) -> list[str]:
        return sorted(
            str(g.value)
            for g in self._store.named_graphs()
            if isinstance(g, pyoxigraph.NamedNode) and not g.value.startswith(STAGING_PREFIX)
        )

    def quads(
        self, subject: str | None = None, graph: str | None = None
    ) -> Iterator[pyoxigraph.Quad]:
        s = pyoxigraph.NamedNode(subject) if subject is not None else None
        g = pyoxigraph.NamedNode(graph) if graph is not None else None
        return iter(self._store.quads_for_pattern(s, None, None, g))

    def dump(self, fmt: Format, output: IO[bytes], graph: str | None = None) -> None:
        if fmt.oxigraph_rdf is None:
            raise StoreError(f"{fmt.name} cannot be dumped natively")
        if graph is not None:
            self._store.dump(output, fmt.oxigraph_rdf, from_graph=pyoxigraph.NamedNode(graph))
        elif fmt.supports_datasets:
            self._store.dump(output, fmt.oxigraph_rdf)
        else:
            # Triple formats cannot hold graphs: write the union of all graphs.
            quads = self._store.quads_for_pattern(None, None, None)
            triples = (pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads)
            pyoxigraph.serialize(triples, output, fmt.oxigraph_rdf)

    def _select(self, sparql: str) -> list[dict[str, str]]:
        result = self._store.query(sparql)
        assert isinstance(result, pyoxigraph.QuerySolutions)
        names = [v.value for v in result.variables]
        return [
            {n: str(getattr(s[n], "value", "")) for n in names if s[n] is not None} for s in result
        ]

    def stats(self) -> StoreStats:
        per_graph = {
            row["g"]: int(row["n"])
            for row in self._select(STATS_GRAPHS)
            if not row["g"].startswith(STAGING_PREFIX)
        }
        n_default = int(self._select(STATS_DEFAULT)[0]["n"])
        if n_default:
            per_graph["(default graph)"] = n_default
        classes = {row["c"]: int(row["n"]) for row in self._select(STATS_CLASSES)}
        return StoreStats(per_graph, classes)

    def is_empty(self) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None)), None) is None

    def bulk_add_graphs(self, graphs: Mapping[str, Sequence[pyoxigraph.Triple]]) -> None:
        """Fast, NOT transactional write for trusted dumps into an empty store (--no-validate)."""
        self._store.bulk_extend(
            pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.NamedNode(g))
            for g, triples in graphs.items()
            for t in triples
        )

    def flush(self) -> None:
        if self.path is not None:
            self._store.flush()

    def close(self) -> None:
        # pyoxigraph closes the database when the object is collected; drop our reference.
        self.flush()
        del self._store
