"""``RemoteExecutor``: queries against a remote SPARQL 1.1 engine, with a deadline that holds.

- The timeout goes to the engine where it has a parameter for it (Fuseki: ``timeout`` in
  seconds; Virtuoso: ``timeout`` in milliseconds; Oxigraph has none). The engine is recognised
  by its ``Server`` header on the first answer.
- It is enforced here in any case, for the whole exchange: a watchdog shuts the socket down at
  the deadline. (SPARQLWrapper's ``setTimeout`` is urllib's per-socket-operation timeout: an
  engine that trickles bytes keeps it waiting for ever, so this module speaks HTTP itself.)
- The answer is read as a stream and parsed with pyoxigraph only up to the result cap, so a huge
  result costs neither memory nor time past ``limit`` rows; it is then written in the wanted
  format by the same serializers as the worker pool (``query_worker``).
"""

from __future__ import annotations

import http.client
import socket
import threading
import urllib.parse
from collections.abc import Callable
from typing import Any

import pyoxigraph

from unpacs.loader.errors import NotAcceptableError, QueryError, QueryTimeoutError, StoreError
from unpacs.loader.formats import Format
from unpacs.loader.query import executor as executor_module
from unpacs.loader.query import worker as query_worker
from unpacs.loader.query.executor import QueryAnswer, QueryRequest, StoredGraphs
from unpacs.loader.query.guard import QueryPolicy

USER_AGENT = "unpacs (SPARQL 1.1 protocol client)"
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
# Result formats pyoxigraph can read back (CSV loses term types, so it is never asked for).
READABLE_RESULTS = {
    pyoxigraph.QueryResultsFormat.JSON,
    pyoxigraph.QueryResultsFormat.XML,
    pyoxigraph.QueryResultsFormat.TSV,
}


def engine_timeout(server: str, seconds: float) -> tuple[str, str] | None:
    """The engine's own timeout parameter, from its ``Server`` header (None: it has none)."""
    lowered = server.lower()
    if "fuseki" in lowered:
        return ("timeout", f"{seconds:g}")
    if "virtuoso" in lowered:
        return ("timeout", str(int(seconds * 1000)))
    return None


class RemoteExecutor:
    def __init__(
        self,
        query_url: str,
        *,
        limit: int,
        timeout: float,
        policy: QueryPolicy,
        graph_names: Callable[[], list[str]] = list,
    ) -> None:
        self.url = urllib.parse.urlsplit(query_url)
        if self.url.scheme not in ("http", "https") or not self.url.hostname:
            raise StoreError(f"{query_url} is not an http(s) URL")
        self.query_url = query_url
        self.limit = limit
        self.timeout = timeout
        self.server: str | None = None  # the engine's Server header, once seen
        self._serial = 0
        self.policy = policy
        self._stored_graphs = StoredGraphs(graph_names, lambda: self.generation)

    @property
    def generation(self) -> str:
        return f"remote-{self._serial}"

    def refresh(self) -> str:
        self._serial += 1
        return self.generation

    def close(self) -> None:
        """Nothing to release: every query opens its own connection."""

    def status(self) -> dict[str, Any]:
        return {"executor": "remote", "engine": self.server, "generation": self.generation}

    def execute(self, request: QueryRequest) -> QueryAnswer:
        request = executor_module.guard(request, self.policy, self._stored_graphs)
        timeout = self.timeout if request.timeout is None else request.timeout
        limit = self.limit if request.limit is None else request.limit
        params: list[tuple[str, str]] = [("query", request.query)]
        params += [("default-graph-uri", g) for g in request.default_graph_uris]
        params += [("named-graph-uri", g) for g in request.named_graph_uris]
        engine_param = engine_timeout(self.server or "", timeout)
        if engine_param:
            params.append(engine_param)
        solution_fmt = next(
            (f for f in request.solution_formats if f.oxigraph_results in READABLE_RESULTS), None
        )
        graph_fmt = next((f for f in request.graph_formats if f.oxigraph_rdf), None)
        solutions_type = solution_fmt.media_type if solution_fmt else RESULTS_JSON
        graph_type = graph_fmt.media_type if graph_fmt else NTRIPLES
        accept = f"{solutions_type}, {graph_type};q=0.9"
        connection = self._connect(timeout)
        expired = threading.Event()

        def stop() -> None:
            expired.set()
            if connection.sock is not None:
                connection.sock.shutdown(socket.SHUT_RDWR)

        watchdog = threading.Timer(timeout, stop)
        watchdog.start()
        try:
            return self._exchange(connection, params, accept, request, limit)
        except (OSError, http.client.HTTPException, ValueError, SyntaxError) as error:
            if expired.is_set():
                raise QueryTimeoutError(
                    f"the SPARQL engine did not answer within {timeout:g} s",
                    hint="narrow the query or ask the operator to raise UNPACS_QUERY_TIMEOUT",
                ) from None
            if isinstance(error, OSError | http.client.HTTPException):
                raise StoreError(
                    f"cannot reach the SPARQL engine at {self.query_url}: {error}",
                    hint="check that the engine is running and the URL is right",
                ) from None
            raise StoreError(f"the SPARQL engine sent an unreadable answer: {error}") from None
        finally:
            watchdog.cancel()
            connection.close()

    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        secure = self.url.scheme == "https"
        cls = http.client.HTTPSConnection if secure else http.client.HTTPConnection
        return cls(self.url.hostname or "", self.url.port, timeout=timeout)

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        params: list[tuple[str, str]],
        accept: str,
        request: QueryRequest,
        limit: int,
    ) -> QueryAnswer:
        path = self.url.path or "/"
        if self.url.query:
            path += "?" + self.url.query
        connection.request(
            "POST",
            path,
            body=urllib.parse.urlencode(params).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": accept,
                "User-Agent": USER_AGENT,
            },
        )
        response = connection.getresponse()
        self.server = response.getheader("Server", "") or self.server
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        if response.status >= 400:
            detail = response.read(4000).decode("utf-8", "replace").strip()
            if len(detail) > 300:  # engines list every expected token; the start says enough
                detail = detail[:300].rstrip() + " ..."
            if response.status < 500:
                raise QueryError(f"the SPARQL engine refused the query: {detail}")
            raise StoreError(f"the SPARQL engine failed ({response.status}): {detail}")
        return self._read(response, media_type, request, limit)

    def _read(
        self,
        response: http.client.HTTPResponse,
        media_type: str,
        request: QueryRequest,
        limit: int,
    ) -> QueryAnswer:
        generation = self.generation
        results = pyoxigraph.QueryResultsFormat.from_media_type(media_type)
        if results is None:
            rdf = pyoxigraph.RdfFormat.from_media_type(media_type)
            if rdf is None:
                raise StoreError(f"the SPARQL engine answered in {media_type or 'no media type'}")
            fmt = _first(request.graph_formats, "graph")
            quads = pyoxigraph.parse(response, rdf)
            triples = (pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads)
            try:
                body, count, truncated = query_worker.graph_body(
                    triples, fmt, limit, request.base_iri or self.policy.base_iri
                )
            except LookupError as error:
                raise NotAcceptableError(str(error)) from None
            return QueryAnswer("graph", fmt, body, count, truncated, generation)
        parsed = pyoxigraph.parse_query_results(response, results)
        fmt = _first(request.solution_formats, "solutions")
        if isinstance(parsed, pyoxigraph.QueryBoolean):
            body = query_worker.boolean_body(bool(parsed), fmt)
            return QueryAnswer("boolean", fmt, body, 1, False, generation)
        variables = [v.value for v in parsed.variables]
        body, count, truncated = query_worker.solutions_body(variables, parsed, fmt, limit)
        return QueryAnswer("solutions", fmt, body, count, truncated, generation)


def _first(formats: Any, form: str) -> Format:
    if not formats:
        raise NotAcceptableError(f"no acceptable format for a {form} result")
    found: Format = formats[0]
    return found
