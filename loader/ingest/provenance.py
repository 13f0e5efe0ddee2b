"""The self-description every named graph carries: source, time, file, content hash."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

import pyoxigraph

from unpacs.loader.uris import vocab
from unpacs.loader.vocab import PROV, RDF_TYPE_NODE, XSD

DCT_SOURCE = pyoxigraph.NamedNode("http://purl.org/dc/terms/source")


def content_hash(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def sources_in(triples: Iterable[pyoxigraph.Triple]) -> list[pyoxigraph.NamedNode]:
    """Every distinct ``dcterms:source`` IRI stated in the data, in a stable order."""
    found = {
        t.object.value
        for t in triples
        if t.predicate == DCT_SOURCE and isinstance(t.object, pyoxigraph.NamedNode)
    }
    return [pyoxigraph.NamedNode(v) for v in sorted(found)]


def describe_graph(
    graph: str,
    *,
    base_iri: str,
    sources: Iterable[pyoxigraph.NamedNode],
    file_name: str,
    digest: str,
    validated: bool,
    generated_at: datetime | None = None,
) -> list[pyoxigraph.Triple]:
    """Triples about ``graph`` (the graph IRI is the subject), stored inside that graph."""
    ns = vocab(base_iri)
    when = (generated_at or datetime.now(UTC)).isoformat(timespec="seconds")
    subject = pyoxigraph.NamedNode(graph)
    triples = [
        pyoxigraph.Triple(subject, RDF_TYPE_NODE, pyoxigraph.NamedNode(PROV + "Entity")),
        pyoxigraph.Triple(
            subject,
            pyoxigraph.NamedNode(PROV + "generatedAtTime"),
            pyoxigraph.Literal(when, datatype=pyoxigraph.NamedNode(XSD + "dateTime")),
        ),
        pyoxigraph.Triple(
            subject, pyoxigraph.NamedNode(ns + "sourceFile"), pyoxigraph.Literal(file_name)
        ),
        pyoxigraph.Triple(
            subject, pyoxigraph.NamedNode(ns + "contentHash"), pyoxigraph.Literal(digest)
        ),
        pyoxigraph.Triple(
            subject,
            pyoxigraph.NamedNode(ns + "validated"),
            pyoxigraph.Literal(
                "true" if validated else "false",
                datatype=pyoxigraph.NamedNode(XSD + "boolean"),
            ),
        ),
    ]
    triples.extend(pyoxigraph.Triple(subject, DCT_SOURCE, s) for s in sources)
    return triples
