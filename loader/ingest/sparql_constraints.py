"""Which focus nodes a SHACL-SPARQL constraint may flag, found by pyoxigraph in milliseconds.

pySHACL evaluates a SPARQL constraint with rdflib's SPARQL engine, about 10 s for the bundled
data, and pyshacl-turbo misses solutions of some of ours (a variable predicate inside
``FILTER NOT EXISTS``). pyoxigraph evaluates each constraint once per target node, with ``$this``
substituted as SHACL-SPARQL pre-binds it; the nodes that get a solution are handed to pySHACL,
which alone decides and writes the results. A node pyoxigraph flags in error costs a pySHACL
evaluation; one it missed would be a lost result, which ``tests/test_shacl_engines.py`` looks for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph
from rdflib import RDF, RDFS, SH, Graph, Literal, Node, URIRef
from rdflib.term import BNode

from unpacs.loader.errors import ConfigError

_THIS = pyoxigraph.Variable("this")
_CURRENT_SHAPE = pyoxigraph.Variable("currentShape")


def to_oxigraph(node: Node) -> pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal:
    if isinstance(node, URIRef):
        return pyoxigraph.NamedNode(str(node))
    if isinstance(node, BNode):
        return pyoxigraph.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return pyoxigraph.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return pyoxigraph.Literal(str(node), datatype=pyoxigraph.NamedNode(node.datatype))
        return pyoxigraph.Literal(str(node))
    raise TypeError(f"not an RDF term: {node!r}")


def _store(data: Graph) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.extend(
        pyoxigraph.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
        for s, p, o in data
    )
    return store


def flagged_nodes(data: Graph, shapes: Graph) -> set[tuple[Node, Node]]:
    """(shape, focus node) for each target node on which one of the shape's SPARQL constraints
    has a solution. A constraint pyoxigraph cannot evaluate as pySHACL would (``$shapesGraph``,
    a query that does not parse) flags every target node of its shape, so nothing is lost."""
    store: pyoxigraph.Store | None = None
    flagged: set[tuple[Node, Node]] = set()
    for shape in sorted(set(shapes.subjects(SH.sparql, None)), key=str):
        if (shape, SH.deactivated, Literal(True)) in shapes:
            continue
        targets = sorted(set(target_nodes(data, shapes, shape)), key=str)
        if not targets:
            continue
        if store is None:
            store = _store(data)
        for constraint in shapes.objects(shape, SH.sparql):
            query = _query_text(shapes, constraint)
            for focus in targets:
                if (shape, focus) in flagged:
                    continue
                if query is None or _has_solution(store, query, shape, focus):
                    flagged.add((shape, focus))
    return flagged


def _has_solution(store: pyoxigraph.Store, query: str, shape: Node, focus: Node) -> bool:
    substitutions: dict[
        pyoxigraph.Variable,
        pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple,
    ] = {_THIS: to_oxigraph(focus)}
    if "currentShape" in query:
        substitutions[_CURRENT_SHAPE] = to_oxigraph(shape)
    try:
        solutions = store.query(query, substitutions=substitutions)
        if not isinstance(solutions, pyoxigraph.QuerySolutions):
            return True  # not a SELECT: pySHACL decides
        return next(iter(solutions), None) is not None
    except (SyntaxError, OSError, RuntimeError, TypeError):
        # pyoxigraph substitutes only projected variables: pySHACL decides such a node.
        return True


def _query_text(shapes: Graph, constraint: Node) -> str | None:
    select = shapes.value(constraint, SH.select)
    if select is None or "$shapesGraph" in str(select):
        return None
    prefixes = "".join(
        f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in _declared(shapes, constraint)
    )
    return prefixes + str(select)


def _declared(shapes: Graph, constraint: Node) -> Iterator[tuple[str, str]]:
    for declarations in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(declarations, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                yield str(prefix), str(namespace)


def target_nodes(data: Graph, shapes: Graph, shape: Node) -> Iterable[Node]:
    """The focus nodes of ``shape`` in ``data`` (SHACL 2.1.3: node, class, implicit class,
    subjects-of and objects-of targets)."""
    if (shape, SH.target, None) in shapes:
        raise ConfigError(
            f"the SPARQL-based target (sh:target) of {shape} is not supported by the turbo engine",
            hint="use a core target (sh:targetClass, sh:targetNode, sh:targetSubjectsOf, "
            "sh:targetObjectsOf), or set UNPACS_SHACL_ENGINE=pyshacl",
        )
    return _targets(data, shapes, shape)


def _targets(data: Graph, shapes: Graph, shape: Node) -> Iterator[Node]:
    yield from shapes.objects(shape, SH.targetNode)
    classes = list(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in shapes:
        classes.append(shape)
    for cls in classes:
        for subclass in data.transitive_subjects(RDFS.subClassOf, cls):
            yield from data.subjects(RDF.type, subclass)
    for predicate in shapes.objects(shape, SH.targetSubjectsOf):
        yield from data.subjects(predicate, None)
    for predicate in shapes.objects(shape, SH.targetObjectsOf):
        yield from data.objects(None, predicate)
