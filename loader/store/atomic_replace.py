"""Replace graphs of the embedded store so that no reader ever sees a half-made commit.

``OxigraphStore.replace_graphs`` writes the new content into hidden staging graphs and then
MOVEs them in: between its two transactions a query over the union default graph sees old and
new content at once (measured: a reader polling ICTO's telephone saw both numbers). Here the
staged triples carry a mangled predicate (``urn:unpacs:staged:`` + the real one), so no query
that names a real predicate can match them, and a single SPARQL update drops the old content
and copies the staged triples in with their real predicates: one transaction, blank nodes
bound by the WHERE clause keep their identity (so a revert is byte-exact), and leftovers of a
crash are staging graphs that the store drops when it opens.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence

import pyoxigraph

from unpacs.loader.store.oxigraph import STAGING_PREFIX, OxigraphStore

STAGED = "urn:unpacs:staged:"


def replace_graphs_atomically(
    store: OxigraphStore, graphs: Mapping[str, Sequence[pyoxigraph.Triple]]
) -> None:
    if not graphs:
        return
    token = uuid.uuid4().hex
    staging = {g: f"{STAGING_PREFIX}{token}:{i}" for i, g in enumerate(graphs)}

    def staged_quads() -> Iterator[pyoxigraph.Quad]:
        for graph, triples in graphs.items():
            target = pyoxigraph.NamedNode(staging[graph])
            for t in triples:
                predicate = pyoxigraph.NamedNode(STAGED + t.predicate.value)
                yield pyoxigraph.Quad(t.subject, predicate, t.object, target)

    operations = []
    for graph in graphs:
        operations.append(f"DROP SILENT GRAPH <{graph}>")
        if graphs[graph]:
            operations.append(
                f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{staging[graph]}> "
                f'{{ ?s ?sp ?o }} BIND(IRI(STRAFTER(STR(?sp), "{STAGED}")) AS ?p) }}'
            )
        operations.append(f"DROP SILENT GRAPH <{staging[graph]}>")
    native = store.native
    try:
        native.extend(staged_quads())
        native.update(" ;\n".join(operations))
    except Exception:
        native.update(" ; ".join(f"DROP SILENT GRAPH <{s}>" for s in staging.values()))
        raise
