"""Full-text search over names and labels in every language: SQLite FTS5, built from the store.

pyoxigraph has no text index, so the labels are read through the query executor (its timeout and
cap hold) into an in-memory FTS5 table. ``SearchIndex.rebuild`` runs in the commit hooks, after
the executor published the new generation, so the index never lags the store; a new table is
built beside the old one and swapped in, so searches during a rebuild see the previous state.
Ranking is FTS5's bm25; matches are marked with ``\\x02``/``\\x03`` and returned as segments, so
callers escape the text and add their own highlight markup.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass

from unpacs.loader.query.executor import QueryExecutor
from unpacs.loader.query.rows import select
from unpacs.loader.uris import parse_thing_iri

LABEL_PREDICATES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://xmlns.com/foaf/0.1/name",
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2000/01/rdf-schema#label",
)
READ = """SELECT ?s ?o ?area WHERE {{
  VALUES ?p {{ {predicates} }}
  ?s ?p ?o . FILTER(isIRI(?s) && isLiteral(?o))
  OPTIONAL {{ ?s <http://purl.org/dc/terms/spatial>
                 |<http://purl.org/linked-data/sdmx/2009/dimension#refArea> ?area }}
}}"""
START, END = "\x02", "\x03"
# The index read must see every label, so it is not held to the per-query result cap.
READ_LIMIT = 50_000_000


@dataclass(frozen=True)
class Hit:
    iri: str
    kind: str
    country: str
    lang: str
    text: str
    segments: tuple[tuple[str, bool], ...]  # (text, is a match)
    score: float


# Chinese and Japanese are written without spaces, and FTS5's unicode61 tokenizer takes a run of
# ideographs as one token, so "律宾" would not find "菲律宾". Each such character is indexed as a
# token of its own (a thin space between neighbours, removed again for display), and a query
# word in that script becomes a phrase of its characters.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_BETWEEN_CJK = re.compile(f"(?<=[{CJK}])(?=[{CJK}])")
SPLIT = "\u2009"


def spaced(text: str) -> str:
    return _BETWEEN_CJK.sub(SPLIT, text)


def _segments(marked: str) -> tuple[tuple[str, bool], ...]:
    out: list[tuple[str, bool]] = []
    for part in re.split(f"({START}[^{END}]*{END})", marked.replace(SPLIT, "")):
        if part.startswith(START):
            out.append((part[1:-1], True))
        elif part:
            out.append((part, False))
    return tuple(out)


def match_expression(query: str) -> str:
    """User text as an FTS5 query: every word must match, the last one as a prefix; FTS5
    syntax characters in the input are quoted, never interpreted."""
    words = [w for w in re.split(r"\s+", query.strip()) if w]
    if not words:
        return ""
    quoted = ['"' + spaced(w).replace('"', '""') + '"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


class SearchIndex:
    def __init__(self, base_iri: str) -> None:
        self.base_iri = base_iri
        self.generation: str | None = None
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()

    def rebuild(self, executor: QueryExecutor, generation: str | None = None) -> int:
        """Read every label from the store and swap in a new index; returns the rows indexed."""
        with self._build_lock:
            predicates = " ".join(f"<{p}>" for p in LABEL_PREDICATES)
            rows, _, answered = select(
                executor, READ.format(predicates=predicates), limit=READ_LIMIT
            )
            db = sqlite3.connect(":memory:", check_same_thread=False)
            db.execute(
                "CREATE VIRTUAL TABLE labels USING fts5(iri UNINDEXED, kind UNINDEXED, "
                "country UNINDEXED, lang UNINDEXED, text, tokenize='unicode61 remove_diacritics 2')"
            )
            seen: set[tuple[str, str, str]] = set()
            batch = []
            for row in rows:
                subject, label = row["s"].value, row["o"]
                lang = getattr(label, "language", None) or ""
                key = (subject, lang, label.value)
                if key in seen:
                    continue
                seen.add(key)
                parsed = parse_thing_iri(self.base_iri, subject)
                kind = parsed.kind if parsed else ""
                country = ""
                if parsed and parsed.kind == "country":
                    country = parsed.key
                elif "area" in row:
                    area = parse_thing_iri(self.base_iri, row["area"].value)
                    country = area.key if area and area.kind == "country" else ""
                batch.append((subject, kind, country, lang, spaced(label.value)))
            db.executemany("INSERT INTO labels VALUES (?, ?, ?, ?, ?)", batch)
            db.commit()
            with self._lock:
                old, self._db = self._db, db
                self.generation = generation or answered
            if old is not None:
                old.close()
            return len(batch)

    def ensure(self, executor: QueryExecutor) -> None:
        """Build when missing or older than the executor's generation."""
        if self._db is None or self.generation != executor.generation:
            self.rebuild(executor, executor.generation)

    def search(
        self,
        query: str,
        *,
        kind: str | None = None,
        country: str | None = None,
        lang: str | None = None,
        limit: int = 50,
    ) -> list[Hit]:
        """Best match per thing, ranked by bm25 (lower is better)."""
        expression = match_expression(query)
        if not expression:
            return []
        sql = (
            "SELECT iri, kind, country, lang, text, highlight(labels, 4, ?, ?), bm25(labels) "
            "FROM labels WHERE labels MATCH ?"
        )
        params: list[object] = [START, END, expression]
        for column, value in (("kind", kind), ("country", country), ("lang", lang)):
            if value:
                sql += f" AND {column} = ?"
                params.append(value)
        sql += " ORDER BY bm25(labels) LIMIT ?"
        params.append(limit * 8)
        with self._lock:
            if self._db is None:
                return []
            found = self._db.execute(sql, params).fetchall()
        hits: dict[str, Hit] = {}
        for iri, k, c, lg, text, marked, score in found:
            if iri not in hits:
                hits[iri] = Hit(
                    iri, k, c, lg, text.replace(SPLIT, ""), _segments(marked), float(score)
                )
        return list(hits.values())[:limit]
