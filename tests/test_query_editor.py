"""The query editor at /sparql and its examples (queries/*.rq).

Every example runs through the real endpoint and must return rows: against the bundled data
(built once per session the way `unpacs build` does) where it holds such records, else against
the synthetic fixture tests/data/examples/ (no facts are added to data/ for an example).
Headless Chromium loads the editor, runs an example and reads the results table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from fixtures.browser import LiveApp
from fixtures.stores import BASE
from flask import Flask

from unpacs.endpoint.app import create_app
from unpacs.endpoint.state import state_of
from unpacs.loader.read.examples import Example, load_examples
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore

FIXTURE = Path(__file__).parent / "data" / "examples" / "survey-and-documents.ttl"
# Examples whose records the bundled data does not hold (yet): they run on the fixture.
ON_FIXTURE = {"strategies-and-laws-by-topic"}
REQUIRED = {
    "countries-of-a-region",
    "institutions-of-a-country",
    "e-government-official-on-a-date",
    "posts-of-a-person",
    "strategies-and-laws-by-topic",
    "egdi-of-a-country",
    "top-10-of-an-edition",
    "case-studies-by-topic",
}
EXAMPLES = load_examples()


def fixture_store(path: Path, base_iri: str) -> OxigraphStore:
    store = OxigraphStore(path)
    triples = [
        pyoxigraph.Triple(q.subject, q.predicate, q.object)
        for q in pyoxigraph.parse(
            path=FIXTURE, format=pyoxigraph.RdfFormat.TURTLE, base_iri=base_iri
        )
    ]
    store.replace_graphs({base_iri + "graph/test/examples": triples})
    return store


@pytest.fixture(scope="session")
def bundled_app(bundled_store: OxigraphStore) -> Iterator[Flask]:
    settings = Settings(store=str(bundled_store.path), base_iri=BASE, query_workers=1)
    app = create_app(settings, store=bundled_store)
    state_of(app).after_commit()
    yield app
    state_of(app).executor.close()


@pytest.fixture(scope="session")
def fixture_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    store = fixture_store(tmp_path_factory.mktemp("examples") / "store", BASE)
    app = create_app(Settings(store="unused", base_iri=BASE), store=store)
    yield app
    store.close()


def test_the_examples_the_issue_names_are_there_with_titles() -> None:
    names = {e.name for e in EXAMPLES}
    assert names >= REQUIRED
    for example in EXAMPLES:
        assert example.title and example.description, example.name


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_every_example_returns_rows(
    example: Example, bundled_app: Flask, fixture_app: Flask
) -> None:
    app = fixture_app if example.name in ON_FIXTURE else bundled_app
    response = app.test_client().post("/sparql", data={"query": example.query})
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = response.get_json()["results"]["bindings"]
    assert rows, f"{example.name} returned no rows"


def test_examples_hold_what_they_say(bundled_app: Flask, fixture_app: Flask) -> None:
    """A few answers checked by value, so an example cannot pass by returning anything."""
    by_name = {e.name: e for e in EXAMPLES}

    def run(app: Flask, name: str) -> list[dict[str, str]]:
        response = app.test_client().post("/sparql", data={"query": by_name[name].query})
        bindings = response.get_json()["results"]["bindings"]
        return [{k: v["value"] for k, v in b.items()} for b in bindings]

    asia = {row["iso3"] for row in run(bundled_app, "countries-of-a-region")}
    assert {"PHL", "KOR", "JPN"} <= asia and "FRA" not in asia
    official = run(bundled_app, "e-government-official-on-a-date")
    assert [row["name"] for row in official] == ["Louis Napoleon C. Casambre"]
    parents = {
        row["name"]: row.get("parentName") for row in run(bundled_app, "institutions-of-a-country")
    }
    assert parents["Information and Communications Technology Office"] == (
        "Department of Science and Technology"
    )
    # The bundled UN E-Government Survey (data/reference/egov-survey-*.ttl).
    editions = [(row["edition"], row["egdi"]) for row in run(bundled_app, "egdi-of-a-country")]
    assert editions[0] == ("2010", "0.46373") and editions[-1] == ("2018", "0.6512")
    top = [row["country"] for row in run(bundled_app, "top-10-of-an-edition")]
    assert len(top) == 10 and top[0] == BASE + "id/country/DNK"


def test_the_editor_page_lists_the_examples_escaped(fixture_app: Flask) -> None:
    response = fixture_app.test_client().get("/sparql", headers={"Accept": "text/html"})
    page = response.get_data(as_text=True)
    for example in EXAMPLES:
        assert f'data-example="{example.name}"' in page
    # The configuration is JSON inside a script element: no raw '<' from the queries survives.
    config = page.split('id="unpacs-config" type="application/json">', 1)[1].split("</script>")[0]
    assert "<" not in config and "\\u003c" in config


def test_issue_9_chromium_runs_an_example_in_the_editor(
    tmp_path: Path, chromium: Any, live_app: Callable[[Callable[[str], Flask]], LiveApp]
) -> None:
    def factory(base: str) -> Flask:
        store = fixture_store(tmp_path / "store", base)
        return create_app(Settings(store="unused", base_iri=base), store=store)

    served = live_app(factory)
    page = chromium.new_page()
    outside: list[str] = []
    errors: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(served.url) else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        response = page.goto(served.url + "sparql")
        assert response is not None and response.status == 200
        # The starting query uses our prefixes (schema:, skos:), which the page declared.
        page.click(".yasqe_queryButton")
        rows = page.locator(".yasr table.dataTable tbody tr")
        rows.first.wait_for(timeout=20_000)
        assert "Testland" in page.inner_text(".yasr table.dataTable")
        page.click("button.example[data-example='top-10-of-an-edition']")
        page.locator(".yasr table.dataTable", has_text="0.7").wait_for(timeout=20_000)
        table = page.locator(".yasr table.dataTable tbody tr")
        table.first.wait_for(timeout=20_000)
        assert table.count() == 2
        text = page.inner_text(".yasr table.dataTable")
        assert "Markupland" in text and "0.7" in text
        # The literal with markup is shown as text, never run or inserted as an element.
        assert page.evaluate("window.unpacsInjected") is None
        assert page.locator(".yasr table img").count() == 0
    finally:
        page.close()
    assert errors == []
    assert outside == [], f"the editor fetched other hosts: {outside}"
