"""Stored values never become a live link unless they are http(s), a site path or an anchor.

The attack values (``javascript:`` in any case, ``data:``, ``vbscript:``, with whitespace,
control characters or entities) are refused by the shapes (``shapes/links.ttl``); loaded
unvalidated into a real store, as an operator's ``--no-validate`` could, the pages holding them
are read as HTML, and clicked in headless Chromium with the CSP bypassed,
so the link check alone must hold (the CSP is tested in test_security_headers.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fixtures.browser import LiveApp
from fixtures.payloads import (
    OFFICE,
    PAYLOAD_PAGES,
    PAYLOADS,
    payload_settings,
)
from fixtures.stores import BASE
from flask import Flask
from flask.testing import FlaskClient

from unpacs.endpoint.app import create_app
from unpacs.endpoint.views.models import href_allowed, local_href, safe_href
from unpacs.loader.errors import ValidationFailedError
from unpacs.loader.ingest.pipeline import load_sources, read_source
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore

SCHEMA_EMAIL = "http://schema.org/email"
SCHEMA_TELEPHONE = "http://schema.org/telephone"

REFUSED = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "javascript\x00:alert(1)",
    "java&#x09;script:alert(1)",
    "&#106;avascript:alert(1)",
    "javascript://example.org/%0Aalert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "ftp://example.org/",
    "file:///etc/passwd",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example\\",
    "http:evil.example",
    "https:/evil.example",
    "mailto:someone@example.org",  # no field that holds an address here
    "tel:+15550100",
    "http://example.org/\u202egpj.exe",
    "",
]
ALLOWED = [
    "http://example.org/",
    "HTTPS://example.org/a?b=c&d=e#f",
    "/doc/country/PHL",
    "#source-1",
    "https://例え.jp/パス",
]


class Hrefs(HTMLParser):
    """Every URL-valued attribute a browser could follow or load."""

    ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster"})

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in self.ATTRIBUTES:
                self.found.append((tag, value or ""))


def hrefs_of(html: str) -> list[tuple[str, str]]:
    parser = Hrefs()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("href", REFUSED, ids=repr)
def test_a_value_outside_the_allow_list_is_not_a_link(href: str) -> None:
    assert not href_allowed(href)
    assert safe_href(href) is None or href.startswith(("mailto:", "tel:"))
    assert local_href(BASE, href) is None


@pytest.mark.parametrize("href", ALLOWED, ids=repr)
def test_http_links_site_paths_and_anchors_are_links(href: str) -> None:
    assert href_allowed(href) and safe_href(href) == href


def test_mailto_and_tel_are_links_only_as_the_value_of_their_field() -> None:
    assert local_href(BASE, "mailto:office@example.org", SCHEMA_EMAIL) == (
        "mailto:office@example.org"
    )
    assert local_href(BASE, "tel:+15550100", SCHEMA_TELEPHONE) == "tel:+15550100"
    assert local_href(BASE, "tel:+15550100", SCHEMA_EMAIL) is None
    assert local_href(BASE, "javascript:alert(1)", SCHEMA_EMAIL) is None
    assert local_href(BASE, "mailto:office@example.org") is None


def test_our_iris_become_site_paths_that_stay_on_the_site() -> None:
    assert local_href(BASE, BASE + "id/country/PHL") == "/doc/country/PHL"
    assert local_href(BASE, BASE + "def/unpacs#post") == "/def/unpacs#post"
    # ``{base}/evil.example/`` would be the path ``//evil.example/``: another host.
    assert local_href(BASE, BASE + "/evil.example/") == BASE + "/evil.example/"
    assert local_href(BASE, BASE + "\\evil.example/") is None


@pytest.fixture(scope="module")
def client(
    payload_store: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FlaskClient]:
    settings = payload_settings(tmp_path_factory.mktemp("links"), payload_store)
    yield create_app(settings).test_client()


def test_the_shapes_refuse_every_link_payload_and_the_store_is_unchanged(
    bundled_copy: Path,
) -> None:
    path = bundled_copy
    settings = Settings(store=str(path))
    store = OxigraphStore(path)
    try:
        before = sorted(str(q) for q in store.quads())
        with pytest.raises(ValidationFailedError) as refused:
            load_sources(store, [read_source(PAYLOADS, settings)], settings)
        refused_values = {
            i.value for i in refused.value.issues if i.shape and "#WebLinks-" in i.shape
        }
        assert sorted(str(q) for q in store.quads()) == before
    finally:
        store.close()
    for payload in (
        "javascript:window.__pwned=1",
        "JaVaScRiPt:alert(1)",
        "vbscript:msgbox(1)",
        "javascript:alert(1)",
        "mailto:not-a-contact-field@example.org",
    ):
        assert any(v is not None and payload in v for v in refused_values), payload
    assert not any(v is not None and "https://example.org/ok" in v for v in refused_values)


@pytest.mark.parametrize("path", PAYLOAD_PAGES)
def test_pages_holding_payloads_have_no_url_outside_the_allow_list(
    client: FlaskClient, path: str
) -> None:
    answer = client.get(path, headers={"Accept": "text/html"})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    found = hrefs_of(html)
    assert found
    bad = [(tag, url) for tag, url in found if not href_allowed(url)]
    assert bad == []
    assert not any("script:" in url.lower() or url.lower().startswith("data:") for _, url in found)


def test_the_payloads_are_on_the_page_as_text(client: FlaskClient) -> None:
    html = client.get("/doc/" + OFFICE, headers={"Accept": "text/html"}).get_data(as_text=True)
    for text in (
        "<span>javascript:window.__pwned=1</span>",
        "<span>JaVaScRiPt:alert(1)</span>",
        "<span>vbscript:msgbox(1)</span>",
        "<span>data:text/html;base64,",
        "<span>mailto:not-a-contact-field@example.org</span>",
        "<code>javascript:window.__pwned=1</code>",  # a predicate
    ):
        assert text in html
    assert '<a href="https://example.org/ok">' in html


# Run in the page: a link the browser itself parses to a scheme other than http(s).
FOREIGN_LINKS = """() => Array.from(document.querySelectorAll('a[href], area[href]'))
  .filter(a => !['http:', 'https:'].includes(a.protocol)).map(a => a.getAttribute('href'))"""
# Click every link; those to http(s) (the browser's own parse) are not followed, so the page
# stays and the next link is clicked; any other link (javascript:, data:, ...) is followed.
CLICK_ALL = """() => {
  const links = Array.from(document.querySelectorAll('a'));
  document.addEventListener('click', e => {
    const a = e.target.closest('a');
    if (a && a.href && ['http:', 'https:'].includes(a.protocol)) { e.preventDefault(); }
  }, true);
  links.forEach(a => a.click());
  return links.length;
}"""


VALUES = "ul.values li > a, ul.values li > span, p > span, p > a"


def open_page(context: Any, url: str, dialogs: list[str]) -> Any:
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    answer = page.goto(url)
    assert answer is not None and answer.status == 200
    return page


def test_chromium_clicks_every_link_on_the_payload_pages_and_nothing_runs(
    tmp_path: Path,
    payload_store: Path,
    chromium: Any,
    live_app: Callable[[Callable[[str], Flask]], LiveApp],
) -> None:
    settings = payload_settings(tmp_path, payload_store)
    served = live_app(lambda _base: create_app(settings))
    dialogs: list[str] = []
    for path in PAYLOAD_PAGES:
        # Without the CSP, so that only the link check stands between the payload and a click.
        # Downloads refused: a link to a Turtle or dump download left in flight makes
        # Chromium's page.close() wait for ever (microsoft/playwright#22185); one context per
        # page, closed in finally, so nothing of one page is left to hold the next.
        context = chromium.new_context(bypass_csp=True, accept_downloads=False)
        context.add_init_script("window.__pwned = 0;")
        try:
            page = open_page(context, served.url + path.lstrip("/"), dialogs)
            assert page.evaluate(FOREIGN_LINKS) == [], path
            # Real mouse clicks on every value shown in the rows that hold payloads.
            values = page.locator(VALUES)
            for index in range(min(values.count(), 60)):
                item = page.locator(VALUES).nth(index)
                if item.is_visible():
                    item.click(modifiers=[], no_wait_after=True, timeout=5000)
                    if page.url.split("#")[0] != served.url + path.lstrip("/").split("#")[0]:
                        # A fresh tab on the page rather than go_back: under load the history
                        # entry could already be detached ("Not attached to an active page").
                        page = open_page(context, served.url + path.lstrip("/"), dialogs)
            page = open_page(context, served.url + path.lstrip("/"), dialogs)
            assert page.evaluate(CLICK_ALL) > 0
            page.wait_for_timeout(300)
            assert page.evaluate("window.__pwned") == 0, path
        finally:
            context.close()
    assert dialogs == []


SEE_ALSO = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?o WHERE { ?s rdfs:seeAlso|<http://xmlns.com/foaf/0.1/homepage> ?o }"""


def test_chromium_sparql_results_link_no_payload(
    tmp_path: Path,
    payload_store: Path,
    chromium: Any,
    live_app: Callable[[Callable[[str], Flask]], LiveApp],
) -> None:
    settings = payload_settings(tmp_path, payload_store)
    served = live_app(lambda _base: create_app(settings))
    context = chromium.new_context(bypass_csp=True, accept_downloads=False)
    context.add_init_script("window.__pwned = 0;")
    dialogs: list[str] = []
    try:
        page = open_page(context, served.url + "sparql", dialogs)
        page.wait_for_function("() => window.Yasgui !== undefined")
        page.evaluate(
            "q => { const t = document.querySelector('.yasqe .CodeMirror').CodeMirror;"
            " t.setValue(q); }",
            SEE_ALSO,
        )
        page.click(".yasqe_queryButton")
        page.wait_for_selector(".yasr table.dataTable tbody tr")
        text = page.inner_text(".yasr")
        assert "javascript:window.__pwned=1" in text and "vbscript:msgbox(1)" in text
        assert page.evaluate(FOREIGN_LINKS) == []
        # Every cell's content, payloads included (links open a new tab: no navigation here).
        cells = page.locator(".yasr table.dataTable tbody td span")
        assert cells.count() > 0
        for index in range(cells.count()):
            cells.nth(index).click(force=True, no_wait_after=True, timeout=5000)
        assert page.evaluate(CLICK_ALL) > 0
        page.wait_for_timeout(300)
        assert page.evaluate("window.__pwned") == 0
    finally:
        context.close()
    assert dialogs == []
