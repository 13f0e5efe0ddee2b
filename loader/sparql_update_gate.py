"""SPARQL 1.1 Update through the SHACL gate: applied to a copy, validated, committed once.

The update is parsed (rdflib's update algebra) to find the graphs it writes; it must name them
(``GRAPH <g>``, ``WITH <g>``, ``CLEAR GRAPH <g>`` …): the default graph is the read-only union
of all graphs, so writing to it, ``GRAPH ?g`` templates, ``ALL``/``NAMED``/``DEFAULT`` targets,
``LOAD`` and ``SERVICE`` are refused. Those graphs (and the graphs the update reads by name:
``GRAPH <g>`` / ``USING <g>`` in its patterns, the source of ``ADD``/``COPY``/``MOVE``) are copied
into an in-memory pyoxigraph store, the update runs there, and each changed graph's new content
goes through ``GraphWriter.commit`` (scope, SHACL with the stored records it refers to, one
transaction, history) with a fresh self-description. A refusal changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph
from pyparsing import ParseException
from rdflib import URIRef, Variable
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from unpacs.loader.errors import QueryError, QueryRefusedError
from unpacs.loader.graph_writes import GraphWriter, WriteResult, redescribe, require_action
from unpacs.loader.history import to_ntriples
from unpacs.loader.tokens import Token

NAMED_READ = re.compile(r"(?:GRAPH|USING(?:\s+NAMED)?|WITH)\s*<([^<>\s]+)>", re.IGNORECASE)
SOURCE_FILE = "SPARQL Update"


def _refuse(message: str) -> QueryRefusedError:
    return QueryRefusedError(
        message, hint="name every graph the update writes, e.g. WITH <…/graph/…> DELETE … INSERT …"
    )


def _graph(term: object, what: str) -> str:
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, Variable):
        raise _refuse(f"{what} uses GRAPH ?{term}: name the graphs it writes")
    raise _refuse(f"{what} writes {term}: only named graphs can be updated")


def _quads_graphs(clause: object, with_graph: str | None, what: str) -> set[str]:
    if not isinstance(clause, CompValue):
        return set()  # no DELETE or INSERT part
    found = {_graph(g, what) for g, triples in (clause.get("quads") or {}).items() if triples}
    if clause.get("triples"):
        if with_graph is None:
            raise _refuse(f"{what} writes to the default graph, which is the union of all graphs")
        found.add(with_graph)
    return found


def written_graphs(update: str, base_iri: str) -> tuple[set[str], set[str]]:
    """(graphs written, graphs read by name besides them) of ``update``."""
    if re.search(r"\bSERVICE\b", update, re.IGNORECASE):
        raise _refuse("SERVICE is not allowed in updates: the server fetches nothing")
    try:
        parsed = translateUpdate(parseUpdate(update), base=base_iri)
    except ParseException as error:
        raise QueryError(
            f"SPARQL update syntax error: {error.msg}", line=error.lineno, column=error.col
        ) from None
    except Exception as error:  # rdflib raises plain exceptions for semantic errors
        raise QueryError(f"SPARQL update cannot be read: {error}") from None
    written: set[str] = set()
    read: set[str] = set()
    for op in parsed.algebra:
        name = op.name
        if name == "Load":
            raise _refuse("LOAD is not allowed: the server fetches nothing")
        if name in ("InsertData", "DeleteData", "DeleteWhere"):
            written |= _quads_graphs(op, None, name)
        elif name == "Modify":
            with_graph = str(op["withClause"]) if op.get("withClause") is not None else None
            written |= _quads_graphs(op.get("delete"), with_graph, "DELETE")
            written |= _quads_graphs(op.get("insert"), with_graph, "INSERT")
        elif name in ("Clear", "Drop", "Create"):
            written.add(_graph(op["graphiri"], name.upper()))
        elif name in ("Add", "Copy", "Move"):
            source, target = (_graph(g, name.upper()) for g in op["graph"])
            read.add(source)
            written.add(target)
            if name == "Move":
                written.add(source)
        else:
            raise _refuse(f"{name} is not supported")
    read |= set(NAMED_READ.findall(update))
    return written, read - written


def _copy(writer: GraphWriter, graphs: Iterable[str]) -> pyoxigraph.Store:
    memory = pyoxigraph.Store()
    for graph in graphs:
        memory.extend(writer.store.quads(graph=graph))
    return memory


def apply_update(
    writer: GraphWriter, token: Token, update: str, comment: str | None
) -> WriteResult:
    """Run ``update`` through the gate; raises (writing nothing) on any refusal."""
    require_action(token, "update")
    base_iri = writer.settings.base_iri
    written, read = written_graphs(update, base_iri)
    if not written:
        return WriteResult()
    with writer.lock:  # from the copy to the commit: no write slips in between
        memory = _copy(writer, written | read)
        try:
            memory.update(update, base_iri=base_iri)
        except (SyntaxError, ValueError, OSError) as error:
            raise QueryError(f"update failed: {error}") from None
        changed: dict[str, list[pyoxigraph.Triple]] = {}
        for graph in sorted(written):
            name = pyoxigraph.NamedNode(graph)
            after = [
                pyoxigraph.Triple(q.subject, q.predicate, q.object)
                for q in memory.quads_for_pattern(None, None, None, name)
            ]
            if to_ntriples(after) == to_ntriples(writer.current(graph)):
                continue
            changed[graph] = (
                redescribe(graph, after, SOURCE_FILE, update.encode("utf-8"), base_iri)
                if after
                else []
            )
        if not changed:
            return WriteResult()
        return writer.commit(
            token, changed, action="sparql update", source_file=SOURCE_FILE, comment=comment
        )
