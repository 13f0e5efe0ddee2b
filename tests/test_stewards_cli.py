"""Issue 11 on the command line: tokens, and writes through a running server (--server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from fixtures.browser import LiveApp
from fixtures.stewards import (
    BASE,
    make_site,
)
from flask import Flask

from unpacs.endpoint.app import create_app
from unpacs.loader.stewards.tokens import authenticate, hash_token, load_tokens

UNPACS = str(Path(sys.executable).with_name("unpacs"))
GRAPH = BASE + "graph/country/PHL/officials"
RECORD = f"""
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{BASE}id/person/doe-test> a foaf:Person ; foaf:name "Jane Doe" ; foaf:familyName "Doe" ;
    dcterms:source <https://dict.gov.ph/> .
"""


def unpacs(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNPACS_")}
    env["UNPACS_TOKENS_FILE"] = str(tmp_path / "tokens.json")
    return subprocess.run(
        [UNPACS, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
    )


def test_issue_11_token_add_prints_the_token_once_and_stores_its_hash(tmp_path: Path) -> None:
    made = unpacs(
        tmp_path, "token", "add", "phl-steward", "--country", "PHL", "--actions", "draft,validate"
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    stored = (tmp_path / "tokens.json").read_text()
    assert secret not in stored and hash_token(secret) in stored
    token = authenticate(secret, load_tokens(tmp_path / "tokens.json"))
    assert (
        token is not None and token.countries == ("PHL",) and token.actions == ("draft", "validate")
    )
    again = unpacs(
        tmp_path, "token", "add", "phl-steward", "--country", "PHL", "--actions", "draft"
    )
    assert again.returncode == 1 and "exists already" in again.stderr
    bad = unpacs(tmp_path, "token", "add", "x", "--country", "Philippines", "--actions", "draft")
    assert bad.returncode == 1 and "alpha-3" in bad.stderr and "Traceback" not in bad.stderr
    wrong = unpacs(tmp_path, "token", "add", "y", "--country", "PHL", "--actions", "rule")
    assert wrong.returncode == 1 and "unknown action 'rule'" in wrong.stderr


def test_issue_11_load_and_delete_through_a_running_server(
    tmp_path: Path,
    bundled_store_dir: Path,
    live_app: Callable[[Callable[[str], Flask]], LiveApp],
) -> None:
    site = make_site(tmp_path, bundled_store_dir)
    served = live_app(lambda _base: create_app(site.settings))
    store = site.settings.store
    record = tmp_path / "doe.ttl"
    record.write_text(RECORD)
    token_file = tmp_path / "publisher.token"
    token_file.write_text(site.publisher)

    busy = unpacs(tmp_path, "--store", store, "load", str(record))
    assert busy.returncode == 1 and "--server URL --token TOKEN" in busy.stderr

    loaded = unpacs(
        tmp_path,
        "load",
        str(record),
        "--server",
        served.url,
        "--token",
        "@" + str(token_file),
        "--graph",
        GRAPH,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout)["graphs"] == {
        GRAPH: json.loads(loaded.stdout)["graphs"][GRAPH]
    }

    drafted = unpacs(
        tmp_path,
        "load",
        str(record),
        "--server",
        served.url,
        "--token",
        site.steward,
        "--graph",
        GRAPH,
        "--draft",
    )
    assert drafted.returncode == 0 and json.loads(drafted.stdout)["draft"] == 1

    refused = unpacs(
        tmp_path,
        "load",
        str(record),
        "--server",
        served.url,
        "--token",
        site.kenya,
        "--graph",
        GRAPH,
    )
    assert refused.returncode == 1 and "does not cover" in refused.stderr

    broken = tmp_path / "broken.ttl"
    broken.write_text(RECORD.replace('foaf:name "Jane Doe" ;', ""))
    invalid = unpacs(
        tmp_path,
        "load",
        str(broken),
        "--server",
        served.url,
        "--token",
        site.publisher,
        "--graph",
        GRAPH,
    )
    assert invalid.returncode == 1 and "422" in invalid.stderr and "doe-test" in invalid.stderr

    deleted = unpacs(
        tmp_path, "delete", "--graph", GRAPH, "--server", served.url, "--token", site.publisher
    )
    assert deleted.returncode == 0, deleted.stderr
    assert GRAPH not in served.app.extensions["unpacs"].store.graph_names()
    usage = unpacs(tmp_path, "load", str(record), "--server", served.url, "--graph", GRAPH)
    assert usage.returncode == 2 and "--token" in usage.stderr
