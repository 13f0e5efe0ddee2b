"""Writing triples as JSON-LD compacted with our bundled context.

pyoxigraph writes JSON-LD without a context (full IRIs everywhere); rdflib compacts with one, so
the output reads like the files stewards write and loads back through ``loader.ingest.parsing``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph
import rdflib

from unpacs.loader.bundled import bundled_context


def triples_to_jsonld(triples: Iterable[pyoxigraph.Triple], base_iri: str) -> bytes:
    """``triples`` as a JSON-LD document carrying our context (inline, so it stands alone)."""
    ntriples = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert ntriples is not None
    graph = rdflib.Graph()
    graph.parse(data=ntriples.decode("utf-8"), format="nt")
    text = graph.serialize(format="json-ld", context=bundled_context(base_iri), auto_compact=True)
    return text.encode("utf-8")
