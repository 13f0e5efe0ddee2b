"""A real Virtuoso (Debian ``virtuoso-opensource-7-bin``) on free loopback ports, for the
remote-engine tests. ``.ci/run`` installs the package when ``virtuoso-t`` is missing; a test that
asks for it fails (never skips) without it.

Virtuoso keeps the union of its graphs as the default graph, answers queries and SPARQL Update
at ``/sparql`` and the Graph Store Protocol at ``/sparql-graph-crud``; the anonymous ``SPARQL``
user needs ``SPARQL_UPDATE`` for writes, granted here through ``isql-vt``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {dir}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ServerThreads = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 4

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


GRANTS = "GRANT SPARQL_UPDATE TO \"SPARQL\"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start Virtuoso; yields its SPARQL endpoint URL (``http://127.0.0.1:PORT/sparql``)."""
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if not binary or not isql:
        raise RuntimeError(
            "Virtuoso is missing: run .ci/run or apt-get install virtuoso-opensource-7-bin"
        )
    folder: Path = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = _free_port(), _free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(INI.format(dir=folder, sql_port=sql_port, http_port=http_port))
    log = (folder / "stdout.log").open("wb")
    process = subprocess.Popen(
        [binary, "+foreground", "+configfile", str(ini)], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{http_port}/sparql"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}?query=ASK%7B%7D", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Virtuoso did not start; see {folder}") from None
                time.sleep(0.2)
        subprocess.run(
            [
                isql,
                f"127.0.0.1:{sql_port}",
                "dba",
                "dba",
                "exec=" + GRANTS,
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
