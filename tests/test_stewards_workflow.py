"""Issue 11 end to end: a PHL steward validates and drafts, a publisher publishes the ICTO phone
change while the server keeps answering queries, KEN is refused, history shows it, and a revert
gives the store back byte for byte."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import Any

from fixtures.browser import LiveApp
from fixtures.stewards import (
    ICTO,
    NEW_PHONE,
    OLD_PHONE,
    PHL_GRAPH,
    bearer,
    dump,
    make_site,
)
from flask import Flask

from unpacs.endpoint.app import create_app
from unpacs.endpoint.state import state_of
from unpacs.loader.store.oxigraph import OxigraphStore

PHONE_QUERY = (
    "SELECT ?t WHERE { <" + ICTO + "> <http://schema.org/contactPoint> ?c . "
    "?c <http://schema.org/telephone> ?t }"
)


def http(
    method: str, url: str, *, headers: dict[str, str] | None = None, data: bytes | None = None
) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def phones(base: str) -> set[str]:
    url = base + "sparql?" + urllib.parse.urlencode({"query": PHONE_QUERY})
    status, _h, body = http("GET", url, headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return {b["t"]["value"] for b in json.loads(body)["results"]["bindings"]}


def test_issue_11_steward_drafts_publisher_publishes_while_queries_run(
    tmp_path: Path,
    bundled_store_dir: Path,
    live_app: Callable[[Callable[[str], Flask]], LiveApp],
) -> None:
    site = make_site(tmp_path, bundled_store_dir)
    served = live_app(lambda _base: create_app(site.settings))
    url = served.url
    store = state_of(served.app).store
    assert isinstance(store, OxigraphStore)
    before = dump(store)

    seen: list[frozenset[str]] = []
    errors: list[str] = []
    stop = threading.Event()

    def keep_querying() -> None:
        while not stop.is_set():
            try:
                seen.append(frozenset(phones(url)))
            except Exception as error:  # any failure of a reader is what this test looks for
                errors.append(repr(error))

    reader = threading.Thread(target=keep_querying)
    reader.start()
    try:
        status, _h, turtle = http(
            "GET",
            url + "graphs?" + urllib.parse.urlencode({"graph": PHL_GRAPH}),
            headers={"Accept": "text/turtle"},
        )
        assert status == 200
        changed = turtle.decode().replace(OLD_PHONE, NEW_PHONE).encode()
        assert changed != turtle
        upload = {"Content-Type": "text/turtle"}
        query = urllib.parse.urlencode({"graph": PHL_GRAPH, "comment": "new ICTO telephone"})

        # Validate: conforms, checked as the replacement of the graph that holds ICTO.
        status, _h, body = http(
            "POST", url + "validate", headers={**bearer(site.steward), **upload}, data=changed
        )
        report = json.loads(body)
        assert status == 200 and report["conforms"] is True, report
        assert report["graph"] == PHL_GRAPH

        # The steward may not publish directly, and Kenya's steward may not touch PHL.
        status, _h, body = http(
            "PUT", url + "graphs?" + query, headers={**bearer(site.steward), **upload}, data=changed
        )
        assert status == 403 and json.loads(body)["may"]["actions"] == ["validate", "draft"]
        status, _h, body = http(
            "POST",
            url + "graphs/drafts?" + query,
            headers={**bearer(site.kenya), **upload},
            data=changed,
        )
        refusal = json.loads(body)
        assert status == 403 and "PHL" in refusal["detail"]
        assert refusal["may"] == {
            "label": "ken-steward",
            "countries": ["KEN"],
            "actions": ["validate", "draft", "publish", "update"],
        }
        status, headers, _b = http(
            "POST", url + "graphs/drafts?" + query, headers=upload, data=changed
        )
        assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")

        # Draft: stored, invisible to public queries.
        status, _h, body = http(
            "POST",
            url + "graphs/drafts?" + query,
            headers={**bearer(site.steward), **upload},
            data=changed,
        )
        assert status == 201, body
        draft = json.loads(body)["draft"]
        assert phones(url) == {OLD_PHONE}
        assert dump(store) == before

        # Review: the diff names the record and the changed value, by label.
        status, _h, body = http(
            "GET", url + f"graphs/drafts/{draft}", headers=bearer(site.publisher)
        )
        review = json.loads(body)
        icto = [r for r in review["diff"]["records"] if r["record"] == ICTO]
        assert icto and icto[0]["label"] == "Information and Communications Technology Office"
        assert {
            "field": "contactPoint / telephone",
            "change": "changed",
            "removed": [OLD_PHONE],
            "added": [NEW_PHONE],
        } in icto[0]["fields"]

        status, _h, body = http(
            "POST", url + f"graphs/drafts/{draft}/publish", headers=bearer(site.steward)
        )
        assert status == 403
        status, _h, body = http(
            "POST", url + f"graphs/drafts/{draft}/publish", headers=bearer(site.publisher)
        )
        assert status == 200, body
        commit = json.loads(body)["commits"][0]
        assert phones(url) == {NEW_PHONE}
    finally:
        stop.set()
        reader.join()
    assert not errors
    assert len(seen) > 5
    assert set(seen) <= {frozenset({OLD_PHONE}), frozenset({NEW_PHONE})}

    # History: who, what, and a readable diff.
    status, _h, body = http(
        "GET",
        url + "graphs/history?" + urllib.parse.urlencode({"graph": PHL_GRAPH}),
        headers=bearer(site.publisher),
    )
    history: dict[str, Any] = json.loads(body)
    entry = history["commits"][0]
    assert entry["id"] == commit and entry["who"] == "phl-publisher (draft by phl-steward)"
    assert entry["comment"] == "new ICTO telephone"
    fields = [f for r in entry["diff"]["records"] if r["record"] == ICTO for f in r["fields"]]
    assert any(f["field"] == "contactPoint / telephone" for f in fields)
    assert dump(store) != before

    # Revert: a recorded commit that restores the earlier version byte for byte.
    status, _h, body = http(
        "POST",
        url + "graphs/revert?" + urllib.parse.urlencode({"graph": PHL_GRAPH, "commit": commit}),
        headers=bearer(site.publisher),
    )
    assert status == 200, body
    assert dump(store) == before
    assert phones(url) == {OLD_PHONE}
    status, _h, body = http(
        "GET",
        url + "graphs/history?" + urllib.parse.urlencode({"graph": PHL_GRAPH}),
        headers=bearer(site.publisher),
    )
    assert json.loads(body)["commits"][0]["action"] == f"revert to before #{commit}"
