"""Who owns what a write touches: the countries of its subjects and graphs, for the writer's
scope checks, and what a token may read of drafts and history (``GraphWriter`` mixes this in).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pyoxigraph

from unpacs.loader.errors import (
    Issue,
)
from unpacs.loader.ingest.provenance import content_hash, describe_graph, sources_in
from unpacs.loader.settings import Settings
from unpacs.loader.stewards.scope import (
    COUNTRY_PREDICATES,
    SHARED,
    SHARED_GRAPHS,
    check_scope,
    country_of_iri,
    describe_owners,
    graph_country,
    graph_owners,
    is_shared_graph,
    refuse,
)
from unpacs.loader.stewards.tokens import ALL_COUNTRIES, Token
from unpacs.loader.store.protocol import SolutionsResult, Store
from unpacs.loader.vocab import RDF_TYPE


def _chunks(iris: Sequence[str], size: int = 400) -> list[str]:
    """``VALUES`` bodies of at most ``size`` IRIs each."""
    ordered = sorted(iris)
    return [
        " ".join(f"<{i}>" for i in ordered[start : start + size])
        for start in range(0, len(ordered), size)
    ]


def countries_in_ntriples(texts: Sequence[str], base_iri: str) -> set[str]:
    """Countries named (``dcterms:spatial``, ``schema:addressCountry``) in N-Triples texts."""
    predicates = "|".join(re.escape(p) for p in COUNTRY_PREDICATES)
    pattern = re.compile(
        rf"<(?:{predicates})> <{re.escape(base_iri)}id/country/([A-Z]{{3}})> \.$", re.MULTILINE
    )
    return {code for text in texts for code in pattern.findall(text)}


def touched_subjects(
    before: Sequence[pyoxigraph.Triple], after: Sequence[pyoxigraph.Triple], graph: str
) -> list[str]:
    """The named subjects of every statement added or removed (a blank node's: its owner's)."""
    old, new = set(before), set(after)
    parents: dict[object, set[object]] = {}
    for t in (*before, *after):
        if isinstance(t.object, pyoxigraph.BlankNode):
            parents.setdefault(t.object, set()).add(t.subject)
    found: set[str] = set()
    for t in old ^ new:
        frontier: list[object] = [t.subject]
        seen: set[object] = set()
        while frontier:
            node = frontier.pop()
            if node in seen:
                continue
            seen.add(node)
            if isinstance(node, pyoxigraph.NamedNode):
                found.add(node.value)
            else:
                frontier.extend(parents.get(node, ()))
    found.discard(graph)  # the graph's self-description is written by the server
    return sorted(found)


def redescribe(
    graph: str, triples: Sequence[pyoxigraph.Triple], file_name: str, data: bytes, base_iri: str
) -> list[pyoxigraph.Triple]:
    """The records plus a fresh self-description (an uploaded copy's old one is dropped)."""
    subject = pyoxigraph.NamedNode(graph)
    body = [t for t in triples if t.subject != subject]
    # Records without dcterms:source (the shapes, the ontology) keep the graph's stated source.
    sources = sources_in(body) or sources_in(t for t in triples if t.subject == subject)
    return body + describe_graph(
        graph,
        base_iri=base_iri,
        sources=sources,
        file_name=file_name,
        digest=content_hash(data),
        validated=True,
    )


class OwnershipChecks:
    """Scope checks of ``GraphWriter``, over its store and settings."""

    store: Store
    settings: Settings

    def scope(
        self,
        token: Token,
        graph: str,
        before: Sequence[pyoxigraph.Triple],
        after: Sequence[pyoxigraph.Triple],
    ) -> None:
        """Refuse unless ``token`` covers the graph and every subject the change touches."""
        if ALL_COUNTRIES in token.countries:
            return  # the operator: nothing to work out
        base = self.settings.base_iri
        owners = graph_owners(graph, before, after, base)
        touched = touched_subjects(before, after, graph)
        subjects = self.subject_countries(touched, after, graph, owners) if touched else {}
        check_scope(token, graph, owners, subjects, base)

    def _select(self, query: str) -> list[dict[str, str]]:
        result = self.store.query(query)
        assert isinstance(result, SolutionsResult)
        return [
            {k: str(getattr(v, "value", v)) for k, v in row.items() if v is not None}
            for row in result.rows()
        ]

    def _named_countries(
        self, iris: Sequence[str], after: Sequence[pyoxigraph.Triple]
    ) -> dict[str, set[str]]:
        """The countries each IRI is, or names in ``after`` or in any stored graph."""
        base = self.settings.base_iri
        found: dict[str, set[str]] = {i: set() for i in iris}
        for iri in iris:
            code = country_of_iri(iri, base)
            if code:
                found[iri].add(code)
        for t in after:
            subject, value = t.subject, t.object
            if not isinstance(subject, pyoxigraph.NamedNode) or subject.value not in found:
                continue
            if t.predicate.value in COUNTRY_PREDICATES and isinstance(value, pyoxigraph.NamedNode):
                code = country_of_iri(value.value, base)
                if code:
                    found[subject.value].add(code)
        predicates = " ".join(f"<{p}>" for p in COUNTRY_PREDICATES)
        for chunk in _chunks(iris):
            for row in self._select(
                f"SELECT DISTINCT ?s ?c WHERE {{ VALUES ?s {{ {chunk} }} "
                f"VALUES ?p {{ {predicates} }} GRAPH ?g {{ ?s ?p ?c }} }}"
            ):
                code = country_of_iri(row["c"], base)
                if code:
                    found[row["s"]].add(code)
        return found

    def _graph_owners(self, graph: str, cache: dict[str, set[str]]) -> set[str]:
        if graph not in cache:
            base = self.settings.base_iri
            own = graph_country(graph, base)
            if own:
                cache[graph] = {own}
            elif is_shared_graph(graph, base):
                cache[graph] = {SHARED}
            else:
                predicates = " ".join(f"<{p}>" for p in COUNTRY_PREDICATES)
                rows = self._select(
                    f"SELECT DISTINCT ?c WHERE {{ VALUES ?p {{ {predicates} }} "
                    f"GRAPH <{graph}> {{ ?x ?p ?c }} }}"
                )
                codes = {country_of_iri(r["c"], base) for r in rows} - {None}
                cache[graph] = {c for c in codes if c} or {SHARED}
        return cache[graph]

    def subject_countries(
        self,
        subjects: Sequence[str],
        after: Sequence[pyoxigraph.Triple],
        graph: str,
        owners: set[str],
    ) -> dict[str, set[str]]:
        """Each subject's countries: its own, else its links', else its graphs', else ``owners``."""
        found = self._named_countries(subjects, after)
        pending = [s for s in subjects if not found[s]]
        # Records that name no country (a post, a person) are the countries of what they link to.
        links: dict[str, set[str]] = {s: set() for s in pending}
        for t in after:
            subject, value = t.subject, t.object
            if not isinstance(subject, pyoxigraph.NamedNode) or subject.value not in links:
                continue
            if isinstance(value, pyoxigraph.NamedNode) and t.predicate.value != RDF_TYPE:
                if value.value != graph:
                    links[subject.value].add(value.value)
        for chunk in _chunks(pending):
            for row in self._select(
                f"SELECT DISTINCT ?s ?o WHERE {{ VALUES ?s {{ {chunk} }} GRAPH ?g {{ ?s ?p ?o }} "
                f"FILTER(isIRI(?o) && ?p != <{RDF_TYPE}> && ?o != <{graph}>) }}"
            ):
                links[row["s"]].add(row["o"])
        targets = sorted(set().union(*links.values())) if links else []
        target_countries = self._named_countries(targets, after) if targets else {}
        for s in pending:
            for o in links[s]:
                found[s] |= target_countries.get(o, set())
        pending = [s for s in pending if not found[s]]
        # Else the graphs that hold it; a concept held only by a shared graph is shared.
        cache: dict[str, set[str]] = {}
        for chunk in _chunks(pending):
            for row in self._select(
                f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ {chunk} }} GRAPH ?g {{ ?s ?p ?o }} "
                f"FILTER(?g != <{graph}>) }}"
            ):
                found[row["s"]] |= self._graph_owners(row["g"], cache)
        for s in pending:
            if not found[s]:
                found[s] = set(owners)
        return found

    # -- commits -------------------------------------------------------------------------
    def check_readable(
        self, token: Token, graph: str, texts: Sequence[str], cache: dict[str, set[str]]
    ) -> None:
        """Refuse a token a draft or commit of a graph outside its countries (or a shared one).

        The graph's countries: its IRI's, else those its stored records and the draft's or
        commit's N-Triples (``texts``) name; none means shared (operator only).
        """
        if ALL_COUNTRIES in token.countries:
            return
        base = self.settings.base_iri
        own = graph_country(graph, base)
        owners: set[str] = {own} if own else set()
        if not owners and is_shared_graph(graph, base):
            owners = {SHARED}
        if not owners:
            owners = countries_in_ntriples(texts, base) | (
                self._graph_owners(graph, cache) - {SHARED}
            )
        owners = owners or {SHARED}
        outside = sorted(o for o in owners if o == SHARED or not token.covers(o))
        if outside:
            raise refuse(
                token,
                f"graph {graph} belongs to {describe_owners(set(outside))}: token "
                f"{token.label!r} reads drafts and history of {', '.join(token.countries)} only",
            )

    def gate_notes(self, graphs: Mapping[str, Sequence[pyoxigraph.Triple]]) -> list[Issue]:
        """Say so when an (operator's) write changes the stored shapes or ontology.

        The gate never reads them from the store: every write is validated with the shapes in
        ``Settings.shapes_dir``, so a change of ``graph/shapes`` cannot weaken the check it passes.
        """
        notes = []
        for graph in graphs:
            path = graph.removeprefix(self.settings.base_iri)
            if graph != path and path in SHARED_GRAPHS:
                notes.append(
                    Issue(
                        f"{graph} changed in the store; writes are still validated with the shapes "
                        f"in {self.settings.shapes_dir.name}/ that the server started with, which "
                        "this change does not alter (this write too was checked with them)",
                        severity="Warning",
                        focus_node=graph,
                        hint="change the shape files and rebuild (unpacs build) to change the gate",
                    )
                )
        return notes
