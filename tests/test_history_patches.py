"""History kept as patches: small per edit, and the content before/after any commit is exact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyoxigraph
from flask.testing import FlaskClient

from bench.generate import write_file
from unpacs.endpoint.app import create_app
from unpacs.endpoint.state import state_of
from unpacs.loader.settings import Settings
from unpacs.loader.stewards.history import History, text_hash, to_ntriples
from unpacs.loader.stewards.tokens import add_token

GRAPH = "http://127.0.0.1:8000/graph/bench-edit"
LABEL = '"Synthetic Ministry 0.1"@en'


def _site(tmp_path: Path, triples: int) -> tuple[FlaskClient, dict[str, str], str, Settings]:
    settings = Settings(store=str(tmp_path / "store"), tokens_file=tmp_path / "tokens.json")
    token = add_token(tmp_path / "tokens.json", "bench", ["*"], ["validate", "publish"])
    write_file(tmp_path / "data.nt", triples)
    headers = {
        "Authorization": "Bearer " + token,
        "Accept": "application/json",
        "Content-Type": "application/n-triples",
    }
    client = create_app(settings).test_client()
    return client, headers, (tmp_path / "data.nt").read_text(encoding="utf-8"), settings


def _put(client: FlaskClient, headers: dict[str, str], body: str) -> list[int]:
    response = client.put("/graphs", query_string={"graph": GRAPH}, data=body, headers=headers)
    assert response.status_code in (200, 201), response.get_data(as_text=True)[:400]
    commits: list[int] = response.get_json()["commits"]
    return commits


def _stored(client: FlaskClient) -> str:
    store = state_of(client.application).store
    return to_ntriples(
        [pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph=GRAPH)]
    )


def test_one_label_edit_of_2000_records_adds_under_50_kb(tmp_path: Path) -> None:
    client, headers, text, settings = _site(tmp_path, 15_400)
    _put(client, headers, text)
    (commit,) = _put(
        client, headers, text.replace(LABEL, '"Synthetic Ministry 0.1, renamed"@en', 1)
    )
    with sqlite3.connect(settings.history_path) as db:
        size = db.execute(
            "SELECT LENGTH(patch_removed) + LENGTH(patch_added) + COALESCE(LENGTH(snapshot), 0)"
            " + LENGTH(before_nt) + LENGTH(after_nt) FROM commits WHERE id = ?",
            (commit,),
        ).fetchone()[0]
    assert size < 50_000
    entry = client.get("/graphs/history", query_string={"graph": GRAPH}, headers=headers)
    changes = entry.get_json()["commits"][0]["diff"]["records"]
    added = [a for r in changes for f in r["fields"] for a in f["added"]]
    assert "Synthetic Ministry 0.1, renamed @en" in added


def test_revert_restores_exact_content_after_several_patch_commits(tmp_path: Path) -> None:
    client, headers, text, settings = _site(tmp_path, 1_500)
    versions = []
    commits = []
    for n in range(6):
        body = text if n == 0 else text.replace(LABEL, f'"Synthetic Ministry 0.1 v{n}"@en', 1)
        commits += _put(client, headers, body)
        versions.append(_stored(client))
    history = History(settings.history_path)
    for i, commit_id in enumerate(commits):
        commit = history.get(commit_id)
        assert commit.after_nt == versions[i]
        assert commit.before_nt == (versions[i - 1] if i else "")
    with sqlite3.connect(settings.history_path) as db:
        snapshots = db.execute("SELECT COUNT(*) FROM commits WHERE snapshot IS NOT NULL")
        assert snapshots.fetchone()[0] == 1  # only the first commit of the graph
    reverted = client.post(
        "/graphs/revert",
        query_string={"graph": GRAPH, "commit": str(commits[2])},
        headers={"Authorization": headers["Authorization"], "Accept": "application/json"},
    )
    assert reverted.status_code == 200, reverted.get_data(as_text=True)
    assert _stored(client) == versions[1]
    diff = client.get(f"/graphs/history/{commits[3]}", headers=headers).get_json()["diff"]
    fields = [f for r in diff["records"] for f in r["fields"] if f["field"] == "prefLabel"]
    assert fields and fields[0]["removed"] == ["Synthetic Ministry 0.1 v2 @en"]
    assert fields[0]["added"] == ["Synthetic Ministry 0.1 v3 @en"]


def test_version_1_history_file_is_migrated_and_still_read(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE commits (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,"
            " who TEXT NOT NULL, graph TEXT NOT NULL, action TEXT NOT NULL, source_file TEXT,"
            " comment TEXT, added INTEGER NOT NULL, removed INTEGER NOT NULL,"
            " before_nt TEXT NOT NULL, after_nt TEXT NOT NULL);"
        )
        db.execute(
            "INSERT INTO commits (at, who, graph, action, added, removed, before_nt, after_nt)"
            " VALUES ('2026-01-01', 'old', 'http://e/g', 'replace', 1, 0, '',"
            " '<http://e/s> <http://e/p> \"a\" .\n')"
        )
    history = History(path)
    old = history.get(1)
    assert old.after_nt == '<http://e/s> <http://e/p> "a" .\n' and not old.is_patch
    with history.connect() as db:
        change = History.plan(db, "http://e/g", old.after_nt, '<http://e/s> <http://e/p> "b" .\n')
        assert change.snapshot is None  # the v1 row is the base of the chain
        assert change.before_hash == text_hash(old.after_nt)
        new_id = History.insert(
            db,
            change,
            who="new",
            action="replace",
            source_file=None,
            comment=None,
            added=1,
            removed=1,
        )
    assert history.get(new_id).before_nt == old.after_nt
    assert history.get(new_id).after_nt == '<http://e/s> <http://e/p> "b" .\n'
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
