"""Issue 10: pages for people (languages, RTL, as-of views, sources) and search freshness."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.browser import LiveApp
from fixtures.pages import bundled_with_fixture
from fixtures.stores import BASE
from flask import Flask
from flask.testing import FlaskClient

from unpacs.endpoint.app import create_app
from unpacs.endpoint.state import state_of
from unpacs.loader.ingest.pipeline import load_sources, read_source
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore


@pytest.fixture(scope="module")
def store(
    bundled_store_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OxigraphStore]:
    built = bundled_with_fixture(
        bundled_store_dir, tmp_path_factory.mktemp("pages") / "store", BASE
    )
    yield built
    built.close()


@pytest.fixture
def client(store: OxigraphStore, tmp_path: Path) -> FlaskClient:
    return create_app(Settings(store=str(tmp_path / "x"), base_iri=BASE), store=store).test_client()


def html(client: FlaskClient, url: str, **headers: str) -> str:
    seen = client.get(url, headers={"Accept": "text/html", **headers})
    assert seen.status_code == 200, seen.data[:500]
    return seen.get_data(as_text=True)


def test_issue_10_country_page_shows_names_tree_officials_and_sources(client: FlaskClient) -> None:
    page = html(client, "/doc/country/PHL")
    for expected in (
        "菲律宾",
        "Филиппины",
        "الفلبين",
        "Filipinas",
        "South-eastern Asia",
        "Department of Science and Technology",
        "Information and Communications",
        "Louis Napoleon C. Casambre",
        'since <time datetime="2011-08-28">',
        'href="#source-1"',
        "UN Project Office on Governance (UNPOG)",
    ):
        assert expected in page, expected
    assert 'last attested <time datetime="2014-04-30">' in page
    groups = html(client, "/doc/country/AFG")
    assert "Least developed countries</a> (as of <time" in groups


def test_issue_10_institution_page_shows_relations_posts_contacts_and_sources(
    client: FlaskClient,
) -> None:
    page = html(client, "/doc/organization/icto-phl")
    for expected in (
        "Department of Science and Technology",
        "Executive Director",
        "Louis Napoleon C. Casambre",
        "+632 857 2071 to 82",
        "DOST Bldg.",
        "Contact points",
        "Functions",
        "Formulate the Governance Information",
    ):
        assert expected in page, expected
    fixture = html(client, "/doc/organization/zz-ministry")
    assert "Reporting units" in fixture and "Office of Fixtures" in fixture


def test_issue_10_cors_preflight(client: FlaskClient) -> None:
    seen = client.options(
        "/doc/country/PHL",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert seen.status_code == 200
    assert seen.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in seen.headers["Access-Control-Allow-Headers"]


def test_issue_10_indicators_table_and_chart(client: FlaskClient) -> None:
    page = html(client, "/doc/country/ZZZ")
    assert "0.4321" in page and "0.5678" in page
    assert '<svg role="img"' in page and '<title id="chart-title">' in page
    table = html(client, "/doc/dataset/zz-survey")
    assert table.count("<tr>") >= 3 and 'class="sortable"' in table


def test_issue_10_as_of_views_show_the_holder_valid_on_the_date(client: FlaskClient) -> None:
    early = html(client, "/doc/organization/zz-office?date=2012-05-01")
    late = html(client, "/doc/organization/zz-office?date=2016-05-01")
    assert "Alpha First" in early and "Beta Second" not in early
    assert "Beta Second" in late and "Alpha First" not in late
    assert "2012-05-01" in early
    country = html(client, "/doc/country/ZZZ?date=2016-05-01")
    assert "Beta Second" in country and "Alpha First" not in country
    everyone = html(client, "/doc/organization/zz-office")
    assert "Alpha First" in everyone and "Beta Second" in everyone
    assert "Office of Fixtures" in html(client, "/doc/organization/zz-ministry")


def test_issue_10_languages_rtl_and_fallback(client: FlaskClient) -> None:
    arabic = html(client, "/doc/country/PHL?lang=ar")
    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<h1 lang="ar">الفلبين</h1>' in arabic
    french = html(client, "/doc/country/PHL", **{"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"})
    assert '<html lang="fr" dir="ltr">' in french and "Accueil" in french
    # Page text without a French translation falls back to English, and says so.
    assert "not translated into this language" in french
    switcher = html(client, "/search?q=philip&lang=fr")
    assert 'href="/search?q=philip&amp;lang=ar" hreflang="ar"' in switcher
    russian = html(client, "/doc/organization/icto-phl?lang=ru")
    assert "Not available in this language; shown in" in russian


def test_issue_10_labels_are_escaped(client: FlaskClient) -> None:
    page = html(client, "/doc/country/ZZZ?lang=ar")
    assert "<script>window.__pwned" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page


def test_issue_10_home_lists_counts_regions_and_entry_points(client: FlaskClient) -> None:
    page = html(client, "/")
    for expected in (
        "Asia",
        "Least developed countries",
        'href="/sparql"',
        'href="/search',
        'href="/dataset"',
        "Thematic areas",
    ):
        assert expected in page, expected


def test_issue_10_search_is_ranked_filtered_highlighted_and_fresh(
    client: FlaskClient, tmp_path: Path
) -> None:
    found = client.get("/search?q=philip&format=json").get_json()
    assert found["results"][0]["iri"] == BASE + "id/country/PHL"
    assert "<mark>" in found["results"][0]["highlight"]
    russian = client.get("/search?q=Филиппины&format=json&in=ru").get_json()["results"]
    assert [r["lang"] for r in russian] == ["ru"]
    # Chinese has no spaces: a word inside a name is found, and highlighted in place.
    chinese = client.get("/search?q=律宾&format=json").get_json()["results"]
    assert chinese[0]["iri"] == BASE + "id/country/PHL"
    assert chinese[0]["label"] == "菲律宾" and chinese[0]["highlight"] == "菲<mark>律宾</mark>"
    orgs = client.get("/search?q=technology&type=organization&country=PHL&format=json").get_json()
    assert orgs["results"] and all(r["type"] == "organization" for r in orgs["results"])
    escaped = client.get("/search?q=script&format=json").get_json()["results"]
    assert (
        escaped and "&lt;" in escaped[0]["highlight"] and "<script>" not in escaped[0]["highlight"]
    )
    assert "<mark>Philip" in html(client, "/search?q=philip")
    # A load through the pipeline, then after_commit: the index sees it at once.
    settings = Settings(store=str(tmp_path / "x"), base_iri=BASE)
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "<id/organization/yy-ministry> a org:Organization ;\n"
        '  skos:prefLabel "Quokka Bureau"@en ; dcterms:spatial <id/country/ZZZ> ;\n'
        "  dcterms:source <id/document/test-source> .\n"
    )
    state = state_of(client.application)
    assert client.get("/search?q=quokka&format=json").get_json()["results"] == []
    load_sources(state.store, [read_source(extra, settings)], settings, validate=False)
    state.after_commit()
    fresh = client.get("/search?q=quokka&format=json").get_json()["results"]
    assert [r["iri"] for r in fresh] == [BASE + "id/organization/yy-ministry"]


def test_issue_10_pages_in_chromium(
    tmp_path: Path,
    chromium: Any,
    live_app: Callable[[Callable[[str], Flask]], LiveApp],
    store: OxigraphStore,
) -> None:
    # Page links are site-relative, so the store built at BASE serves on any port.
    def factory(base: str) -> Flask:
        return create_app(Settings(store=str(tmp_path / "x"), base_iri=BASE), store=store)

    served = live_app(factory)
    page = chromium.new_page(viewport={"width": 390, "height": 844})
    try:
        checks = [
            ("", "What the knowledge base holds"),
            ("doc/country/PHL", "Louis Napoleon C. Casambre"),
            ("doc/organization/icto-phl", "Department of Science and Technology"),
            ("doc/person/casambre-louis-napoleon", "Executive Director"),
            ("doc/concept/thematic-area/national-e-procurement", "Tagged with this concept"),
            ("doc/country/PHL?lang=ar", "الفلبين"),
        ]
        for i, (path, expected) in enumerate(checks):
            response = page.goto(served.url + path)
            assert response is not None and response.status == 200, path
            assert expected in page.inner_text("main"), path
            page.screenshot(path=str(tmp_path / f"page-{i}.png"), full_page=True)
        assert page.evaluate("document.documentElement.dir") == "rtl"
        page.goto(served.url + "doc/country/ZZZ?lang=ar")
        assert page.evaluate("typeof window.__pwned") == "undefined"
        heading = page.inner_text("h1")
        assert "<script>window.__pwned = 1</script>" in heading
        assert '"quoted"' in heading and "'single'" in heading and "\u200f" in heading
        page.screenshot(path=str(tmp_path / "escaping.png"), full_page=True)
    finally:
        page.close()
