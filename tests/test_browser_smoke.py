"""The browser fixtures work: the real app over HTTP, read by headless Chromium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fixtures.browser import LiveApp
from flask import Flask

from unpacs.endpoint.app import create_app
from unpacs.loader.settings import Settings


def test_chromium_reads_the_health_page_of_the_served_app(
    tmp_path: Path,
    chromium: Any,
    live_app: Callable[[Callable[[str], Flask]], LiveApp],
) -> None:
    served = live_app(
        lambda base: create_app(Settings(store=str(tmp_path / "store"), base_iri=base))
    )
    page = chromium.new_page()
    try:
        response = page.goto(served.url + "-/health")
        assert response is not None and response.status == 200
        assert "ok" in page.inner_text("body")
    finally:
        page.close()
