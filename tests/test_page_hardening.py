"""Headers, bidi isolation and /-/health on the real app over a real store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.browser import LiveApp
from fixtures.payloads import OFFICE, payload_settings
from flask import Flask
from flask.testing import FlaskClient

from unpacs.endpoint.app import create_app
from unpacs.endpoint.views.models import balance_bidi, isolate_bidi, strip_bidi

RLO, PDF, FSI, PDI = "\u202e", "\u202c", "\u2068", "\u2069"


@pytest.fixture(scope="module")
def client(
    payload_store: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FlaskClient]:
    settings = payload_settings(tmp_path_factory.mktemp("hardening"), payload_store)
    yield create_app(settings).test_client()


PAGES = [
    ("/", "text/html"),
    ("/search?q=payload", "text/html"),
    ("/doc/" + OFFICE, "text/html"),
    ("/dataset", "text/html"),
    ("/sparql", "text/html"),
    ("/validate", "text/html"),
    ("/doc/organization/no-such-thing", "text/html"),  # the HTML error page
    ("/sparql?query=SELEC", "text/html"),  # a problem page
    ("/sparql?query=SELEC", "application/problem+json"),
    ("/-/health", "application/json"),
]


@pytest.mark.parametrize(("path", "accept"), PAGES)
def test_every_page_sends_the_content_security_policy(
    client: FlaskClient, path: str, accept: str
) -> None:
    answer = client.get(path, headers={"Accept": accept})
    policy = answer.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in policy
    assert "unsafe-eval" not in policy
    # Only the vendored editor's run-time <style> elements are let in, never inline script.
    assert ("unsafe-inline" in policy) == (path == "/sparql" and answer.mimetype == "text/html")
    assert "script-src 'self';" in policy
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    if answer.mimetype == "text/html":
        html = answer.get_data(as_text=True)
        assert "<style" not in html and " style=" not in html
        assert "<script>" not in html and " onload=" not in html


def test_bidi_controls_are_balanced_and_isolated() -> None:
    assert isolate_bidi("plain") == "plain"
    assert isolate_bidi("a" + RLO + "b") == FSI + "a" + RLO + "b" + PDF + PDI
    # A stray PDI cannot close the isolate we open; a stray PDF is dropped.
    assert balance_bidi(PDI + RLO + "x") == RLO + "x" + PDF
    assert balance_bidi(PDF + "x") == "x"
    assert strip_bidi("a" + RLO + "b" + PDI) == "ab"


def test_stored_right_to_left_override_is_isolated_in_title_and_heading(
    client: FlaskClient,
) -> None:
    html = client.get("/doc/" + OFFICE, headers={"Accept": "text/html"}).get_data(as_text=True)
    title = html[html.index("<title>") : html.index("</title>")]
    assert RLO not in title and "Payload Office gnp.exe of links" in title
    assert f">{FSI}Payload Office {RLO}gnp.exe{PDF} of links{PDI}</h1>" in html


def test_health_shows_no_filesystem_path(client: FlaskClient) -> None:
    answer = client.get("/-/health")
    body = answer.get_data(as_text=True)
    found = answer.get_json()
    assert found["status"] == "ok" and found["store"] == "embedded"
    assert found["queries"]["generation"]
    assert "store/" not in body and "pytest" not in body and str(Path.cwd()) not in body


VIOLATIONS = """window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"""


def test_chromium_sees_no_csp_violation_and_the_editor_runs(
    tmp_path: Path,
    payload_store: Path,
    chromium: Any,
    live_app: Callable[[Callable[[str], Flask]], LiveApp],
) -> None:
    settings = payload_settings(tmp_path, payload_store)
    served = live_app(lambda _base: create_app(settings))
    context = chromium.new_context()
    context.add_init_script(VIOLATIONS)
    console: list[str] = []
    try:
        for path in ("", "search?q=payload", "doc/" + OFFICE, "dataset", "def/unpacs", "validate"):
            page = context.new_page()
            page.on("console", lambda m: console.append(m.text))
            page.goto(served.url + path)
            page.wait_for_load_state("load")
            assert page.evaluate("window.__violations") == [], path
            page.close()
        page = context.new_page()
        page.on("console", lambda m: console.append(m.text))
        page.goto(served.url + "sparql")
        page.click(".yasqe_queryButton")
        page.wait_for_selector(".yasr table.dataTable tbody tr")
        assert page.evaluate("window.__violations") == []
    finally:
        context.close()
    assert not [m for m in console if "Content Security Policy" in m]
