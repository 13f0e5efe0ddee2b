"""Writing CONSTRUCT / DESCRIBE results: natively with pyoxigraph, JSON-LD with our context.

pyoxigraph has no JSON-LD writer, so JSON-LD (compacted with the bundled context, which is the
one thing rdflib adds here) goes through rdflib; the triples reach it as N-Triples, the only
copy, and only for results that are already capped.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import IO

import pyoxigraph

from unpacs.loader.formats import Format


def write_triples(
    triples: Iterable[pyoxigraph.Triple],
    fmt: Format,
    output: IO[bytes],
    *,
    base_iri: str,
    prefixes: dict[str, str] | None = None,
) -> None:
    if fmt.oxigraph_rdf is not None:
        pyoxigraph.serialize(triples, output, fmt.oxigraph_rdf, prefixes=prefixes)
        return
    if fmt.name != "jsonld":
        raise ValueError(f"{fmt.name} is not an RDF format for query results")
    import rdflib

    from unpacs.loader.bundled import bundled_context

    ntriples = io.BytesIO()
    pyoxigraph.serialize(triples, ntriples, pyoxigraph.RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    graph.parse(data=ntriples.getvalue().decode("utf-8"), format="nt")
    context = bundled_context(base_iri)
    text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    output.write(text.encode("utf-8"))
