"""Running ``unpacs`` as a real process: commands, and ``serve`` on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    assert port != 8000
    return port


def clean_env(**settings: str) -> dict[str, str]:
    """The environment without any UNPACS_* variable of the caller, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNPACS_")}
    return env | settings


def unpacs(
    exe: str, cwd: Path, env: Mapping[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, env=dict(env), cwd=cwd, timeout=300
    )


@contextmanager
def serving(exe: str, cwd: Path, env: Mapping[str, str], *args: str) -> Iterator[str]:
    """``unpacs serve`` until the block ends; yields the root URL once /-/health answers."""
    port = env.get("UNPACS_PORT")
    assert port, "give UNPACS_PORT"
    log = (cwd / f"serve-{port}.log").open("wb")
    server = subprocess.Popen(
        [exe, *args, "serve"], env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT
    )
    root = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (cwd / f"serve-{port}.log").read_text()
            try:
                with urllib.request.urlopen(root + "-/health", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "server did not answer"
                time.sleep(0.2)
        yield root
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
