"""The peers and clients of the endpoint benchmark: the data, the servers, keep-alive HTTP."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from unpacs.loader.settings import DEFAULT_BASE_IRI

GRAPH = DEFAULT_BASE_IRI + "graph/bench"
PREFIXES = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
RESULTS_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"


# -- data and servers ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_store(path: Path, data: Path) -> None:
    store = pyoxigraph.Store(str(path))
    store.bulk_load(
        path=str(data), format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(GRAPH)
    )
    store.flush()
    del store


def pick_parameters(path: Path) -> tuple[str, str, str]:
    """A ministry with sub-units, its country and one of its people, found in the data."""
    store = pyoxigraph.Store.read_only(str(path))
    rows = list(
        store.query(
            PREFIXES + "SELECT ?org ?country ?person WHERE { ?org dcterms:spatial ?country . "
            "FILTER NOT EXISTS { ?org org:subOrganizationOf ?up } "
            "?sub org:subOrganizationOf ?org . ?m org:organization ?org ; org:member ?person } "
            "ORDER BY ?org LIMIT 1 OFFSET 3",
            use_default_graph_as_union=True,
        )
    )
    row = rows[0]
    return row["org"].value, row["country"].value, row["person"].value


@dataclass
class Server:
    name: str
    url: str  # the query URL
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self, log: Path, ready_timeout: float = 300) -> None:
        self.process = subprocess.Popen(
            self.command,
            env={**os.environ, **self.env},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {log}")
            try:
                status, _ = request(self.url, "ASK { ?s ?p ?o }", RESULTS_JSON, timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start; see {log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# -- clients ------------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP connection."""

    def __init__(self, url: str, timeout: float = 120) -> None:
        self.parts = urllib.parse.urlsplit(url)
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def get(self, query: str, accept: str) -> tuple[int, bytes]:
        path = self.parts.path + "?" + urllib.parse.urlencode({"query": query})
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    self.parts.hostname or "", self.parts.port, timeout=self.timeout
                )
            try:
                self.conn.request("GET", path, headers={"Accept": accept})
                response = self.conn.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def request(url: str, query: str, accept: str, timeout: float = 120) -> tuple[int, bytes]:
    return Client(url, timeout).get(query, accept)


def result_size(body: bytes, accept: str) -> int:
    if accept == RESULTS_JSON:
        data = json.loads(body)
        return len(data["results"]["bindings"]) if "results" in data else 1
    # rdflib-endpoint answers DESCRIBE in RDF/XML whatever the Accept header says.
    rdf = pyoxigraph.RdfFormat.RDF_XML if body.startswith(b"<?xml") else pyoxigraph.RdfFormat.TURTLE
    return sum(1 for _ in pyoxigraph.parse(body, rdf))
