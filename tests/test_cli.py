"""The ``unpacs`` command line, run as a real process and through click's runner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "pipeline"
UNPACS = str(Path(sys.executable).with_name("unpacs"))


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNPACS_")} | {
        "UNPACS_STORE": str(tmp_path / "store"),
        "UNPACS_SHAPES_DIR": str(DATA / "shapes"),
        "UNPACS_DATA_DIR": str(DATA),
    }
    return subprocess.run(
        [UNPACS, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
    )


def test_console_script_is_installed() -> None:
    assert shutil.which(UNPACS)


def test_load_then_dump_query_and_stats(tmp_path: Path) -> None:
    loaded = run(tmp_path, "load", str(DATA / "valid.ttl"))
    assert loaded.returncode == 0, loaded.stderr
    assert "graph/valid" in loaded.stdout
    dumped = run(tmp_path, "dump", "--format", "nquads")
    assert dumped.returncode == 0
    assert "<http://127.0.0.1:8000/id/organization/child>" in dumped.stdout
    queried = run(
        tmp_path,
        "query",
        "--format",
        "json",
        "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?l",
    )
    assert queried.returncode == 0, queried.stderr
    rows = json.loads(queried.stdout)["results"]["bindings"]
    assert [r["l"]["value"] for r in rows] == ["Child", "Parent"]
    stats = run(tmp_path, "stats", "--json")
    numbers = json.loads(stats.stdout)
    assert numbers["classes"]["http://example.org/test#Thing"] == 2


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("syntax-error.ttl", "syntax-error.ttl:6:"),
        ("violation.ttl", "Thing needs a label (rdfs:label)"),
    ],
)
def test_failed_load_exits_nonzero_and_dump_is_byte_identical(
    tmp_path: Path, fixture: str, expected: str
) -> None:
    assert run(tmp_path, "load", str(DATA / "valid.ttl")).returncode == 0
    before = run(tmp_path, "dump").stdout
    failed = run(tmp_path, "load", str(DATA / fixture))
    assert failed.returncode == 1
    assert expected in failed.stderr
    assert "Traceback" not in failed.stderr
    assert run(tmp_path, "dump").stdout == before


def test_validate_writes_nothing_and_reports_in_three_formats(tmp_path: Path) -> None:
    text = run(tmp_path, "validate", str(DATA / "violation.ttl"))
    assert text.returncode == 1
    assert "Thing needs a label" in text.stdout
    as_json = json.loads(
        run(tmp_path, "validate", "--format", "json", str(DATA / "violation.ttl")).stdout
    )
    assert as_json["conforms"] is False
    turtle = run(tmp_path, "validate", "--format", "turtle", str(DATA / "violation.ttl"))
    assert "sh:ValidationReport" in turtle.stdout
    good = run(tmp_path, "validate", str(DATA / "valid.ttl"))
    assert good.returncode == 0, good.stdout
    assert not (tmp_path / "store").exists()


def test_no_validate_says_so(tmp_path: Path) -> None:
    done = run(tmp_path, "load", "--no-validate", str(DATA / "violation.ttl"))
    assert done.returncode == 0
    assert "validation skipped" in done.stderr


def test_second_process_on_the_same_store_gets_a_clear_error(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pyoxigraph, time; s = pyoxigraph.Store(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(60)",
            str(tmp_path / "store"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        busy = run(tmp_path, "stats")
        assert busy.returncode == 1
        assert "is in use by another process (a running server?)" in busy.stderr
        assert "--server URL --token TOKEN" in busy.stderr
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()


def test_bad_setting_is_reported_without_traceback(tmp_path: Path) -> None:
    env_run = subprocess.run(
        [UNPACS, "stats"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "UNPACS_PORT": "eighty"},
        timeout=60,
    )
    assert env_run.returncode == 1
    assert "UNPACS_PORT='eighty'" in env_run.stderr
    assert "Traceback" not in env_run.stderr


def test_serve_answers_sparql_over_http(tmp_path: Path) -> None:
    import socket
    import time
    import urllib.request

    assert run(tmp_path, "load", str(DATA / "valid.ttl")).returncode == 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNPACS_")} | {
        "UNPACS_STORE": str(tmp_path / "store"),
        "UNPACS_SHAPES_DIR": str(DATA / "shapes"),
    }
    server = subprocess.Popen(
        [UNPACS, "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert json.load(response) == {"head": {}, "boolean": True}
                    break
            except OSError:
                assert time.monotonic() < deadline, "server did not answer"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_validate_the_bundled_data_folder_conforms(tmp_path: Path) -> None:
    root = Path(__file__).parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNPACS_")}
    done = subprocess.run(
        [UNPACS, "--store", str(tmp_path / "none"), "validate", "data/"],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "conforms: 0 violation(s)" in done.stdout
