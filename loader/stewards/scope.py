"""Who may write which graph: a token's actions and countries against a graph and its records.

A graph's owner: ``{base}graph/country/C`` (or under ``…/C/``) belongs to C. The shared graphs
(``graph/shapes``, ``graph/ontology``, ``graph/reference/…``) belong to nobody, whatever they
hold. Any other graph belongs to the countries its stored records name (``dcterms:spatial``,
``schema:addressCountry`` pointing at ``{base}id/country/…``), or, when it does not exist yet,
those its new content names; naming none makes it shared too (seed concepts, vocabularies).
Only an operator token (countries ``*``) writes a shared graph.

Every subject a write touches (adds or removes a statement about) has countries of its own, and
the token must cover them all, wherever the statements go: ``id/country/X`` is X's; a record is
the countries it names (in the new content or anywhere in the store); a record naming none (a
post, a person) is the countries of the records it links to, else of the graphs that hold it,
else of the graph written. A subject held only by shared graphs (a concept) is shared.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyoxigraph

from unpacs.loader.errors import InputError, OutOfScopeError
from unpacs.loader.stewards.tokens import ALL_COUNTRIES, Token
from unpacs.loader.store.oxigraph import STAGING_PREFIX

COUNTRY_PREDICATES = ("http://purl.org/dc/terms/spatial", "http://schema.org/addressCountry")
SHARED_GRAPHS = ("graph/shapes", "graph/ontology")
SHARED_PREFIXES = ("graph/reference/",)
SHARED = "shared"  # the owner of a shared graph or subject, beside ISO codes


def refuse(token: Token, message: str) -> OutOfScopeError:
    error = OutOfScopeError(
        message,
        hint=f"token {token.label!r} may {', '.join(token.actions)} for "
        f"{', '.join(token.countries)}",
    )
    error.may = token.describe()
    return error


def require_action(token: Token, action: str) -> None:
    if not token.may(action):
        raise refuse(token, f"token {token.label!r} may not {action}")


# A dot-segment ("/../", "/./") or an encoded slash or dot in a graph's path: the IRI is another
# graph than the one it reads as after normalisation (``graph/country/KEN/../../shapes``), so
# the owner its prefix names is not the owner a reader or a proxy may resolve it to.
_NOT_NORMAL = re.compile(r"/\.{1,2}(?:/|$|[?#])|%2[fFeE]")


def check_graph_iri(graph: str) -> None:
    if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", graph) or graph.startswith(STAGING_PREFIX):
        raise InputError(f"{graph!r} is not a graph IRI (an absolute http(s) IRI)", field="graph")
    if _NOT_NORMAL.search(graph.split("://", 1)[1]):
        raise InputError(
            f"{graph!r} is not in normal form: it holds a '.' or '..' segment or an encoded "
            "'/' or '.'",
            field="graph",
            hint="name the graph without dot-segments, e.g. {base}graph/country/KEN/institutions",
        )


def countries_named(triples: Sequence[pyoxigraph.Triple], base_iri: str) -> set[str]:
    prefix = base_iri + "id/country/"
    found = set()
    for t in triples:
        if t.predicate.value in COUNTRY_PREDICATES and isinstance(t.object, pyoxigraph.NamedNode):
            code = t.object.value.removeprefix(prefix)
            if t.object.value.startswith(prefix) and re.fullmatch(r"[A-Z]{3}", code):
                found.add(code)
    return found


def graph_country(graph: str, base_iri: str) -> str | None:
    match = re.fullmatch(re.escape(base_iri + "graph/country/") + r"([A-Z]{3})(/.*)?", graph)
    return match.group(1) if match else None


def country_of_iri(iri: str, base_iri: str) -> str | None:
    code = iri.removeprefix(base_iri + "id/country/")
    return code if code != iri and re.fullmatch(r"[A-Z]{3}", code) else None


def is_shared_graph(graph: str, base_iri: str) -> bool:
    path = graph.removeprefix(base_iri)
    return path != graph and (path in SHARED_GRAPHS or path.startswith(SHARED_PREFIXES))


def graph_owners(
    graph: str,
    before: Sequence[pyoxigraph.Triple],
    after: Sequence[pyoxigraph.Triple],
    base_iri: str,
) -> set[str]:
    """The countries a graph belongs to, or ``{SHARED}`` (see the module docstring)."""
    own = graph_country(graph, base_iri)
    if own:
        return {own}
    if is_shared_graph(graph, base_iri):
        return {SHARED}
    named = countries_named(before if before else after, base_iri)
    return named or {SHARED}


def describe_owners(owners: set[str]) -> str:
    countries = sorted(owners - {SHARED})
    parts = [", ".join(countries)] if countries else []
    if SHARED in owners:
        parts.append("shared (operator only)")
    return " and ".join(parts)


def check_scope(
    token: Token,
    graph: str,
    owners: set[str],
    subjects: dict[str, set[str]],
    base_iri: str,
) -> None:
    """Refuse unless ``token`` covers the graph's ``owners`` and every touched subject's."""
    if ALL_COUNTRIES in token.countries:
        return
    if SHARED in owners:
        reserved = is_shared_graph(graph, base_iri)
        why = (
            "is shared by every country (shapes, ontology or reference data)"
            if reserved
            else f"names no country and is not under {base_iri}graph/country/, so it is shared"
        )
        raise refuse(
            token,
            f"graph {graph} {why}: only the operator (a token for *) writes it; token "
            f"{token.label!r} writes graphs of {', '.join(token.countries)} "
            f"({base_iri}graph/country/{{ISO3}}/… or graphs whose records name it)",
        )
    outside = sorted(c for c in owners if not token.covers(c))
    if outside:
        raise refuse(
            token,
            f"graph {graph} holds records of {', '.join(outside)}, which token "
            f"{token.label!r} does not cover",
        )
    for subject, countries in sorted(subjects.items()):
        if SHARED in countries or any(not token.covers(c) for c in countries):
            owner = (
                "a shared record (only the operator changes it)"
                if countries == {SHARED}
                else f"a record of {describe_owners(countries)}"
            )
            error = refuse(
                token,
                f"the write changes statements about {subject}, {owner}, which token "
                f"{token.label!r} does not cover; nothing was written",
            )
            error.subject = subject
            raise error
