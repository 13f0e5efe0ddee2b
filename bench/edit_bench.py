"""A steward's one-label edit of a big graph: wall time of ``PUT /graphs`` and history bytes added.

    python -m bench.edit_bench                 # 2,004 records (15,487 triples), 3 edits
    python -m bench.edit_bench --triples 15400 --edits 5 --empty-store

The app is the real one (``create_app``) on an on-disk store in a temporary directory (holding
the bundled data unless ``--empty-store``), driven through Flask's test client with a ``*``
publisher token. The synthetic graph (``bench.generate``) is PUT once, then each edit PUTs the
same file with one institution's ``skos:prefLabel`` changed. "history bytes" is the growth of the
history SQLite file (what the disk pays) and of the stored rows (what the schema keeps).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.generate import write_file
from unpacs.endpoint.app import create_app
from unpacs.loader.cli import build_store
from unpacs.loader.settings import Settings
from unpacs.loader.stewards.tokens import add_token
from unpacs.loader.store.oxigraph import OxigraphStore

GRAPH = "http://127.0.0.1:8000/graph/bench-edit"
LABEL = '"Synthetic Ministry 0.1"@en'


def row_bytes(path: Path) -> int:
    """Bytes held in the history rows (text and blobs), whatever the schema version."""
    db = sqlite3.connect(path)
    try:
        total = 0
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            if table == "drafts" or not columns:
                continue
            lengths = " + ".join(f"COALESCE(LENGTH(CAST({c} AS BLOB)), 0)" for c in columns)
            query = f"SELECT COALESCE(SUM({lengths}), 0) FROM {table}"  # noqa: S608 - own names
            total += db.execute(query).fetchone()[0]
        return int(total)
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=15_400)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--empty-store", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="unpacs-edit-bench-"))
    try:
        store_dir = work / "store"
        settings = Settings(store=str(store_dir), tokens_file=work / "tokens.json")
        store = OxigraphStore(store_dir)
        if not args.empty_store:
            build_store(store, settings)
        store.close()
        token = add_token(work / "tokens.json", "bench", ["*"], ["validate", "publish"])
        data = work / "bench.nt"
        write_file(data, args.triples)
        text = data.read_text(encoding="utf-8")
        assert LABEL in text
        records = len(
            {
                line.split(" ", 1)[0]
                for line in text.splitlines()
                if "22-rdf-syntax-ns#type>" in line and not line.startswith("_:")
            }
        )
        app = create_app(settings)
        client = app.test_client()
        headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}
        history = settings.history_path

        def put(body: str) -> float:
            started = time.perf_counter()
            response = client.put(
                "/graphs",
                query_string={"graph": GRAPH},
                data=body.encode("utf-8"),
                headers={**headers, "Content-Type": "application/n-triples"},
            )
            elapsed = time.perf_counter() - started
            assert response.status_code in (200, 201), response.get_data(as_text=True)[:500]
            return elapsed

        first = put(text)
        print(f"graph: {records:,} records, {args.triples:,}+ triples, {len(text):,} bytes")
        print(f"first PUT (creates the graph): {first:.2f} s")
        seconds, file_growth, row_growth = [], [], []
        for n in range(1, args.edits + 1):
            size, rows = history.stat().st_size, row_bytes(history)
            edited = text.replace(LABEL, f'"Synthetic Ministry 0.1 (edit {n})"@en', 1)
            seconds.append(put(edited))
            file_growth.append(history.stat().st_size - size)
            row_growth.append(row_bytes(history) - rows)
            print(
                f"edit {n}: {seconds[-1]:.2f} s, history file +{file_growth[-1]:,} B, "
                f"rows +{row_growth[-1]:,} B"
            )
        print(
            f"median edit: {statistics.median(seconds):.2f} s, "
            f"history file +{statistics.median(file_growth):,.0f} B, "
            f"rows +{statistics.median(row_growth):,.0f} B per edit"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
