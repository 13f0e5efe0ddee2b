"""A real `unpacs serve` killed (SIGKILL) in the middle of publishing a draft: on the next start
the draft's state, the history and the store agree.

The server stops at a commit's crash point (``UNPACS_TEST_PAUSE_AT``), says so on stderr, and is
killed there. Killed after the store commit, the restarted server shows the draft published, one
history commit for it and its content in the store; killed before, it shows the old content, the
draft still open and no commit, and the draft can then be published as usual.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fixtures.stewards import NEW_PHONE, OLD_PHONE, PHL_GRAPH, bearer, dump, make_site
from fixtures.stores import BASE

from unpacs.loader.stewards.tokens import add_token
from unpacs.loader.store.oxigraph import OxigraphStore

ICTO_PHONES = (
    "SELECT ?t WHERE { <" + BASE + "id/organization/icto-phl> <http://schema.org/contactPoint> ?c"
    " . ?c <http://schema.org/telephone> ?t }"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
    timeout: float = 60,
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def marker_seen(self, point: str) -> bool:
        return f"unpacs: test pause at {point}" in self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL, as a crash: no handler runs (the query workers die with their parent too)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Site:
    root: Path
    store: Path
    tokens: Path
    operator: str
    servers: list[Server]

    def serve(self, pause_at: str | None = None) -> Server:
        port = _free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("UNPACS_")},
            "UNPACS_STORE": str(self.store),
            "UNPACS_PORT": str(port),
            "UNPACS_BASE_IRI": BASE,
            "UNPACS_TOKENS_FILE": str(self.tokens),
            "UNPACS_QUERY_WORKERS": "1",
        }
        if pause_at is not None:
            env["UNPACS_TEST_PAUSE_AT"] = pause_at
        log = self.root / f"server-{len(self.servers)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(Path(sys.executable).with_name("unpacs")), "serve"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the kill takes its workers too
            )
        server = Server(process, f"http://127.0.0.1:{port}/", log)
        self.servers.append(server)
        deadline = time.monotonic() + 90
        while True:
            try:
                status, _b = http("GET", server.url + "-/health", timeout=5)
                if status == 200:
                    return server
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"unpacs serve did not start: {log.read_text()}")
            time.sleep(0.3)


@pytest.fixture
def site(tmp_path: Path, bundled_store_dir: Path) -> Iterator[Site]:
    made = make_site(tmp_path, bundled_store_dir)
    operator = add_token(tmp_path / "tokens.json", "operator", ["*"], ["draft", "publish"])
    found = Site(tmp_path, Path(made.settings.store), tmp_path / "tokens.json", operator, [])
    try:
        yield found
    finally:
        for server in found.servers:
            server.stop()


def phones(server: Server) -> set[str]:
    url = server.url + "sparql?" + urllib.parse.urlencode({"query": ICTO_PHONES})
    status, body = http("GET", url, headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return {b["t"]["value"] for b in json.loads(body)["results"]["bindings"]}


def draft_state(server: Server, token: str, draft: int) -> dict[str, Any]:
    status, body = http("GET", server.url + f"graphs/drafts/{draft}", headers=bearer(token))
    assert status == 200, body
    summary: dict[str, Any] = json.loads(body)["draft"]
    return summary


def history(server: Server, token: str) -> list[dict[str, Any]]:
    url = server.url + "graphs/history?" + urllib.parse.urlencode({"graph": PHL_GRAPH})
    status, body = http("GET", url, headers=bearer(token))
    assert status == 200, body
    commits: list[dict[str, Any]] = json.loads(body)["commits"]
    return commits


def submit_phone_draft(server: Server, token: str) -> int:
    status, turtle = http(
        "GET",
        server.url + "graphs?" + urllib.parse.urlencode({"graph": PHL_GRAPH}),
        headers={"Accept": "text/turtle"},
    )
    assert status == 200
    changed = turtle.decode().replace(OLD_PHONE, NEW_PHONE).encode()
    assert changed != turtle
    status, body = http(
        "POST",
        server.url + "graphs/drafts?" + urllib.parse.urlencode({"graph": PHL_GRAPH}),
        headers={**bearer(token), "Content-Type": "text/turtle"},
        data=changed,
    )
    assert status == 201, body
    draft: int = json.loads(body)["draft"]
    return draft


def publish_and_kill_at(site: Site, server: Server, draft: int, point: str) -> None:
    """Publish ``draft`` in a thread, wait until the server stops at ``point``, kill it."""
    answers: list[object] = []

    def publish() -> None:
        try:
            answers.append(
                http(
                    "POST",
                    server.url + f"graphs/drafts/{draft}/publish",
                    headers=bearer(site.operator),
                    timeout=120,
                )
            )
        except OSError as error:  # the kill drops the connection: that is the expected end
            answers.append(error)

    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.marker_seen(point):
        assert time.monotonic() < deadline, server.log.read_text()
        assert thread.is_alive(), f"publish ended before {point}: {answers}"
        time.sleep(0.1)
    server.kill()
    thread.join(timeout=30)
    assert answers and isinstance(answers[0], OSError), answers


def store_dump(path: Path) -> bytes:
    store = OxigraphStore(path)
    try:
        return dump(store)
    finally:
        store.close()


def test_kill_after_store_commit_restarts_with_draft_published_once(site: Site) -> None:
    before = store_dump(site.store)
    server = site.serve(pause_at="after-store-commit")
    draft = submit_phone_draft(server, site.operator)
    publish_and_kill_at(site, server, draft, "after-store-commit")
    assert store_dump(site.store) != before, "the store commit happened before the kill"

    restarted = site.serve()
    assert not restarted.marker_seen("after-store-commit")
    assert phones(restarted) == {NEW_PHONE}
    state = draft_state(restarted, site.operator, draft)
    assert state["status"] == "published", state
    commits = history(restarted, site.operator)
    assert [c["action"] for c in commits] == [f"publish draft #{draft}"], commits
    assert state["commit"] == commits[0]["id"]
    assert commits[0]["who"] == "operator (draft by operator)"
    # Publishing it again is refused: it is closed, not re-applied.
    status, body = http(
        "POST", restarted.url + f"graphs/drafts/{draft}/publish", headers=bearer(site.operator)
    )
    assert status == 409, body
    # Settled once: a further restart finds nothing pending and records nothing again.
    restarted.stop()
    again = site.serve()
    assert history(again, site.operator) == commits
    assert draft_state(again, site.operator, draft) == state


def test_kill_before_store_commit_restarts_with_draft_open_and_publishable(site: Site) -> None:
    before = store_dump(site.store)
    server = site.serve(pause_at="before-store-commit")
    draft = submit_phone_draft(server, site.operator)
    publish_and_kill_at(site, server, draft, "before-store-commit")
    assert store_dump(site.store) == before

    restarted = site.serve()
    assert phones(restarted) == {OLD_PHONE}
    assert draft_state(restarted, site.operator, draft)["status"] == "open"
    assert history(restarted, site.operator) == []

    status, body = http(
        "POST", restarted.url + f"graphs/drafts/{draft}/publish", headers=bearer(site.operator)
    )
    assert status == 200, body
    commit = json.loads(body)["commits"][0]
    assert phones(restarted) == {NEW_PHONE}
    state = draft_state(restarted, site.operator, draft)
    assert state["status"] == "published" and state["commit"] == commit
    commits = history(restarted, site.operator)
    assert [c["id"] for c in commits] == [commit]
    # The killed attempt left nothing pending that a later start could take for a commit.
    restarted.stop()
    again = site.serve()
    assert history(again, site.operator) == commits
    assert phones(again) == {NEW_PHONE}
