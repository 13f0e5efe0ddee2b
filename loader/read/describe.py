"""The description of one thing, as served at ``/doc/...`` in every format.

A description holds, each statement with the named graph it is stated in:
- the thing's own statements and the details of its blank nodes (closure to a fixed depth);
- the important inverse links (``INVERSE``): sub-organisations, reporting units, posts and
  holders, memberships, what is located in a country or tagged with a concept, observations;
- the labels and types of everything it links to, so readers see names rather than IRIs;
- the provenance of every graph a statement comes from (``dcterms:source``,
  ``prov:generatedAtTime``) and the titles of those sources.
Statements are deduplicated and sorted by subject, so serializers write each subject once.
Every query runs through the executor, so the timeout and result cap hold.
"""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyoxigraph

from unpacs.loader.bundled import BUNDLED_CONTEXT_PATH, bundled_context
from unpacs.loader.formats import Format
from unpacs.loader.query.executor import QueryExecutor
from unpacs.loader.query.rows import Row, chunks, iri, select
from unpacs.loader.vocab import DCT, ORG, PROV, RDF_TYPE, SDMX_DIM, SKOS

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal


# Predicates whose subjects are shown on the page of their object.
INVERSE = (
    ORG + "subOrganizationOf",
    ORG + "unitOf",
    ORG + "hasSubOrganization",
    ORG + "reportsTo",
    ORG + "postIn",
    ORG + "holds",
    ORG + "member",
    ORG + "organization",
    DCT + "spatial",
    DCT + "subject",
    "http://www.w3.org/ns/dcat#theme",
    SKOS + "broader",
    SKOS + "topConceptOf",
    SDMX_DIM + "refArea",
    "http://xmlns.com/foaf/0.1/primaryTopic",
    "http://schema.org/superEvent",
    "http://schema.org/organizer",
    "http://schema.org/containedInPlace",
)
# Our own inverse links are named under the base IRI (``unpacs:post``, ``unpacs:countryGroup``,
# ``unpacs:m49Region``...), so they are added per base in ``inverse_predicates``.
OWN_INVERSE = ("post", "countryGroup", "m49Region", "m49SubRegion", "rank")
LABELS = (
    SKOS + "prefLabel",
    SKOS + "altLabel",
    "http://xmlns.com/foaf/0.1/name",
    DCT + "title",
    "http://www.w3.org/2000/01/rdf-schema#label",
    RDF_TYPE,
)
BLANK_DEPTH = 3


def subject_of(q: pyoxigraph.Quad) -> pyoxigraph.NamedNode | pyoxigraph.BlankNode:
    s = q.subject
    assert not isinstance(s, pyoxigraph.Triple)  # descriptions never hold RDF-star triples
    return s


def object_of(q: pyoxigraph.Quad) -> Term:
    o = q.object
    assert not isinstance(o, pyoxigraph.Triple)
    return o


def inverse_predicates(base_iri: str) -> tuple[str, ...]:
    return INVERSE + tuple(f"{base_iri}def/unpacs#{name}" for name in OWN_INVERSE)


def _statements_query(thing: str, inverse: Sequence[str]) -> str:
    # The thing is bound with VALUES, not BIND: with BIND after the pattern, Oxigraph 0.5
    # evaluates the union about 50 times slower on an on-disk store (measured, 1M triples).
    t = iri(thing)
    branches = [f"{{ VALUES ?s {{ {t} }} GRAPH ?g {{ ?s ?p ?o }} }}"]
    for depth in range(1, BLANK_DEPTH + 1):
        path, previous = [], t
        for level in range(depth):
            node = "?s" if level == depth - 1 else f"?b{level}"
            path.append(f"{previous} ?q{level} {node} . FILTER(isBlank({node}))")
            previous = node
        branches.append("{ GRAPH ?g { " + " ".join(path) + " ?s ?p ?o } }")
    # Predicates by FILTER IN, not a second VALUES: Oxigraph 0.5 joins two VALUES blocks with the
    # pattern about 300 times slower (measured).
    values = ", ".join(iri(p) for p in inverse)
    branches.append(f"{{ VALUES ?o {{ {t} }} GRAPH ?g {{ ?s ?p ?o }} FILTER(?p IN ({values})) }}")
    return "SELECT ?s ?p ?o ?g WHERE { " + " UNION ".join(branches) + " }"


def _context_query(linked: Iterable[str], graphs: Iterable[str]) -> str:
    values = " ".join(iri(v) for v in sorted(linked))
    preds = ", ".join(iri(p) for p in LABELS)
    gvalues = " ".join(iri(g) for g in sorted(graphs))
    src, when = iri(DCT + "source"), iri(PROV + "generatedAtTime")
    title, label = iri(DCT + "title"), iri(SKOS + "prefLabel")
    return f"""SELECT ?s ?p ?o ?g WHERE {{
  {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} FILTER(?p IN ({preds})) }}
  UNION {{ VALUES ?s {{ {gvalues} }} GRAPH ?g {{ ?s ?p ?o }} FILTER(?p IN ({src}, {when})) }}
  UNION {{ VALUES ?gr {{ {gvalues} }} GRAPH ?gx {{ ?gr {src} ?s }}
           GRAPH ?g {{ ?s ?p ?o }} FILTER(?p IN ({title}, {label})) }}
}}"""


@dataclass
class Description:
    iri: str
    quads: list[pyoxigraph.Quad] = field(default_factory=list)
    generation: str = ""
    truncated: bool = False

    @property
    def exists(self) -> bool:
        return any(subject_of(q).value == self.iri for q in self.quads)

    def triples(self) -> list[pyoxigraph.Triple]:
        seen: dict[pyoxigraph.Triple, None] = {}
        for q in self.quads:
            seen.setdefault(pyoxigraph.Triple(subject_of(q), q.predicate, object_of(q)), None)
        return list(seen)

    def graphs(self) -> set[str]:
        return {
            q.graph_name.value for q in self.quads if isinstance(q.graph_name, pyoxigraph.NamedNode)
        }

    def last_modified(self) -> datetime | None:
        """The newest ``prov:generatedAtTime`` of the graphs the description draws on."""
        found = [
            _parse_time(object_of(q).value)
            for q in self.quads
            if q.predicate.value == PROV + "generatedAtTime"
            and isinstance(object_of(q), pyoxigraph.Literal)
        ]
        times = [t for t in found if t is not None]
        return max(times) if times else None


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _quad(row: Row) -> pyoxigraph.Quad | None:
    s, p, o, g = row.get("s"), row.get("p"), row.get("o"), row.get("g")
    if not isinstance(s, pyoxigraph.NamedNode | pyoxigraph.BlankNode):
        return None
    if not isinstance(p, pyoxigraph.NamedNode) or o is None:
        return None
    graph = g if isinstance(g, pyoxigraph.NamedNode) else pyoxigraph.DefaultGraph()
    return pyoxigraph.Quad(s, p, o, graph)


def _sort_key(q: pyoxigraph.Quad) -> tuple[int, str, int, str, str, str]:
    # The thing first, then other IRIs, then blank nodes; predicates with rdf:type first.
    s = subject_of(q)
    rank = 3 if isinstance(s, pyoxigraph.BlankNode) else 2
    return (
        rank,
        s.value,
        0 if q.predicate.value == RDF_TYPE else 1,
        q.predicate.value,
        str(object_of(q)),
        str(q.graph_name),
    )


def describe(executor: QueryExecutor, thing: str, base_iri: str) -> Description:
    """The description of ``thing``; ``exists`` is False when the store says nothing about it."""
    rows, truncated, generation = select(
        executor, _statements_query(thing, inverse_predicates(base_iri))
    )
    quads = {q: None for q in (_quad(r) for r in rows) if q is not None}
    description = Description(thing, [], generation, truncated)
    if not any(subject_of(q).value == thing for q in quads):
        return description
    linked = {
        t.value
        for q in quads
        for t in (subject_of(q), object_of(q))
        if isinstance(t, pyoxigraph.NamedNode) and t.value != thing
    }
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, pyoxigraph.NamedNode)}
    batches = list(chunks(linked)) or [[thing]]
    for number, batch in enumerate(batches):
        # The graphs' provenance comes with the first batch only.
        query = _context_query(batch, (graphs or {thing}) if number == 0 else [thing])
        more, more_truncated, _ = select(executor, query)
        description.truncated |= more_truncated
        for q in (_quad(r) for r in more):
            if q is not None:
                quads.setdefault(q, None)
    # Stable sorts: grouped by subject, then the thing itself first.
    description.quads = sorted(quads, key=_sort_key)
    description.quads.sort(key=lambda q: subject_of(q).value != thing)
    return description


def serialize(
    description: Description, fmt: Format, base_iri: str, prefixes: dict[str, str]
) -> bytes:
    """``description`` in ``fmt``; graph names are kept only by the dataset formats."""
    if fmt.name == "jsonld":
        return _jsonld(description, base_iri)
    assert fmt.oxigraph_rdf is not None
    out = io.BytesIO()
    if fmt.supports_datasets:
        pyoxigraph.serialize(description.quads, out, fmt.oxigraph_rdf, prefixes=prefixes)
    else:
        kwargs: dict[str, Any] = {}
        if fmt.name in ("turtle", "rdfxml"):
            kwargs["prefixes"] = prefixes
        pyoxigraph.serialize(description.triples(), out, fmt.oxigraph_rdf, **kwargs)
    return out.getvalue()


def _jsonld(description: Description, base_iri: str) -> bytes:
    """Compact JSON-LD with our context: the named graphs are kept as ``@graph`` containers."""
    import rdflib

    out = io.BytesIO()
    pyoxigraph.serialize(description.quads, out, pyoxigraph.RdfFormat.N_QUADS)
    dataset = rdflib.Dataset()
    with warnings.catch_warnings():
        # rdflib 7 warns about its own Dataset.default_context while parsing N-Quads.
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(data=out.getvalue().decode(), format="nquads")
        context = bundled_context(base_iri)
        text = dataset.serialize(format="json-ld", context=context, auto_compact=True)
    document = json.loads(text)
    # Compacted with our context, then pointing at it by IRI (served at /def/context.jsonld, and
    # resolved offline by our own loader) rather than repeating it in every document.
    document["@context"] = f"{base_iri}{BUNDLED_CONTEXT_PATH}"
    return json.dumps(document, ensure_ascii=False, indent=1).encode()
