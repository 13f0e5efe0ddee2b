"""The stewards' commit history: one SQLite row per committed graph change.

Each row keeps who (token label), when, which graph, the action, source file, comment, the
numbers of statements added and removed, and the graph's whole content before and after as
N-Triples with the store's own blank-node labels, so a revert writes back exactly what was
there (a dump afterwards is byte-identical). The file lives beside the store
(``Settings.history_path``) and is written only by the store-owning process.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph

from unpacs.loader.errors import InputError

SCHEMA = """
CREATE TABLE IF NOT EXISTS commits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    graph TEXT NOT NULL,
    action TEXT NOT NULL,
    source_file TEXT,
    comment TEXT,
    added INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    before_nt TEXT NOT NULL,
    after_nt TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS commits_graph ON commits (graph, id);
"""


def to_ntriples(triples: Sequence[pyoxigraph.Triple]) -> str:
    """Canonical text of a graph's content: sorted N-Triples lines, blank-node labels kept."""
    text = pyoxigraph.serialize(list(triples), format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
    lines = sorted(set(text.decode("utf-8").splitlines()))
    return "".join(line + "\n" for line in lines if line)


def from_ntriples(text: str) -> list[pyoxigraph.Triple]:
    quads = pyoxigraph.parse(
        text.encode("utf-8"), pyoxigraph.RdfFormat.N_TRIPLES, rename_blank_nodes=False
    )
    return [pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads]


@dataclass(frozen=True)
class Commit:
    id: int
    at: str
    who: str
    graph: str
    action: str
    source_file: str | None
    comment: str | None
    added: int
    removed: int
    before_nt: str
    after_nt: str

    def summary(self) -> dict[str, object]:
        return {
            "id": self.id,
            "at": self.at,
            "who": self.who,
            "graph": self.graph,
            "action": self.action,
            "source_file": self.source_file,
            "comment": self.comment,
            "added": self.added,
            "removed": self.removed,
        }


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class History:
    """Append-only commit log in SQLite (one connection per call: callers are threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:  # commits on success, rolls back on an exception
                yield db
        finally:
            db.close()

    @staticmethod
    def insert(
        db: sqlite3.Connection,
        *,
        who: str,
        graph: str,
        action: str,
        source_file: str | None,
        comment: str | None,
        added: int,
        removed: int,
        before_nt: str,
        after_nt: str,
    ) -> int:
        cursor = db.execute(
            "INSERT INTO commits (at, who, graph, action, source_file, comment, added, removed,"
            " before_nt, after_nt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (now(), who, graph, action, source_file, comment, added, removed, before_nt, after_nt),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def for_graph(self, graph: str | None = None, limit: int = 200) -> list[Commit]:
        """Newest first; every graph when ``graph`` is None."""
        with self.connect() as db:
            if graph is None:
                rows = db.execute(
                    "SELECT * FROM commits ORDER BY id DESC LIMIT ?", (limit,)
                ).fetchall()
            else:
                rows = db.execute(
                    "SELECT * FROM commits WHERE graph = ? ORDER BY id DESC LIMIT ?",
                    (graph, limit),
                ).fetchall()
        return [Commit(*row) for row in rows]

    def get(self, commit_id: int) -> Commit:
        with self.connect() as db:
            row = db.execute("SELECT * FROM commits WHERE id = ?", (commit_id,)).fetchone()
        if row is None:
            raise InputError(f"no commit {commit_id} in the history", field="commit")
        return Commit(*row)
