"""What stewards need to reason about graphs: where each came from, which records it holds.

Every named graph describes itself (``loader.ingest.provenance``); these functions read that
description back and check a load or a removal against the rest of the store before anything
is written, so each refusal leaves the store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph

from unpacs.loader.errors import InputError, Issue
from unpacs.loader.store.oxigraph import STAGING_PREFIX
from unpacs.loader.store.protocol import SolutionsResult, Store
from unpacs.loader.uris import vocab
from unpacs.loader.vocab import RDF_TYPE_NODE

_CHUNK = 400


def _values(iris: Iterable[str]) -> list[str]:
    """``VALUES`` bodies of at most ``_CHUNK`` IRIs each."""
    ordered = sorted(set(iris))
    return [
        " ".join(f"<{i}>" for i in ordered[start : start + _CHUNK])
        for start in range(0, len(ordered), _CHUNK)
    ]


def stored_source_files(store: Store, graphs: Iterable[str], base_iri: str) -> dict[str, str]:
    """Graph IRI -> the ``unpacs:sourceFile`` its stored description names (when it has one)."""
    found: dict[str, str] = {}
    source_file = f"<{vocab(base_iri)}sourceFile>"
    for values in _values(graphs):
        result = store.query(
            f"SELECT ?g ?file WHERE {{ VALUES ?g {{ {values} }} "
            f"GRAPH ?g {{ ?g {source_file} ?file }} }}"
        )
        assert isinstance(result, SolutionsResult)
        for row in result.rows():
            found[row["g"].value] = row["file"].value  # type: ignore[union-attr]
    return found


# -- loads: which graph a file replaces, which graph already holds a record -------------------


@dataclass
class LoadPlan:
    """What a load changes besides its own graphs, decided before anything is written."""

    # Other graphs that lose the statements of records this load moves (``--replace``).
    trimmed: dict[str, list[pyoxigraph.Triple]] = field(default_factory=dict)
    # Other graphs left with nothing but their own description once their records moved.
    emptied: list[str] = field(default_factory=list)
    moved: dict[str, list[str]] = field(default_factory=dict)  # from graph -> records
    warnings: list[Issue] = field(default_factory=list)


def staged_file(graph: str, triples: Iterable[pyoxigraph.Triple], base_iri: str) -> str | None:
    subject = pyoxigraph.NamedNode(graph)
    predicate = pyoxigraph.NamedNode(vocab(base_iri) + "sourceFile")
    for t in triples:
        if t.subject == subject and t.predicate == predicate:
            return str(t.object.value)  # type: ignore[union-attr]
    return None


def typed_records(graphs: Mapping[str, Sequence[pyoxigraph.Triple]]) -> dict[str, str]:
    """Record IRI -> staged graph, for every IRI subject with an ``rdf:type`` (not graph IRIs)."""
    found: dict[str, str] = {}
    for graph, triples in graphs.items():
        for t in triples:
            if (
                t.predicate == RDF_TYPE_NODE
                and isinstance(t.subject, pyoxigraph.NamedNode)
                and t.subject.value not in graphs
            ):
                found.setdefault(t.subject.value, graph)
    return found


def _path_conflicts(
    store: Store,
    graphs: Mapping[str, Sequence[pyoxigraph.Triple]],
    chosen: Iterable[str],
    base_iri: str,
) -> list[Issue]:
    """Graphs this load would replace that were first loaded from another file."""
    derived = [g for g in graphs if g not in set(chosen)]
    stored = set(store.graph_names())
    existing = [g for g in derived if g in stored]
    files = stored_source_files(store, existing, base_iri)
    issues = []
    for graph in existing:
        new_file = staged_file(graph, graphs[graph], base_iri)
        old_file = files.get(graph)
        if old_file is None or old_file != new_file:
            issues.append(
                Issue(
                    f"graph {graph} was loaded from {old_file or '(no recorded file)'}, "
                    f"not from {new_file}; loading would replace it",
                    severity="Error",
                    file=new_file,
                    hint=f"to replace it, load with --graph {graph} or --replace; "
                    "to keep it, load into another graph with --graph IRI",
                )
            )
    return issues


def records_elsewhere(
    store: Store, records: Iterable[str], exclude: Iterable[str]
) -> list[tuple[str, str]]:
    """(record, graph) for every stored graph outside ``exclude`` with statements about it."""
    excluded = set(exclude)
    found: set[tuple[str, str]] = set()
    for values in _values(records):
        result = store.query(
            f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        )
        assert isinstance(result, SolutionsResult)
        for row in result.rows():
            graph = row["g"].value  # type: ignore[union-attr]
            if graph not in excluded and not graph.startswith(STAGING_PREFIX):
                found.add((row["s"].value, graph))  # type: ignore[union-attr]
    return sorted(found)


def without_records(
    store: Store, graph: str, records: Iterable[str]
) -> tuple[list[pyoxigraph.Triple], list[pyoxigraph.Triple]]:
    """``graph``'s stored triples split into (kept, removed): the records' statements and the
    blank nodes they describe (contact points, addresses) leave together."""
    triples = [
        pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph=graph)
    ]
    leaving: set[pyoxigraph.NamedNode | pyoxigraph.BlankNode] = {
        pyoxigraph.NamedNode(r) for r in records
    }
    removed: list[pyoxigraph.Triple] = []
    pending = triples
    while True:
        kept, grew = [], False
        for t in pending:
            if t.subject in leaving:
                removed.append(t)
                if isinstance(t.object, pyoxigraph.BlankNode) and t.object not in leaving:
                    leaving.add(t.object)
                    grew = True
            else:
                kept.append(t)
        pending = kept
        if not grew:
            return kept, removed


def plan_load(
    store: Store,
    graphs: Mapping[str, Sequence[pyoxigraph.Triple]],
    *,
    base_iri: str,
    chosen: Iterable[str] = (),
    replace: bool = False,
    warn_only: bool = False,
    dropping: Iterable[str] = (),
) -> LoadPlan:
    """Check a staged load against the stored graphs; raises ``InputError`` when refused.

    Refused (unless ``replace``): replacing a graph first loaded from another file, and records
    that another stored graph already describes. With ``replace`` those records' statements
    leave the other graph in the same commit. ``warn_only`` (``build``, which owns its graphs
    and must leave stewards' graphs alone) turns records held elsewhere into warnings.
    """
    plan = LoadPlan()
    records = typed_records(graphs)
    held = records_elsewhere(store, records, [*graphs, *dropping])
    if warn_only:
        files = stored_source_files(store, {g for _r, g in held}, base_iri)
        plan.warnings = [
            Issue(
                f"record {r} is also described in graph {g} ({files.get(g, 'no recorded file')})",
                severity="Warning",
                focus_node=r,
            )
            for r, g in held
        ]
        return plan
    if not replace:
        issues = _path_conflicts(store, graphs, chosen, base_iri)
        if held:
            files = stored_source_files(store, {g for _r, g in held}, base_iri)
            issues += [
                Issue(
                    f"record {r} is already described in graph {g} "
                    f"(loaded from {files.get(g, '(no recorded file)')})",
                    severity="Error",
                    file=staged_file(records[r], graphs[records[r]], base_iri),
                    focus_node=r,
                    hint=f"load into that graph with --graph {g}, or pass --replace to move "
                    f"the record here (its statements leave {g} in the same transaction)",
                )
                for r, g in held
            ]
        if issues:
            raise InputError(
                f"{len(issues)} conflict(s) with stored graphs; nothing was loaded",
                issues=issues,
            )
        return plan
    by_graph: dict[str, list[str]] = {}
    for record, graph in held:
        by_graph.setdefault(graph, []).append(record)
    for graph, moving in by_graph.items():
        kept, _removed = without_records(store, graph, moving)
        plan.moved[graph] = moving
        if all(t.subject == pyoxigraph.NamedNode(graph) for t in kept):
            plan.emptied.append(graph)
        else:
            plan.trimmed[graph] = kept
    return plan


# -- delete ---------------------------------------------------------------------------------


def dangling_references(store: Store, graphs: Sequence[str]) -> list[tuple[str, str, str]]:
    """(referencing record, its graph, target) for stored statements outside ``graphs`` that
    point at records only ``graphs`` define (type), as removing ``graphs`` would leave them."""
    listed = ", ".join(f"<{g}>" for g in graphs)
    result = store.query(
        f"""SELECT DISTINCT ?target ?ref ?owner ?rg WHERE {{
            VALUES ?dg {{ {" ".join(f"<{g}>" for g in graphs)} }}
            GRAPH ?dg {{ ?target a ?type }}
            FILTER(isIRI(?target) && ?target NOT IN ({listed}))
            FILTER NOT EXISTS {{ GRAPH ?og {{ ?target a ?other }} FILTER(?og NOT IN ({listed})) }}
            GRAPH ?rg {{ ?ref ?p ?target }}
            FILTER(?rg NOT IN ({listed}))
            OPTIONAL {{ FILTER(isBlank(?ref)) GRAPH ?rg {{ ?owner ?q ?ref }} }}
        }}"""
    )
    assert isinstance(result, SolutionsResult)
    found = set()
    for row in result.rows():
        graph = row["rg"].value  # type: ignore[union-attr]
        if graph.startswith(STAGING_PREFIX):
            continue
        ref = row.get("owner") or row["ref"]
        shown = ref.value if isinstance(ref, pyoxigraph.NamedNode) else str(ref)
        found.add((shown, graph, row["target"].value))  # type: ignore[union-attr]
    return sorted(found)


def delete_graphs(store: Store, graphs: Sequence[str], *, force: bool = False) -> dict[str, int]:
    """Remove ``graphs`` in one transaction; returns graph -> triples removed.

    Refused (``InputError``, nothing written) for a graph the store does not hold, and, unless
    ``force``, when records in other graphs point at records only these graphs define.
    """
    wanted = list(dict.fromkeys(graphs))
    if not wanted:
        raise InputError("name at least one graph to delete", hint="--graph IRI (repeatable)")
    stored = set(store.graph_names())
    unknown = [g for g in wanted if g not in stored]
    if unknown:
        raise InputError(
            f"no graph {unknown[0]} in the store; nothing was deleted",
            hint="`unpacs stats` lists the stored graphs",
        )
    if not force:
        dangling = dangling_references(store, wanted)
        if dangling:
            raise InputError(
                f"{len(dangling)} stored statement(s) in other graphs point at records only "
                f"{', '.join(wanted)} define(s); nothing was deleted",
                issues=[
                    Issue(
                        f"{ref} (graph {graph}) points at {target}",
                        severity="Error",
                        file=graph,
                        focus_node=ref,
                    )
                    for ref, graph, target in dangling
                ],
                hint="change or delete those records first, delete their graphs in the same "
                "command, or pass --force to leave the links dangling",
            )
    counts = {g: _triples_in(store, g) for g in wanted}
    store.replace_graphs({}, drop=wanted)
    return counts


def _triples_in(store: Store, graph: str) -> int:
    result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert isinstance(result, SolutionsResult)
    return int(result.rows()[0]["n"].value)  # type: ignore[union-attr]
