"""The stewards' commit history: one SQLite row per committed graph change, kept as a patch.

Each row keeps who (token label), when, which graph, the action, source file, comment, the
numbers of statements added and removed, the content hashes before and after, and the change
itself: the N-Triples lines removed and added, with the store's own blank-node labels. The first
commit of a graph (and every ``SNAPSHOT_EVERY``-th, and any commit whose "before" is not the
previous commit's "after", e.g. after an offline ``unpacs load``) also keeps a compressed full
copy of the content before it, so the content before and after any commit is rebuilt exactly
(the nearest snapshot plus the patches since), and a revert writes back exactly what was there.

Schema versions (``PRAGMA user_version``): 1 kept the whole content before and after in every
row (``before_nt``/``after_nt``; 2.7 MB per one-label edit of a 2,000-record graph); 2 adds the
patch columns, the snapshot and the ``pending`` table of commits under way (see
``GraphWriter.recover``). A version-1 file is migrated in place on open: its rows stay as they
are and are read as full copies. The file lives beside the store (``Settings.history_path``)
and is written only by the store-owning process.
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph

from unpacs.loader.errors import ConfigError, InputError

VERSION = 2
SNAPSHOT_EVERY = 50
# The columns a commit row and a pending row share, in the order ``Commit`` holds them.
COLUMNS = (
    "at, who, graph, action, source_file, comment, added, removed, before_nt, after_nt,"
    " before_hash, after_hash, patch_removed, patch_added, snapshot"
)
SCHEMA_V1 = """
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
# Version 2 rows leave before_nt/after_nt empty (the v1 columns are NOT NULL and SQLite cannot
# relax that in place).
MIGRATE_V2 = """
ALTER TABLE commits ADD COLUMN before_hash TEXT;
ALTER TABLE commits ADD COLUMN after_hash TEXT;
ALTER TABLE commits ADD COLUMN patch_removed TEXT;
ALTER TABLE commits ADD COLUMN patch_added TEXT;
ALTER TABLE commits ADD COLUMN snapshot BLOB;
CREATE TABLE IF NOT EXISTS pending (
    row INTEGER PRIMARY KEY AUTOINCREMENT,
    intent TEXT NOT NULL,
    draft INTEGER,
    reviewer TEXT,
    review_comment TEXT,
    before_print TEXT NOT NULL,
    after_print TEXT NOT NULL,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    graph TEXT NOT NULL,
    action TEXT NOT NULL,
    source_file TEXT,
    comment TEXT,
    added INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    before_nt TEXT NOT NULL,
    after_nt TEXT NOT NULL,
    before_hash TEXT,
    after_hash TEXT,
    patch_removed TEXT,
    patch_added TEXT,
    snapshot BLOB
);
"""


def text_hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_ntriples(triples: Sequence[pyoxigraph.Triple]) -> str:
    """Canonical text of a graph's content: sorted N-Triples lines, blank-node labels kept."""
    text = pyoxigraph.serialize(list(triples), format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
    return join_lines(text.decode("utf-8").splitlines())


def join_lines(lines: Iterable[str]) -> str:
    return "".join(line + "\n" for line in sorted(set(lines)) if line)


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
    # Filled in by ``History`` on read (rebuilt from the patches for a version-2 row).
    before_nt: str
    after_nt: str
    before_hash: str | None = None
    after_hash: str | None = None
    patch_removed: str | None = None
    patch_added: str | None = None
    snapshot: bytes | None = None

    @property
    def is_patch(self) -> bool:
        return self.patch_added is not None

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


@dataclass(frozen=True)
class Change:
    """One graph's change as it will be recorded: the patch and, when due, the snapshot."""

    graph: str
    before_hash: str
    after_hash: str
    patch_removed: str
    patch_added: str
    snapshot: bytes | None


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _after_lines(commit: Commit, state: set[str]) -> set[str]:
    if not commit.is_patch:
        return set(commit.after_nt.splitlines())
    return (state - set((commit.patch_removed or "").splitlines())) | set(
        (commit.patch_added or "").splitlines()
    )


class History:
    """Append-only commit log in SQLite (one connection per call: callers are threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            migrate(db)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:  # commits on success, rolls back on an exception
                yield db
        finally:
            db.close()

    # -- writing -------------------------------------------------------------------------
    @staticmethod
    def plan(db: sqlite3.Connection, graph: str, before_nt: str, after_nt: str) -> Change:
        """The patch from ``before_nt`` to ``after_nt``; a snapshot where the chain needs one."""
        old, new = set(before_nt.splitlines()), set(after_nt.splitlines())
        before_hash = text_hash(before_nt)
        rows = db.execute(
            "SELECT id, after_hash, after_nt, patch_added IS NULL, snapshot IS NOT NULL"
            " FROM commits WHERE graph = ? ORDER BY id DESC LIMIT ?",
            (graph, SNAPSHOT_EVERY),
        ).fetchall()
        snapshot_due = True
        if rows:
            _id, after_hash, after_text, full_copy, _snap = rows[0]
            previous = after_hash if not full_copy else text_hash(after_text)
            # A base (v1 full copy or a snapshot) among the last SNAPSHOT_EVERY rows: no new one.
            has_base = any(r[3] or r[4] for r in rows)
            snapshot_due = previous != before_hash or not has_base
        return Change(
            graph=graph,
            before_hash=before_hash,
            after_hash=text_hash(after_nt),
            patch_removed=join_lines(old - new),
            patch_added=join_lines(new - old),
            snapshot=zlib.compress(before_nt.encode("utf-8"), 6) if snapshot_due else None,
        )

    @staticmethod
    def insert(
        db: sqlite3.Connection,
        change: Change,
        *,
        who: str,
        action: str,
        source_file: str | None,
        comment: str | None,
        added: int,
        removed: int,
        table: str = "commits",
        extra: dict[str, object] | None = None,
    ) -> int:
        """A commit row (or, with ``table="pending"``, a row of a commit under way)."""
        values: dict[str, object] = {
            "at": now(),
            "who": who,
            "graph": change.graph,
            "action": action,
            "source_file": source_file,
            "comment": comment,
            "added": added,
            "removed": removed,
            "before_nt": "",
            "after_nt": "",
            "before_hash": change.before_hash,
            "after_hash": change.after_hash,
            "patch_removed": change.patch_removed,
            "patch_added": change.patch_added,
            "snapshot": change.snapshot,
            **(extra or {}),
        }
        assert table in ("commits", "pending")
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cursor = db.execute(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 - fixed names
            tuple(values.values()),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    # -- reading -------------------------------------------------------------------------
    def for_graph(self, graph: str | None = None, limit: int = 200) -> list[Commit]:
        """Newest first; every graph when ``graph`` is None."""
        with self.connect() as db:
            if graph is None:
                ids = db.execute("SELECT id FROM commits ORDER BY id DESC LIMIT ?", (limit,))
            else:
                ids = db.execute(
                    "SELECT id FROM commits WHERE graph = ? ORDER BY id DESC LIMIT ?",
                    (graph, limit),
                )
            wanted = [row[0] for row in ids.fetchall()]
            found = self._materialize(db, wanted)
        return [found[i] for i in wanted]

    def get(self, commit_id: int) -> Commit:
        with self.connect() as db:
            found = self._materialize(db, [commit_id])
        if commit_id not in found:
            raise InputError(f"no commit {commit_id} in the history", field="commit")
        return found[commit_id]

    @staticmethod
    def _rows(db: sqlite3.Connection, where: str, args: tuple[object, ...]) -> list[Commit]:
        rows = db.execute(
            f"SELECT id, {COLUMNS} FROM commits WHERE {where} ORDER BY id",  # noqa: S608
            args,
        ).fetchall()
        return [Commit(*row) for row in rows]

    def _materialize(self, db: sqlite3.Connection, ids: Sequence[int]) -> dict[int, Commit]:
        """The commits ``ids`` with their content before and after, replayed per graph."""
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        heads = self._rows(db, f"id IN ({marks})", tuple(ids))
        out: dict[int, Commit] = {}
        by_graph: dict[str, list[int]] = {}
        for commit in heads:
            by_graph.setdefault(commit.graph, []).append(commit.id)
        for graph, wanted in by_graph.items():
            first, last = min(wanted), max(wanted)
            # The nearest base at or before the first wanted commit: a full copy or a snapshot.
            base = db.execute(
                "SELECT MAX(id) FROM commits WHERE graph = ? AND id <= ?"
                " AND (patch_added IS NULL OR snapshot IS NOT NULL)",
                (graph, first),
            ).fetchone()[0]
            if base is None:
                raise ConfigError(
                    f"history file {self.path} has no full copy of {graph} before commit {first}",
                    hint="the history file is damaged; restore it from a backup",
                )
            state: set[str] = set()
            for commit in self._rows(db, "graph = ? AND id >= ? AND id <= ?", (graph, base, last)):
                if commit.snapshot is not None:
                    state = set(zlib.decompress(commit.snapshot).decode("utf-8").splitlines())
                elif not commit.is_patch:
                    state = set(commit.before_nt.splitlines())
                after = _after_lines(commit, state)
                if commit.id in wanted:
                    out[commit.id] = replace(
                        commit, before_nt=join_lines(state), after_nt=join_lines(after)
                    )
                state = after
        return out


def migrate(db: sqlite3.Connection) -> None:
    """Bring the history file to ``VERSION`` (a new file is created at it)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > VERSION:
        raise ConfigError(
            f"history file is schema version {version}; this unpacs reads up to {VERSION}",
            hint="upgrade unpacs, or point UNPACS_HISTORY_FILE at another file",
        )
    if version < 1:
        db.executescript(SCHEMA_V1)
    if version < 2:
        db.executescript(MIGRATE_V2)
        db.execute(f"PRAGMA user_version = {VERSION}")
