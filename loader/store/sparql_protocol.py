"""Remote store: any SPARQL 1.1 engine through the W3C Query/Update and Graph Store protocols.

The engine must use the union of its named graphs as the default graph, as the embedded store
does (Oxigraph server: ``oxigraph serve --union-default-graph``; Fuseki/TDB2:
``tdb2:unionDefaultGraph true``). Responses are parsed with pyoxigraph's own parsers, so results
have the same types as the embedded store's. Nothing here asks the engine to fetch a URL.

Fail closed: every answer but 2xx is an error naming the URL, the HTTP status and the engine's
message, so nothing is reported as loaded that the engine did not confirm; and before its first
query or write a store object checks once that the engine really reads the union of its graphs.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import IO

import pyoxigraph
from SPARQLWrapper import ASK, CONSTRUCT, DESCRIBE, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from unpacs.loader.errors import ConfigError, QueryError, StoreError
from unpacs.loader.formats import Format
from unpacs.loader.store.http_status import status_and_detail
from unpacs.loader.store.protocol import (
    BooleanResult,
    GraphResult,
    QueryResult,
    SolutionsResult,
    StoreStats,
)

STATS_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
STATS_CLASSES = (
    "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c ORDER BY ?c"
)
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
VIRTUOSO_ASK = "__ASK_RETVAL"
USER_AGENT = "unpacs (SPARQL 1.1 protocol client)"
UNION_HINT = (
    "make the engine's default graph the union of its named graphs: Oxigraph "
    "`oxigraph serve --union-default-graph`; Fuseki/TDB2 `tdb2:unionDefaultGraph true` on the "
    "dataset; Stardog the database option `query.all.graphs=true`"
)


def _virtuoso_ask(parsed: pyoxigraph.QuerySolutions, url: str) -> bool:
    """Virtuoso 7.2 answers ASK as one row binding ``__ASK_RETVAL`` to 1 or 0."""
    if tuple(v.value for v in parsed.variables) != (VIRTUOSO_ASK,):
        raise StoreError(f"{url} did not answer an ASK with a boolean")
    row = next(iter(parsed), None)
    value = row[VIRTUOSO_ASK] if row is not None else None
    return value is not None and value.value not in ("0", "false")


def _sibling(query_url: str, name: str) -> str | None:
    """``http://h/query`` -> ``http://h/{name}``, when the URL ends the usual way."""
    for ending in ("/query", "/sparql"):
        if query_url.rstrip("/").endswith(ending):
            return query_url.rstrip("/")[: -len(ending)] + "/" + name
    return None


class SparqlProtocolStore:
    """``Store`` over a remote SPARQL 1.1 engine."""

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.query_url = query_url
        derived_update = update_url or _sibling(query_url, "update")
        derived_store = graph_store_url or _sibling(query_url, "store")
        if derived_update is None or derived_store is None:
            raise StoreError(
                f"cannot derive the update and graph store URLs from {query_url}",
                hint="set UNPACS_UPDATE_URL and UNPACS_GRAPH_STORE_URL",
            )
        self.update_url = derived_update
        self.graph_store_url = derived_store
        self.timeout = timeout
        self.description = f"SPARQL endpoint {query_url}"
        self._union_checked = False

    # -- protocol plumbing -------------------------------------------------------------------

    def _wrapper(self, url: str) -> SPARQLWrapper:
        """A fresh SPARQLWrapper per call: the object keeps per-request state."""
        wrapper = SPARQLWrapper(url, agent=USER_AGENT)
        wrapper.setTimeout(int(max(1, self.timeout)))
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        return wrapper

    def _fail(self, url: str, error: Exception) -> StoreError | QueryError:
        """The error for a request that did not succeed: never an empty success."""
        status, detail = status_and_detail(error)
        if status is None:
            return StoreError(
                f"cannot reach the SPARQL engine at {url}: {error}",
                hint="check that the engine is running and the URL is right",
            )
        message = f"{url} answered HTTP {status}" + (f": {detail}" if detail else "")
        if status == 400 and url in (self.query_url, self.update_url):
            # 400 is the engine judging the SPARQL text: a bad request, as the embedded store says.
            return QueryError(f"the SPARQL engine refused the request: {message}")
        hint = {
            401: "the engine wants credentials for this URL",
            403: "the engine does not allow this request (is it read-only?)",
            404: "check the URL (UNPACS_STORE, UNPACS_UPDATE_URL, UNPACS_GRAPH_STORE_URL)",
        }.get(status, "nothing was changed by this request; see the engine's log")
        return StoreError(f"the SPARQL engine did not accept the request: {message}", hint=hint)

    def _request(
        self,
        url: str,
        *,
        method: str = "GET",
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = None,
    ) -> bytes:
        """One HTTP request; any answer but 2xx raises (urllib raises ``HTTPError`` for them)."""
        request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - http(s) only
        if content_type:
            request.add_header("Content-Type", content_type)
        if accept:
            request.add_header("Accept", accept)
        request.add_header("User-Agent", USER_AGENT)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                data: bytes = response.read()
                return data
        except OSError as error:  # HTTPError is an OSError too
            raise self._fail(url, error) from None

    def _ensure_union_default_graph(self) -> None:
        """Refuse an engine whose default graph is not the union of its named graphs.

        Checked once per store object, before its first query or write: on such an engine a
        build "succeeds" and every query then answers nothing. A stored triple is looked up
        through the default graph; an empty engine gets a probe triple in a scratch graph.
        """
        if self._union_checked:
            return
        self._union_checked = True
        try:
            # No FILTER in the engine: Virtuoso scans its large system graphs for one and times
            # out; a few rows are enough to find a triple without blank nodes.
            sample = [
                row
                for row in self._select_json(
                    "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 50"
                )
                if not row["s"].startswith("_:") and not row["o"].startswith("_:")
            ]
            if sample:
                row = sample[0]
                graph, triple = row["g"], f"{row['s']} {row['p']} {row['o']}"
                seen = self._ask_json(f"ASK {{ {triple} }}")
            else:
                graph = f"urn:unpacs:probe:{uuid.uuid4().hex}"
                triple = f'<{graph}> <urn:unpacs:probe> "probe"'
                self._post_update(f"INSERT DATA {{ GRAPH <{graph}> {{ {triple} }} }}")
                try:
                    seen = self._ask_json(f"ASK {{ {triple} }}")
                finally:
                    self._post_update(f"DROP SILENT GRAPH <{graph}>")
        except BaseException:
            self._union_checked = False
            raise
        if not seen:
            self._union_checked = False
            raise ConfigError(
                f"the SPARQL engine at {self.query_url} does not use the union of its named "
                f"graphs as the default graph: a triple of graph {graph} is not seen by a query "
                "without GRAPH, so every query would miss the stored records",
                hint=UNION_HINT,
            )

    def _post_query(self, sparql: str) -> pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean:
        data = self._request(
            self.query_url,
            method="POST",
            # A form, not application/sparql-query: Virtuoso 7.2 waits for a form body.
            body=urllib.parse.urlencode({"query": sparql}).encode(),
            content_type="application/x-www-form-urlencoded",
            accept=RESULTS_JSON,
        )
        return pyoxigraph.parse_query_results(data, pyoxigraph.QueryResultsFormat.JSON)

    def _select_json(self, sparql: str) -> list[dict[str, str]]:
        """A small SELECT whose terms come back in N-Triples syntax (for the union probe)."""
        parsed = self._post_query(sparql)
        if not isinstance(parsed, pyoxigraph.QuerySolutions):
            raise StoreError(f"{self.query_url} did not answer a SELECT with solutions")
        names = [v.value for v in parsed.variables]
        return [{n: str(row[n]) for n in names if row[n] is not None} for row in parsed]

    def _ask_json(self, sparql: str) -> bool:
        parsed = self._post_query(sparql)
        if isinstance(parsed, pyoxigraph.QuerySolutions):
            return _virtuoso_ask(parsed, self.query_url)
        return bool(parsed)

    def _post_update(self, sparql: str) -> None:
        self._request(
            self.update_url,
            method="POST",
            body=sparql.encode(),
            content_type="application/sparql-update",
        )

    # -- Store protocol ----------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> QueryResult:
        self._ensure_union_default_graph()
        if base_iri is not None:
            # The protocol has no base parameter; a leading BASE is equivalent (a BASE in the
            # query itself still wins, as the grammar resolves each against the previous one).
            sparql = f"BASE <{base_iri}>\n{sparql}"
        wrapper = self._wrapper(self.query_url)
        with warnings.catch_warnings():
            # SPARQLWrapper warns when its regex cannot tell the query form; the engine judges.
            warnings.simplefilter("ignore", RuntimeWarning)
            wrapper.setQuery(sparql)
        for graph in default_graph_uris:
            wrapper.addParameter("default-graph-uri", graph)
        for graph in named_graph_uris:
            wrapper.addParameter("named-graph-uri", graph)
        graph_like = wrapper.queryType in (CONSTRUCT, DESCRIBE)
        # Our own Accept header: SPARQLWrapper's format guessing would ask for Turtle or XML.
        wrapper.setOnlyConneg(True)
        wrapper.addCustomHttpHeader("Accept", NTRIPLES if graph_like else RESULTS_JSON)
        try:
            response = wrapper.query().response
            data = response.read()
            response.close()
        except (SPARQLWrapperException, OSError) as error:
            raise self._fail(self.query_url, error) from None
        if graph_like:
            quads = pyoxigraph.parse(data, pyoxigraph.RdfFormat.N_TRIPLES)
            return GraphResult(pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads)
        parsed = pyoxigraph.parse_query_results(data, pyoxigraph.QueryResultsFormat.JSON)
        if isinstance(parsed, pyoxigraph.QueryBoolean):
            return BooleanResult(bool(parsed))
        if isinstance(parsed, pyoxigraph.QuerySolutions):
            variables = tuple(v.value for v in parsed.variables)
            if wrapper.queryType == ASK and variables == (VIRTUOSO_ASK,):
                return BooleanResult(_virtuoso_ask(parsed, self.query_url))
            return SolutionsResult(variables, parsed)
        raise StoreError(f"unexpected answer from {self.query_url}")

    def update(self, sparql: str) -> None:
        self._ensure_union_default_graph()
        self._post_update(sparql)

    def replace_graphs(
        self, graphs: Mapping[str, Sequence[pyoxigraph.Triple]], *, drop: Sequence[str] = ()
    ) -> None:
        if not graphs and not drop:
            return
        # One update request: the engine applies it atomically, so all graphs change or none.
        parts = [f"DROP SILENT GRAPH <{g}>" for g in drop if g not in graphs]
        for graph, triples in graphs.items():
            # pyoxigraph terms print themselves in N-Triples syntax.
            body = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
            parts.append(
                f"DROP SILENT GRAPH <{graph}> ;\nINSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}"
            )
        self.update(" ;\n".join(parts))

    def graph_names(self) -> list[str]:
        result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert isinstance(result, SolutionsResult)
        return sorted(row["g"].value for row in result.rows())  # type: ignore[union-attr]

    def quads(
        self, subject: str | None = None, graph: str | None = None
    ) -> Iterator[pyoxigraph.Quad]:
        s = f"<{subject}>" if subject else "?s"
        g = f"<{graph}>" if graph else "?g"
        result = self.query(f"SELECT * WHERE {{ GRAPH {g} {{ {s} ?p ?o }} }}")
        assert isinstance(result, SolutionsResult)
        fixed_s = pyoxigraph.NamedNode(subject) if subject else None
        fixed_g = pyoxigraph.NamedNode(graph) if graph else None
        for row in result.solutions:
            yield pyoxigraph.Quad(
                fixed_s or row["s"],
                row["p"],
                row["o"],
                fixed_g or row["g"],
            )

    def _get_graph(self, graph: str | None) -> bytes:
        self._ensure_union_default_graph()
        target = "default" if graph is None else "graph=" + urllib.parse.quote(graph, safe="")
        return self._request(f"{self.graph_store_url}?{target}", accept=NTRIPLES)

    def dump(self, fmt: Format, output: IO[bytes], graph: str | None = None) -> None:
        if fmt.oxigraph_rdf is None:
            raise StoreError(f"{fmt.name} cannot be dumped natively")
        if graph is not None or not fmt.supports_datasets:
            names = [graph] if graph is not None else self.graph_names()
            triples = (
                t
                for name in names
                for t in pyoxigraph.parse(self._get_graph(name), pyoxigraph.RdfFormat.N_TRIPLES)
            )
            pyoxigraph.serialize(
                (pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in triples),
                output,
                fmt.oxigraph_rdf,
            )
            return
        dataset = pyoxigraph.Dataset()
        for name in self.graph_names():
            node = pyoxigraph.NamedNode(name)
            for q in pyoxigraph.parse(self._get_graph(name), pyoxigraph.RdfFormat.N_TRIPLES):
                dataset.add(pyoxigraph.Quad(q.subject, q.predicate, q.object, node))
        pyoxigraph.serialize(dataset, output, fmt.oxigraph_rdf)

    def stats(self) -> StoreStats:
        graphs = self.query(STATS_GRAPHS)
        classes = self.query(STATS_CLASSES)
        assert isinstance(graphs, SolutionsResult) and isinstance(classes, SolutionsResult)
        per_graph = {r["g"].value: int(r["n"].value) for r in graphs.rows()}  # type: ignore[union-attr]
        per_class = {r["c"].value: int(r["n"].value) for r in classes.rows()}  # type: ignore[union-attr]
        return StoreStats(per_graph, per_class)

    def close(self) -> None:
        """Nothing to release: every call opens its own connection."""


__all__ = ["SparqlProtocolStore"]
