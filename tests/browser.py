"""Headless Chromium (Debian's package) driven by Playwright, and the real app served over HTTP.

Playwright's own browser download is not reachable here, so the system Chromium is launched;
`.ci/run` installs it with apt-get when it is missing. ``conftest.py`` exposes the fixtures
(``chromium``, ``live_app``) to every test module.
"""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A Playwright ``Browser`` on the system Chromium; fails (never skips) when it is missing."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        raise RuntimeError("chromium is missing: run .ci/run or `apt-get install chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class LiveApp:
    url: str  # ends with '/'
    app: Flask


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_app() -> Iterator[Callable[[Callable[[str], Flask]], LiveApp]]:
    """Serve an app with waitress on a free port: ``live_app(lambda base_iri: create_app(...))``.

    The factory receives the served base IRI (``http://127.0.0.1:{port}/``) so the data and
    links of the app resolve where it is served.
    """
    import waitress.server

    servers: list[Any] = []

    def start(factory: Callable[[str], Flask]) -> LiveApp:
        port = _free_port()
        base = f"http://127.0.0.1:{port}/"
        app = factory(base)
        server = waitress.server.create_server(app, host="127.0.0.1", port=port, threads=4)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append(server)
        return LiveApp(base, app)

    yield start
    for server in servers:
        server.close()
