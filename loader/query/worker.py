"""The query-worker process: opens a store checkpoint read-only, evaluates, serializes, replies.

It runs in its own process (started by ``query_pool`` through the ``forkserver`` context, never
forked from the process that owns the primary store) so the parent can stop it with SIGKILL:
pyoxigraph cannot cancel a query and a crash in its parser takes the process with it.

Wire protocol over one ``multiprocessing`` pipe (length-prefixed frames, no pickling):
- parent -> worker: one JSON frame, ``{"op": "query", "gen": dir, "query": ..., ...}`` or
  ``{"op": "open", "gen": dir}`` (switch generation ahead of the next query);
- worker -> parent: one frame, a JSON header line (``{"ok": ...}``), then for a successful
  query a newline and the serialized body. The first frame a worker sends is ``{"ready": pid}``.
"""

from __future__ import annotations

import ctypes
import importlib
import io
import json
import os
import resource
import signal
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph

from unpacs.loader.formats import FORMATS, Format
from unpacs.loader.query.graph_output import write_triples
from unpacs.loader.store.oxigraph import syntax_error

BY_NAME = {f.name: f for f in FORMATS}
PR_SET_PDEATHSIG = 1
# Marks a capped result in formats that can say so (documented in the README, "Result cap").
TRUNCATED_LINK = "urn:unpacs:result:truncated"
MiB = 1024 * 1024


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker when its parent goes, so no query outlives the server."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pipe's EOF still ends an idle worker
        pass


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def worker_job(name: str) -> Callable[[pyoxigraph.Store, dict[str, Any], bytes], Any]:
    """The function a "check" message names (``module:function`` under ``unpacs.loader``).

    The caller, a room above this one (the stewards' upload check), names its own function, so
    this process runs killable jobs without importing upwards; the name comes from our own pool
    over a private pipe, never from a request, and only our library's functions are accepted.
    """
    module, _colon, function = name.partition(":")
    if not module.startswith("unpacs.loader.") or not function.isidentifier():
        raise ValueError(f"not a worker job: {name!r}")
    found: Callable[[pyoxigraph.Store, dict[str, Any], bytes], Any] = getattr(
        importlib.import_module(module), function
    )
    return found


class Worker:
    def __init__(self, conn: Connection, memory_mb: int) -> None:
        self.conn = conn
        self.memory_mb = memory_mb
        self.gen: str | None = None
        self.store: pyoxigraph.Store | None = None

    def open(self, gen: str) -> pyoxigraph.Store:
        if gen != self.gen or self.store is None:
            self.store = None  # release the old checkpoint's files before opening the new one
            resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            self.store = pyoxigraph.Store.read_only(gen)
            self.gen = gen
            if self.memory_mb:
                # Headroom above the idle footprint (RocksDB reserves address space it never
                # touches), so the setting means "what one query may allocate".
                limit = _vm_size() + self.memory_mb * MiB
                resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
        return self.store

    def serve(self) -> None:
        while True:
            try:
                frame = self.conn.recv_bytes()
            except (EOFError, OSError):
                return
            # An upload check carries the upload's bytes after the JSON line.
            head, _newline, payload = frame.partition(b"\n")
            message = json.loads(head)
            try:
                store = self.open(message["gen"])
                if message["op"] == "open":
                    self.conn.send_bytes(b'{"ok": true}')
                    continue
                if message["op"] == "check":
                    job = worker_job(message["job"])
                    self.conn.send_bytes(json.dumps(job(store, message, payload)).encode())
                    continue
                header, body = answer(store, message)
            except MemoryError:
                self.conn.send_bytes(_error("memory", "the query needed more memory than allowed"))
                return  # the heap may be in any state: let the pool replace this process
            except SyntaxError as error:
                self.conn.send_bytes(_syntax_error(error))
                continue
            except OSError as error:
                # pyoxigraph evaluates lazily: an allowed SERVICE that fails surfaces here.
                self.conn.send_bytes(_error("io", f"the query failed while it ran: {error}"))
                continue
            except (ValueError, TypeError, RuntimeError) as error:
                self.conn.send_bytes(_error("query", f"query failed: {error}"))
                continue
            # One frame, the header line then the body: one write and one wake-up per answer.
            self.conn.send_bytes(json.dumps(header).encode() + b"\n" + body)


def _error(kind: str, message: str, **extra: Any) -> bytes:
    return json.dumps({"ok": False, "kind": kind, "message": message, **extra}).encode()


def _syntax_error(error: SyntaxError) -> bytes:
    found = syntax_error(error)  # the embedded store's wording: position, trimmed message
    return _error("query", found.message, line=found.line, column=found.column)


def _pick(names: list[str], form: str) -> Format:
    if not names:
        raise LookupError(f"no acceptable format for a {form} result")
    return BY_NAME[names[0]]


def answer(store: pyoxigraph.Store, message: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    kwargs: dict[str, Any] = {"base_iri": message.get("base")}
    if message.get("default") or message.get("named"):
        # An explicit dataset, as the SPARQL protocol says: named graphs alone leave the
        # default graph empty (the same rule as ``OxigraphStore.query``).
        kwargs["default_graph"] = [pyoxigraph.NamedNode(u) for u in message["default"]]
        kwargs["named_graphs"] = [pyoxigraph.NamedNode(u) for u in message["named"]]
    else:
        kwargs["use_default_graph_as_union"] = True
    result = store.query(message["query"], **kwargs)
    limit = int(message["limit"])
    try:
        if isinstance(result, pyoxigraph.QueryBoolean):
            fmt = _pick(message["sf"], "boolean")
            body = boolean_body(bool(result), fmt)
            return _header("boolean", fmt, 1, False), body
        if isinstance(result, pyoxigraph.QuerySolutions):
            fmt = _pick(message["sf"], "solutions")
            variables = [v.value for v in result.variables]
            body, count, truncated = solutions_body(variables, result, fmt, limit)
            return _header("solutions", fmt, count, truncated), body
        fmt = _pick(message["gf"], "graph")
        body, count, truncated = graph_body(result, fmt, limit, message.get("base") or "")
        return _header("graph", fmt, count, truncated), body
    except LookupError as error:
        return {"ok": False, "kind": "notacceptable", "message": str(error)}, b""


def _out(data: bytes | None) -> bytes:
    assert data is not None  # serializers return bytes when given no output
    return data


def _header(form: str, fmt: Format, count: int, truncated: bool) -> dict[str, Any]:
    return {"ok": True, "form": form, "format": fmt.name, "count": count, "truncated": truncated}


def boolean_body(value: bool, fmt: Format) -> bytes:
    text = json.dumps({"head": {}, "boolean": value}).encode()
    if fmt.oxigraph_results == pyoxigraph.QueryResultsFormat.JSON:
        return text
    parsed = pyoxigraph.parse_query_results(text, pyoxigraph.QueryResultsFormat.JSON)
    assert fmt.oxigraph_results is not None
    return _out(parsed.serialize(format=fmt.oxigraph_results))


def _term(term: Any) -> dict[str, str]:
    kind = type(term)
    if kind is pyoxigraph.NamedNode:
        return {"type": "uri", "value": term.value}
    if kind is pyoxigraph.Literal:
        if term.language:
            return {"type": "literal", "value": term.value, "xml:lang": term.language}
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return {"type": "literal", "value": term.value}
        return {"type": "literal", "value": term.value, "datatype": datatype}
    if kind is pyoxigraph.BlankNode:
        return {"type": "bnode", "value": term.value}
    return {"type": "triple", "value": _triple(term)}  # type: ignore[dict-item]


def _triple(triple: pyoxigraph.Triple) -> dict[str, Any]:
    return {
        "subject": _term(triple.subject),
        "predicate": _term(triple.predicate),
        "object": _term(triple.object),
    }


def solutions_body(
    variables: list[str], rows: Iterator[pyoxigraph.QuerySolution], fmt: Format, limit: int
) -> tuple[bytes, int, bool]:
    """Read at most ``limit`` solutions (one more tells truncation) and write them in ``fmt``.

    pyoxigraph serializes only a whole result, so the capped rows are written as SPARQL JSON
    here and, for the other formats, re-read and written by pyoxigraph's own serializers.
    """
    bindings: list[dict[str, dict[str, str]]] = []
    truncated = False
    for row in rows:
        if len(bindings) == limit:
            truncated = True
            break
        bindings.append({v: _term(t) for v, t in zip(variables, row, strict=True) if t is not None})
    head: dict[str, Any] = {"vars": variables}
    if truncated:
        head["link"] = [TRUNCATED_LINK]
    text = json.dumps({"head": head, "results": {"bindings": bindings}}, ensure_ascii=False)
    body = text.encode()
    count = len(bindings)
    if fmt.oxigraph_results == pyoxigraph.QueryResultsFormat.JSON:
        return body, count, truncated
    parsed = pyoxigraph.parse_query_results(body, pyoxigraph.QueryResultsFormat.JSON)
    assert fmt.oxigraph_results is not None
    out = _out(parsed.serialize(format=fmt.oxigraph_results))
    if truncated and fmt.oxigraph_results == pyoxigraph.QueryResultsFormat.XML:
        out = out.replace(b"</head>", f'<link href="{TRUNCATED_LINK}"/></head>'.encode(), 1)
    return out, count, truncated


def graph_body(
    triples: Iterator[pyoxigraph.Triple], fmt: Format, limit: int, base_iri: str
) -> tuple[bytes, int, bool]:
    kept: list[pyoxigraph.Triple] = []
    truncated = False
    for triple in triples:
        if len(kept) == limit:
            truncated = True
            break
        kept.append(triple)
    out = io.BytesIO()
    try:
        # Native, except JSON-LD: compacted with our context (``graph_output``).
        write_triples(kept, fmt, out, base_iri=base_iri)
    except ValueError as error:
        raise LookupError(str(error)) from None
    body = out.getvalue()
    if truncated and fmt.oxigraph_rdf in (
        pyoxigraph.RdfFormat.TURTLE,
        pyoxigraph.RdfFormat.N_TRIPLES,
    ):
        body = f"# {TRUNCATED_LINK}: only the first {limit} triples\n".encode() + body
    return body, len(kept), truncated


def main(conn: Connection, gen: str, memory_mb: int, stderr_path: str) -> None:
    """Process entry point (``multiprocessing`` target)."""
    _die_with_parent()
    # The parent reads this file when the process dies, to tell an allocation failure (Rust
    # prints "memory allocation of N bytes failed" and aborts) from any other crash.
    fd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    worker = Worker(conn, memory_mb)
    worker.open(gen)
    conn.send_bytes(json.dumps({"ready": os.getpid()}).encode())
    worker.serve()
