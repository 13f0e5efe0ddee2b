"""The bundled data/seed and data/reference as one rdflib graph, with the provenance the loader
adds: the data graph of a full ``unpacs build`` validation."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from unpacs.loader import formats
from unpacs.loader.ingest.parsing import parse_rdf
from unpacs.loader.ingest.pipeline import graph_for_path
from unpacs.loader.ingest.provenance import content_hash, describe_graph, sources_in
from unpacs.loader.ingest.scope import to_rdflib
from unpacs.loader.settings import Settings

ROOT = Path(__file__).parent.parent
DATA_DIR = ROOT / "data"
BASE = "http://127.0.0.1:8000/"


def bundled_graph() -> Graph:
    settings = Settings(data_dir=DATA_DIR, base_iri=BASE)
    turtle = formats.for_path(Path("x.ttl"))
    graph = Graph()
    paths = sorted((DATA_DIR / "seed").glob("*.ttl")) + sorted(
        (DATA_DIR / "reference").glob("*.ttl")
    )
    for path in paths:
        data = path.read_bytes()
        name = str(path.relative_to(DATA_DIR))
        triples = [q.triple for q in parse_rdf(data, turtle, file=name, base_iri=BASE)]
        provenance = describe_graph(
            graph_for_path(path, settings),
            base_iri=BASE,
            sources=sources_in(triples),
            file_name=name,
            digest=content_hash(data),
            validated=True,
        )
        for t in [*triples, *provenance]:
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))  # type: ignore[arg-type]
    return graph
