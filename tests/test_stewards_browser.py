"""Issue 11 in headless Chromium: log in, validate, draft, review and publish, history, revert."""

from __future__ import annotations

import io
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from fixtures.browser import LiveApp
from fixtures.stewards import (
    NEW_PHONE,
    OLD_PHONE,
    PHL_GRAPH,
    dump,
    make_site,
)
from flask import Flask

from unpacs.endpoint.app import create_app
from unpacs.endpoint.state import state_of
from unpacs.loader.store.oxigraph import OxigraphStore


def log_in(browser: Any, url: str, token: str) -> Any:
    context = browser.new_context()
    page = context.new_page()
    page.goto(url + "steward/login")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_issue_11_steward_pages_in_chromium(
    tmp_path: Path,
    bundled_store_dir: Path,
    chromium: Any,
    live_app: Callable[[Callable[[str], Flask]], LiveApp],
) -> None:
    site = make_site(tmp_path, bundled_store_dir)
    served = live_app(lambda _base: create_app(site.settings))
    url = served.url
    store = state_of(served.app).store
    assert isinstance(store, OxigraphStore)
    before = dump(store)
    query = urllib.parse.urlencode({"graph": PHL_GRAPH})
    with urllib.request.urlopen(url + "graphs?" + query) as answer:  # Turtle by default
        turtle = answer.read().decode()
    changed = tmp_path / "philippines.ttl"
    changed.write_text(turtle.replace(OLD_PHONE, NEW_PHONE))

    steward = log_in(chromium, url, site.steward)
    try:
        assert "Logged in as phl-steward" in steward.inner_text("#who")
        steward.goto(url + "validate")
        steward.set_input_files("#file", str(changed))
        steward.click("button[type=submit]")
        assert steward.inner_text("#verdict").startswith("Conforms")

        book = openpyxl.Workbook()
        book.active.append(
            [
                "Person code *",
                "Last name *",
                "Title *",
                "Institution code *",
                "Start date",
                "Source *",
            ]
        )
        book.active.append(
            ["doe-phl", "Doe", "Director", "icto-phl", "31/02/2011", "https://dict.gov.ph/"]
        )
        workbook = tmp_path / "officials.xlsx"
        book.save(workbook)
        steward.goto(url + "validate")
        steward.set_input_files("#file", str(workbook))
        steward.click("button[type=submit]")
        assert steward.inner_text("#verdict").startswith("Does not conform")
        assert "cell E2" in steward.inner_text("#problems")
        with steward.expect_download() as download_info:
            steward.click("#annotated")
        annotated = openpyxl.load_workbook(
            io.BytesIO(Path(download_info.value.path()).read_bytes())
        )
        assert "not a date" in annotated["Sheet"]["E2"].comment.text

        steward.goto(url + "graphs")
        steward.fill("#graph", PHL_GRAPH)
        steward.set_input_files("#file", str(changed))
        steward.select_option("#target", "draft")
        steward.fill("#comment", "new ICTO telephone")
        steward.click("#upload button[type=submit]")
        assert "draft 1 submitted for review" in steward.inner_text("#done")

        steward.goto(url + "graphs")
        steward.fill("#graph", PHL_GRAPH)
        steward.set_input_files("#file", str(changed))
        steward.select_option("#target", "publish")
        steward.click("#upload button[type=submit]")
        assert "may not publish" in steward.inner_text("#refusal")
        assert dump(store) == before
    finally:
        steward.context.close()

    publisher = log_in(chromium, url, site.publisher)
    try:
        publisher.goto(url + "graphs/drafts")
        publisher.click("#drafts a")
        diff = publisher.inner_text("table.diff >> nth=-1")
        assert "contactPoint / telephone" in publisher.inner_text("main")
        assert NEW_PHONE in publisher.inner_text("main") and OLD_PHONE in publisher.inner_text(
            "main"
        )
        assert diff
        publisher.fill("#publish-comment", "checked against the ministry's site")
        publisher.click("#publish button")
        assert "draft 1 published" in publisher.inner_text("#done")
        assert dump(store) != before

        publisher.goto(url + "graphs/history?" + query)
        first = publisher.inner_text("#commit-1")
        assert "publish draft #1" in first and "phl-publisher (draft by phl-steward)" in first
        assert NEW_PHONE in first
        publisher.click("#commit-1 form.revert button")
        publisher.wait_for_load_state()
        assert "revert to before #1" in publisher.inner_text("#commit-2")
        assert dump(store) == before
    finally:
        publisher.context.close()
