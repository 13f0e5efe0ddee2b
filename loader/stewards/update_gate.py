"""SPARQL 1.1 Update through the SHACL gate: applied to a copy, validated, committed once.

The update is parsed (rdflib's update algebra) to find the graphs it writes; it must name them
(``GRAPH <g>``, ``WITH <g>``, ``CLEAR GRAPH <g>`` …): the default graph is the read-only union
of all graphs, so writing to it, ``GRAPH ?g`` templates, ``ALL``/``NAMED``/``DEFAULT`` targets,
``GRAPH ?g`` in a WHERE clause, ``LOAD`` and ``SERVICE`` are refused. Those graphs (and the
graphs the update reads by name: ``GRAPH <g>`` / ``USING <g>`` in its patterns, the source of
``ADD``/``COPY``/``MOVE``) are copied
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
from unpacs.loader.stewards.history import to_ntriples
from unpacs.loader.stewards.tokens import Token
from unpacs.loader.stewards.writer import GraphWriter, WriteResult, redescribe, require_action

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


def _read_graphs(node: object, found: set[str]) -> set[str]:
    """Graphs a WHERE pattern reads by name (``GRAPH <g>``); ``GRAPH ?g`` is refused."""
    if isinstance(node, CompValue):
        if node.name == "Graph":
            found.add(_graph(node["term"], "the WHERE clause"))
        for value in node.values():
            _read_graphs(value, found)
    elif isinstance(node, list | tuple):
        for value in node:
            _read_graphs(value, found)
    return found


def _reads_union(node: object, inside_graph: bool = False) -> bool:
    """Whether a WHERE pattern matches triples outside ``GRAPH`` (the union default graph)."""
    if isinstance(node, CompValue):
        if node.name == "Graph":
            return False
        if node.name == "BGP" and node.get("triples") and not inside_graph:
            return True
        return any(_reads_union(v, inside_graph) for v in node.values())
    if isinstance(node, list | tuple):
        return any(_reads_union(v, inside_graph) for v in node)
    return False


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
    if not hasattr(parsed, "algebra"):  # rdflib gives [] for an update with no operation
        raise QueryError("the SPARQL update has no operation: send INSERT, DELETE, DROP, …")
    written: set[str] = set()
    read: set[str] = set()
    for op in parsed.algebra:
        name = op.name
        if name == "Load":
            raise _refuse("LOAD is not allowed: the server fetches nothing")
        if name in ("InsertData", "DeleteData"):
            written |= _quads_graphs(op, None, name)
        elif name == "DeleteWhere":
            written |= _quads_graphs(op, None, name)
            read |= written
        elif name == "Modify":
            # CompValue.get returns the key itself for a missing key: test membership instead.
            with_graph = str(op["withClause"]) if "withClause" in op else None
            for part in ("delete", "insert"):
                if part in op:
                    written |= _quads_graphs(op[part], with_graph, part.upper())
            if "where" in op:
                _read_graphs(op["where"], read)
                if with_graph is None and "using" not in op and _reads_union(op["where"]):
                    raise _refuse(
                        "the WHERE clause reads the default graph (the union of all graphs): "
                        "say which graph it reads with WITH <g>, USING <g> or GRAPH <g> { … }"
                    )
            if "using" in op:
                _read_graphs(op["using"], read)
                read.update(str(t) for t in _terms(op["using"]))
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
    return written, read - written


def _terms(node: object) -> list[URIRef]:
    if isinstance(node, URIRef):
        return [node]
    if isinstance(node, CompValue):
        return [t for v in node.values() for t in _terms(v)]
    if isinstance(node, list | tuple):
        return [t for v in node for t in _terms(v)]
    return []


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
