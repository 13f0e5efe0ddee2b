"""Drafts: proposed graph contents kept outside the store until someone publishes them.

A draft lives only in the stewards' SQLite file (``Settings.history_path``), never in the
store, so no query, page or document can see it: the public reads the store alone. A draft
records the content hash of the published graph it was made against; publishing it after the
graph changed is refused (the steward submits again against the new version).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from unpacs.loader.errors import InputError
from unpacs.loader.stewards.history import History, now, text_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    who TEXT NOT NULL,
    graph TEXT NOT NULL,
    source_file TEXT,
    comment TEXT,
    base_hash TEXT NOT NULL,
    content_nt TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    reviewer TEXT,
    review_comment TEXT,
    reviewed TEXT,
    commit_id INTEGER
);
"""
STATUSES = ("open", "published", "returned")
__all__ = ["STATUSES", "Draft", "Drafts", "text_hash"]


@dataclass(frozen=True)
class Draft:
    id: int
    created: str
    who: str
    graph: str
    source_file: str | None
    comment: str | None
    base_hash: str
    content_nt: str
    status: str
    reviewer: str | None
    review_comment: str | None
    reviewed: str | None
    commit_id: int | None

    def summary(self) -> dict[str, object]:
        return {
            "id": self.id,
            "created": self.created,
            "who": self.who,
            "graph": self.graph,
            "source_file": self.source_file,
            "comment": self.comment,
            "status": self.status,
            "reviewer": self.reviewer,
            "review_comment": self.review_comment,
            "reviewed": self.reviewed,
            "commit": self.commit_id,
        }


class Drafts:
    def __init__(self, path: Path) -> None:
        self.history = History(path)
        with self.history.connect() as db:
            db.executescript(SCHEMA)

    def add(
        self,
        *,
        who: str,
        graph: str,
        source_file: str | None,
        comment: str | None,
        base_nt: str,
        content_nt: str,
    ) -> int:
        with self.history.connect() as db:
            cursor = db.execute(
                "INSERT INTO drafts (created, who, graph, source_file, comment, base_hash,"
                " content_nt) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (now(), who, graph, source_file, comment, text_hash(base_nt), content_nt),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def get(self, draft_id: int) -> Draft:
        with self.history.connect() as db:
            row = db.execute("SELECT * FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        if row is None:
            raise InputError(f"no draft {draft_id}", field="draft")
        return Draft(*row)

    def list(self, status: str | None = None) -> list[Draft]:
        with self.history.connect() as db:
            if status is None:
                rows = db.execute("SELECT * FROM drafts ORDER BY id DESC").fetchall()
            else:
                rows = db.execute(
                    "SELECT * FROM drafts WHERE status = ? ORDER BY id DESC", (status,)
                ).fetchall()
        return [Draft(*row) for row in rows]

    def close_draft(
        self,
        draft_id: int,
        *,
        status: str,
        reviewer: str,
        comment: str | None,
        commit_id: int | None,
    ) -> None:
        with self.history.connect() as db:
            self.close_in(
                db, draft_id, status=status, reviewer=reviewer, comment=comment, commit_id=commit_id
            )

    @staticmethod
    def close_in(
        db: sqlite3.Connection,
        draft_id: int,
        *,
        status: str,
        reviewer: str,
        comment: str | None,
        commit_id: int | None,
    ) -> None:
        """``close_draft`` inside a caller's transaction (a publish closes it with its commit)."""
        assert status in STATUSES
        db.execute(
            "UPDATE drafts SET status = ?, reviewer = ?, review_comment = ?, reviewed = ?,"
            " commit_id = ? WHERE id = ? AND status = 'open'",
            (status, reviewer, comment, now(), commit_id, draft_id),
        )
