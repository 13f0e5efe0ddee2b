"""Who may write which graph: a token's actions and countries against a graph's records.

Country scope: a graph belongs to country C when its IRI is ``{base}graph/country/C`` or under
``{base}graph/country/C/``, and the countries named by its records (``dcterms:spatial``,
``schema:addressCountry`` pointing at ``{base}id/country/…``) in the stored and in the new
content, and those that other graphs give the records it describes, are all C. A graph that
names no country and is not under ``graph/country/`` belongs to no steward (only a token for
``*`` may write it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyoxigraph

from unpacs.loader.errors import InputError, OutOfScopeError
from unpacs.loader.stewards.tokens import ALL_COUNTRIES, Token
from unpacs.loader.store.oxigraph import STAGING_PREFIX

COUNTRY_PREDICATES = ("http://purl.org/dc/terms/spatial", "http://schema.org/addressCountry")


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


def check_graph_iri(graph: str) -> None:
    if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", graph) or graph.startswith(STAGING_PREFIX):
        raise InputError(f"{graph!r} is not a graph IRI (an absolute http(s) IRI)", field="graph")


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


def check_scope(
    token: Token,
    graph: str,
    before: Sequence[pyoxigraph.Triple],
    after: Sequence[pyoxigraph.Triple],
    base_iri: str,
    stored: set[str] | None = None,
) -> None:
    """Refuse unless ``token`` covers every country of the graph (see the module docstring).

    ``stored``: countries that other graphs give the records the new content describes (a PHL
    token must not add statements about a Kenyan institution, wherever it puts them).
    """
    if ALL_COUNTRIES in token.countries:
        return
    needed = countries_named(before, base_iri) | countries_named(after, base_iri)
    needed |= stored or set()
    own = graph_country(graph, base_iri)
    if own:
        needed.add(own)
    if not needed:
        raise refuse(
            token,
            f"graph {graph} names no country; a steward writes graphs of its country "
            f"({base_iri}graph/country/{{ISO3}}/…) or graphs whose records name it",
        )
    outside = sorted(c for c in needed if not token.covers(c))
    if outside:
        raise refuse(
            token,
            f"graph {graph} holds records of {', '.join(outside)}, which token "
            f"{token.label!r} does not cover",
        )
