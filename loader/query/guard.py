"""The query policy, checked on the text of a query BEFORE any SPARQL parser sees it.

Why before parsing: pyoxigraph's parser segfaults on 20,000 nested parentheses, and pyoxigraph
(like most engines) contacts any ``SERVICE`` address it is given. So a small lexer (strings,
IRIs, comments, prefixed names and variables are single tokens; no regex over the whole text)
measures the nesting depth and finds the keywords that would make the server fetch a URL or
write, however they are cased, commented or split.

What it refuses (``QueryRefusedError``, HTTP 400) or rejects (``QueryError``, 400):

- a query longer than ``max_length`` characters, or nesting ``(``, ``{``, ``[`` deeper than
  ``max_depth`` (default 256: far beyond any real query, far below what crashes the parser);
- ``SERVICE`` to an endpoint that is not listed in ``allowed_services`` (exact IRIs; a
  ``SERVICE ?var`` is always refused);
- Virtuoso's ``DEFINE`` pragmas (``get:soft``, ``input:grab-all`` make it fetch IRIs);
- any update operation (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``CREATE``, ``DROP``,
  ``ADD``, ``MOVE``, ``COPY``, ``WITH``, ``USING``): this is the query route;
- ``FROM`` / ``FROM NAMED`` and the protocol's ``default-graph-uri`` / ``named-graph-uri`` naming
  a graph that is not local. A graph is local when its IRI is under the base IRI (all our graphs
  live under ``{base}graph/``) or it is one of the stored graphs (``is_stored_graph``, asked
  only for other IRIs). A local graph that holds nothing is simply empty; a graph IRI that is
  not an absolute IRI is a 400.

SPARQL 1.1 lets ``\\uXXXX`` escapes stand for any character before parsing (section 19.2); some
engines apply that, pyoxigraph does not, so a text with escapes is checked both ways.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple
from urllib.parse import urljoin

import pyoxigraph

from unpacs.loader.errors import QueryError, QueryRefusedError
from unpacs.loader.settings import Settings

DEFAULT_MAX_DEPTH = 256
DEFAULT_MAX_LENGTH = 100_000

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "ADD", "MOVE", "COPY", "WITH", "USING"}
)
# Not SPARQL 1.1: Virtuoso's pragmas (`DEFINE get:soft "replace"`, `DEFINE input:grab-all`)
# make that engine dereference the IRIs of a query, so they are refused like SERVICE.
PRAGMA_KEYWORDS = frozenset({"DEFINE"})
_TRIGGERS = tuple(k.lower() for k in (*UPDATE_KEYWORDS, *PRAGMA_KEYWORDS, "SERVICE", "FROM", "\\u"))
OPENERS = "({["
CLOSERS = ")}]"
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

TokenKind = Literal["iri", "pname", "word", "var", "string", "punct", "other"]


@dataclass(frozen=True)
class QueryPolicy:
    """The limits one deployment applies to every query (built from the settings)."""

    base_iri: str
    max_length: int = DEFAULT_MAX_LENGTH
    max_depth: int = DEFAULT_MAX_DEPTH
    allowed_services: frozenset[str] = frozenset()


def policy_for(settings: Settings) -> QueryPolicy:
    return QueryPolicy(
        base_iri=settings.base_iri,
        max_length=settings.max_query_length,
        max_depth=settings.max_query_depth,
        allowed_services=settings.allowed_services,
    )


@dataclass(frozen=True)
class CheckedQuery:
    """What the check learnt: the dataset the query itself names, the services it calls."""

    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    services: tuple[str, ...] = ()


class _Token(NamedTuple):  # a tuple: thousands are made per query, a dataclass costs more
    kind: TokenKind
    text: str
    offset: int


# One alternation, tried in order at each position: a token-level scanner (the keywords are
# judged on tokens afterwards, never by a pattern over the whole text). Strings, IRIs, comments,
# variables, language tags and prefixed names are single tokens, so nothing inside them counts.
_NAME = r"[\w-](?:[\w.-]*[\w-])?"  # a final '.' ends the triple, it is not part of a name
_LOCAL = r"(?:(?:[\w:%-]|\\.)(?:(?:[\w.:%-]|\\.)*(?:[\w:%-]|\\.))?)?"
_STRING = (
    r'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)'
    r"|'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)"
    r'|"(?:[^"\\\n\r]|\\.)*"?'
    r"|'(?:[^'\\\n\r]|\\.)*'?"
)
_SCANNER = re.compile(
    r"(?:\s+|\#[^\n]*)*(?:"  # whitespace and comments, skipped inside the regex engine
    + "|".join(
        (
            rf"(?P<string>{_STRING})",
            # IRIREF of the grammar: no space, none of <>"{}|^`\ inside; else '<' is less-than.
            r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
            r"(?P<var>[?$]\w*)",
            r"(?P<lang>@[A-Za-z0-9-]+)",
            rf"(?P<pname>(?:{_NAME})?:{_LOCAL})",
            rf"(?P<word>{_NAME})",
            r"(?P<open>[({\[])",
            r"(?P<close>[)}\]])",
            r"(?P<other>.)",
        )
    )
    + ")",
    re.DOTALL,
)
_KEEP: dict[str, TokenKind] = {"pname": "pname", "var": "var", "string": "string"}


def _tokens(text: str, limit: int) -> Iterator[_Token]:
    """SPARQL tokens, enough to find keywords and brackets; raises on too deep nesting."""
    depth = 0
    for match in _SCANNER.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "open":
            depth += 1
            if depth > limit:
                raise QueryError(
                    f"the query nests brackets more than {limit} levels deep "
                    f"(at character {match.start(kind) + 1})",
                    hint="flatten the query; the limit is UNPACS_MAX_QUERY_DEPTH",
                )
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "iri":
            yield _Token("iri", match.group(kind)[1:-1], match.start(kind))
        elif kind == "word":
            word = match.group(kind)
            yield _Token("other" if word[0].isdigit() else "word", word, match.start(kind))
        else:
            yield _Token(_KEEP.get(kind, "other"), match.group(kind), match.start(kind))


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


class _Resolver:
    """Turns IRI and prefixed-name tokens into absolute IRIs, following PREFIX and BASE."""

    def __init__(self, base_iri: str) -> None:
        self.base = base_iri
        self.prefixes: dict[str, str] = {}

    def iri(self, token: _Token) -> str | None:
        if token.kind == "iri":
            return urljoin(self.base, token.text)
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            namespace = self.prefixes.get(prefix)
            return None if namespace is None else namespace + local.replace("\\", "")
        return None


def _analyse(text: str, policy: QueryPolicy) -> CheckedQuery:
    tokens = list(_tokens(text, policy.max_depth))
    resolver = _Resolver(policy.base_iri)
    from_graphs: list[str] = []
    from_named: list[str] = []
    services: list[str] = []
    for index, token in enumerate(tokens):
        after = tokens[index + 1 : index + 4]
        if token.kind != "word":
            continue
        word = token.text.upper()
        if word == "PREFIX" and len(after) >= 2 and after[0].kind == "pname":
            target = resolver.iri(after[1])
            if target is not None:
                resolver.prefixes[after[0].text.rstrip(":")] = target
        elif word == "BASE" and after and after[0].kind == "iri":
            resolver.base = urljoin(resolver.base, after[0].text)
        elif word in PRAGMA_KEYWORDS:
            raise QueryRefusedError(
                f"{word} is an engine pragma, not SPARQL 1.1, and may make the engine fetch URLs"
                f" (at character {token.offset + 1})",
                hint="remove the DEFINE lines; the query runs without them",
            )
        elif word in UPDATE_KEYWORDS:
            raise QueryRefusedError(
                f"{word} is a SPARQL update; this endpoint answers queries only"
                f" (at character {token.offset + 1})",
                hint="send SELECT, ASK, CONSTRUCT or DESCRIBE; updates need an authenticated "
                "request",
            )
        elif word == "SERVICE":
            rest = after[1:] if after and after[0].text.upper() == "SILENT" else after
            target = resolver.iri(rest[0]) if rest else None
            if target is None or target not in policy.allowed_services:
                shown = target or (rest[0].text if rest else "")
                raise QueryRefusedError(
                    f"SERVICE {shown} is refused: this endpoint does not query other endpoints"
                    f" (at character {token.offset + 1})",
                    hint="remove the SERVICE clause; an operator can allow endpoints with "
                    "UNPACS_ALLOWED_SERVICES",
                )
            services.append(target)
        elif word == "FROM":
            named = bool(after) and after[0].text.upper() == "NAMED"
            rest = after[1:] if named else after
            target = resolver.iri(rest[0]) if rest else None
            if target is not None:
                (from_named if named else from_graphs).append(target)
    return CheckedQuery(tuple(from_graphs), tuple(from_named), tuple(services))


def _needs_lexing(text: str, policy: QueryPolicy) -> bool:
    """False when no token of the text can matter: none of the keywords occurs anywhere in it
    (a token is a substring, so this is exact, not a guess) and there are fewer brackets in
    all than the depth limit. Most queries take this path and cost a few microseconds."""
    lowered = text.lower()
    if any(trigger in lowered for trigger in _TRIGGERS):
        return True
    return sum(text.count(opener) for opener in OPENERS) > policy.max_depth


def _never(_iri: str) -> bool:
    return False


def check_graph_iri(
    iri: str, *, policy: QueryPolicy, is_stored_graph: Callable[[str], bool] = _never
) -> str:
    """A dataset graph must be an absolute IRI (else 400) and local (else refused)."""
    try:
        pyoxigraph.NamedNode(iri)
    except ValueError as error:
        raise QueryError(
            f"graph {iri!r} is not an absolute IRI: {error}",
            hint="give default-graph-uri / named-graph-uri / FROM an absolute IRI such as "
            f"{policy.base_iri}graph/…",
        ) from None
    if not iri.startswith(policy.base_iri) and not is_stored_graph(iri):
        raise QueryRefusedError(
            f"graph <{iri}> is not a graph of this store, and this endpoint never fetches one",
            hint=f"name one of the stored graphs (under {policy.base_iri}graph/) or leave the "
            "dataset out to query all of them",
        )
    return iri


def check_query(
    text: str,
    *,
    policy: QueryPolicy,
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
    is_stored_graph: Callable[[str], bool] = _never,
) -> CheckedQuery:
    """Check ``text`` (and the protocol's dataset) against ``policy``, before any parsing."""
    if len(text) > policy.max_length:
        raise QueryError(
            f"the query is {len(text)} characters long; the limit is {policy.max_length}",
            hint="shorten the query; the limit is UNPACS_MAX_QUERY_LENGTH",
        )
    if not _needs_lexing(text, policy):
        checked = CheckedQuery()
    else:
        checked = _analyse(text, policy)
    if "\\u" in text or "\\U" in text:
        unescaped = _analyse(_unescape(text), policy)
        checked = CheckedQuery(
            tuple(dict.fromkeys(checked.from_graphs + unescaped.from_graphs)),
            tuple(dict.fromkeys(checked.from_named_graphs + unescaped.from_named_graphs)),
            checked.services,
        )
    for iri in (*default_graph_uris, *named_graph_uris, *checked.from_graphs):
        check_graph_iri(iri, policy=policy, is_stored_graph=is_stored_graph)
    for iri in checked.from_named_graphs:
        check_graph_iri(iri, policy=policy, is_stored_graph=is_stored_graph)
    return checked
