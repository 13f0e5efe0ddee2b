"""``PoolExecutor``: queries run in a supervised pool of killable worker processes.

pyoxigraph cannot cancel a query, and a crash in it (20,000 nested parentheses segfault its
parser) takes its process with it; only a process can be stopped. So this process keeps the
primary store and every write, publishes an immutable checkpoint per commit
(``generations``), and hands each query to a worker process (``query_worker``) that opens the
current checkpoint read-only. A worker past the timeout is killed (SIGKILL) and replaced; one
over its memory limit (``RLIMIT_AS``) or dead from a crash is replaced; only its own request
fails, with a ``QueryError`` subclass. One spare process beyond ``size`` is kept warm, so the
next request does not wait for a replacement to start.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph

from unpacs.loader.errors import (
    ClientBusyError,
    QueryBusyError,
    QueryCrashedError,
    QueryMemoryError,
    QueryTimeoutError,
    StoreError,
    UploadLimitError,
)
from unpacs.loader.query import executor as executor_module
from unpacs.loader.query.executor import QueryAnswer, QueryRequest, StoredGraphs
from unpacs.loader.query.generations import Generations
from unpacs.loader.query.guard import QueryPolicy
from unpacs.loader.query.processes import (
    START_TIMEOUT,
    WorkerHandle,
    await_ready,
    memory_message,
    refusal,
    start_worker,
    stop_all,
    upload_memory_error,
)
from unpacs.loader.query.worker import BY_NAME

log = logging.getLogger(__name__)


class PoolExecutor:
    """``QueryExecutor`` over ``size`` query-worker processes reading store checkpoints."""

    def __init__(
        self,
        primary: pyoxigraph.Store,
        generations_root: Path,
        *,
        size: int,
        limit: int,
        timeout: float,
        memory_mb: int,
        policy: QueryPolicy,
        graph_names: Callable[[], list[str]] = list,
        spare: int = 1,
        client_share: int = 0,
    ) -> None:
        self.limit = limit
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.size = size
        self.policy = policy
        self._stored_graphs = StoredGraphs(graph_names, lambda: self.generation)
        self.generations = Generations(primary, generations_root)
        self.generations.publish()
        self._cond = threading.Condition()
        self._idle: deque[WorkerHandle] = deque()
        self._workers: list[WorkerHandle] = []
        self._busy = 0  # running queries; at most ``size``
        # Workers one client may hold at once (0: all but one): a client over its share is
        # refused at once (429) instead of queueing, so its requests hold no server thread
        # either, and the last worker stays free for everybody else.
        self.client_share = client_share or max(1, size - 1)
        self._by_client: dict[str, int] = {}
        self._closed = False
        self.restarts = 0
        self._spawned = 0
        self.last_failures: deque[str] = deque(maxlen=10)
        self._logs = tempfile.mkdtemp(prefix="unpacs-workers-")
        for _ in range(size + spare):
            self._spawn()
        # Stop the workers with this object or at exit, whichever comes first.
        self._finalizer = weakref.finalize(self, stop_all, self._workers, self._logs)

    # -- QueryExecutor ---------------------------------------------------------------------

    @property
    def generation(self) -> str:
        return self.generations.current

    def refresh(self) -> str:
        generation = self.generations.publish()
        self._switch_idle_workers()
        self._prune()
        return generation

    def execute(self, request: QueryRequest) -> QueryAnswer:
        request = executor_module.guard(request, self.policy, self._stored_graphs)
        timeout = self.timeout if request.timeout is None else request.timeout
        limit = self.limit if request.limit is None else request.limit
        worker = self._acquire(time.monotonic() + timeout, request.client)
        with self._cond:  # with ``_prune``: a generation handed out is never deleted
            generation, path = self.generations.current, self.generations.current_path
            worker.gen = path
        message = {
            "op": "query",
            "gen": path,
            "query": request.query,
            "default": list(request.default_graph_uris),
            "named": list(request.named_graph_uris),
            "base": request.base_iri,
            "sf": [f.name for f in request.solution_formats],
            "gf": [f.name for f in request.graph_formats],
            "limit": limit,
        }
        deadline = time.monotonic() + timeout
        try:
            worker.conn.send_bytes(json.dumps(message).encode())
            head, _newline, body = self._receive(worker, deadline, timeout).partition(b"\n")
            header = json.loads(head)
            if not header.get("ok"):
                if header.get("kind") == "memory":
                    self._retire(worker, "MemoryError")
                raise refusal(header, self.memory_mb)
        except BaseException:
            self._release(worker, request.client)
            raise
        worker.served += 1
        self._release(worker, request.client)
        return QueryAnswer(
            header["form"],
            BY_NAME[header["format"]],
            body,
            int(header["count"]),
            bool(header["truncated"]),
            generation,
        )

    def check(
        self,
        message: dict[str, Any],
        data: bytes,
        *,
        timeout: float,
        client: str = "",
        cancelled: Callable[[], bool] | None = None,
    ) -> dict[str, Any]:
        """Have a worker run the job ``message["job"]`` names (the stewards' upload check).

        Same limits as a query: past ``timeout``, over the memory limit or crashed, the worker
        is killed and replaced and only this request fails (``UploadLimitError``, 413); when
        ``cancelled()`` turns true (the client went away) the worker is stopped the same way.
        """
        worker = self._acquire(time.monotonic() + timeout, client)
        with self._cond:
            worker.gen = self.generations.current_path
        frame = json.dumps({**message, "op": "check", "gen": worker.gen}).encode()
        deadline = time.monotonic() + timeout
        try:
            worker.conn.send_bytes(frame + b"\n" + data)
            while not worker.conn.poll(max(0.0, min(0.2, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    self._retire(worker, f"upload check past {timeout:g} s")
                    raise UploadLimitError(
                        f"checking the upload took longer than {timeout:g} s and was stopped",
                        file=message.get("name"),
                        hint="split the file, or ask the operator to raise UNPACS_UPLOAD_TIMEOUT",
                    )
                if cancelled is not None and cancelled():
                    self._retire(worker, "the client went away during an upload check")
                    raise UploadLimitError("the client went away; the check was stopped")
            reply = self._reply(worker, message)
        except BaseException:
            self._release(worker, client)
            raise
        worker.served += 1
        self._release(worker, client)
        return reply

    def _reply(self, worker: WorkerHandle, message: dict[str, Any]) -> dict[str, Any]:
        try:
            reply: dict[str, Any] = json.loads(worker.conn.recv_bytes())
        except (EOFError, OSError):
            # A crash while parsing: in practice an allocation over the limit (Rust aborts).
            worker.process.join(5)
            code = worker.process.exitcode
            self._retire(worker, f"worker exited with {code} checking an upload")
            raise upload_memory_error(message.get("name"), self.memory_mb) from None
        if reply.get("kind") == "memory":
            self._retire(worker, "upload check over its memory limit")
            raise upload_memory_error(message.get("name"), self.memory_mb)
        if not reply.get("ok") and reply.get("kind") != "input":
            raise StoreError(str(reply.get("message", "the upload check failed")))
        return reply

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._finalizer()
        self.generations.close()
        self._stored_graphs = StoredGraphs(list, lambda: "")  # drops the store's bound method

    # -- health ----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        with self._cond:
            workers = [{"pid": w.pid, "state": w.state, "served": w.served} for w in self._workers]
        return {
            "executor": "worker pool",
            "generation": self.generation,
            "size": self.size,
            "workers": workers,
            "restarts": self.restarts,
            "last_failures": list(self.last_failures),
        }

    # -- internals -------------------------------------------------------------------------

    def _receive(self, worker: WorkerHandle, deadline: float, timeout: float) -> bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not worker.conn.poll(remaining):
            self._retire(worker, f"timeout after {timeout:g} s")
            raise QueryTimeoutError(
                f"the query ran longer than {timeout:g} s and was stopped",
                hint="narrow the query (LIMIT, more specific patterns) or ask the operator "
                "to raise UNPACS_QUERY_TIMEOUT",
            )
        try:
            return worker.conn.recv_bytes()
        except (EOFError, OSError):
            pass
        worker.process.join(5)
        code = worker.process.exitcode
        tail = worker.stderr_tail()
        self._retire(worker, f"worker exited with {code}")
        if "memory allocation of" in tail:
            raise QueryMemoryError(memory_message(self.memory_mb)) from None
        raise QueryCrashedError(
            "the query crashed its worker process (the server is unaffected)",
            hint="the query engine could not evaluate this query; simplify it",
        ) from None

    def _acquire(self, deadline: float, client: str = "") -> WorkerHandle:
        # Waiting for a worker that is still starting (the first query, or right after a
        # crash with no spare left) is not "busy": that wait is bounded by START_TIMEOUT.
        start_deadline = time.monotonic() + START_TIMEOUT
        with self._cond:
            if client and self._by_client.get(client, 0) >= self.client_share:
                raise ClientBusyError(
                    f"this client already runs {self.client_share} request(s) at once; "
                    "try again when one has answered",
                    hint="send fewer requests in parallel, or ask the operator to raise "
                    "UNPACS_CLIENT_QUERY_WORKERS",
                )
            while not self._closed and (self._busy >= self.size or not self._idle):
                starting = self._busy < self.size and any(
                    w.state == "starting" for w in self._workers
                )
                if not self._workers:
                    raise StoreError(
                        "no query worker could start; the server log says why",
                        hint="check that the store checkpoint folder is readable",
                    )
                remaining = (start_deadline if starting else deadline) - time.monotonic()
                if remaining <= 0:
                    raise QueryBusyError(
                        "every query worker is busy; try again shortly",
                        hint="the server runs UNPACS_QUERY_WORKERS queries at a time",
                    )
                self._cond.wait(remaining)
            if self._closed:
                raise StoreError("the query executor is closed")
            # LIFO: the most recently used worker is warm (caches, pages); the others sleep.
            worker = self._idle.pop()
            worker.state = "busy"
            self._busy += 1
            if client:
                self._by_client[client] = self._by_client.get(client, 0) + 1
            return worker

    def _release(self, worker: WorkerHandle, client: str = "") -> None:
        with self._cond:
            self._busy -= 1
            if client:
                held = self._by_client.pop(client, 0) - 1
                if held > 0:
                    self._by_client[client] = held
            if worker.state == "busy":
                worker.state = "idle"
                self._idle.append(worker)
            self._cond.notify_all()
        self._prune()

    def _retire(self, worker: WorkerHandle, reason: str) -> None:
        """Kill ``worker`` (it may still be evaluating) and start its replacement."""
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        with self._cond:
            worker.state = "dead"
            if worker in self._workers:
                self._workers.remove(worker)
            self.restarts += 1
            self.last_failures.append(f"pid {worker.pid}: {reason}")
        log.info("query worker %s stopped: %s", worker.pid, reason)
        try:
            os.unlink(worker.stderr_path)
        except OSError:
            pass
        if not self._closed:
            self._spawn()

    def _spawn(self) -> None:
        self._spawned += 1
        # A private directory (mkdtemp, 0700) and a serial: no name another user could take.
        stderr_path = os.path.join(self._logs, f"worker-{self._spawned}.err")
        handle = start_worker(self.generations.current_path, self.memory_mb, stderr_path)
        with self._cond:
            self._workers.append(handle)
        # Wait for "ready" off the request path: a replacement never delays a request.
        threading.Thread(target=self._await_ready, args=(handle,), daemon=True).start()

    def _await_ready(self, handle: WorkerHandle) -> None:
        pid = await_ready(handle, quiet=lambda: self._closed)
        with self._cond:
            if pid is None:
                if handle in self._workers:
                    self._workers.remove(handle)
            else:
                handle.pid = pid
                handle.state = "idle"
                self._idle.append(handle)
            self._cond.notify_all()

    def _switch_idle_workers(self) -> None:
        """Have idle workers open the new generation now (~30 ms each, in parallel), so the
        next query does not pay for it and the old checkpoint can go."""
        with self._cond:
            taken = list(self._idle)
            self._idle.clear()
            for worker in taken:
                worker.state = "busy"
                self._busy += 1
            path = self.generations.current_path
            for worker in taken:
                worker.gen = path
        frame = json.dumps({"op": "open", "gen": path}).encode()
        for worker in taken:
            worker.conn.send_bytes(frame)
        for worker in taken:
            try:
                if worker.conn.poll(START_TIMEOUT) and json.loads(worker.conn.recv_bytes())["ok"]:
                    self._release(worker)
                    continue
            except (EOFError, OSError, ValueError, KeyError):
                pass
            self._retire(worker, "could not open the new generation")
            self._release(worker)

    def _prune(self) -> None:
        with self._cond:
            if self.generations.stale:
                self.generations.prune([w.gen for w in self._workers])


def pool_of(executor: object) -> PoolExecutor | None:
    """The worker pool behind ``executor`` (through a cache), if it has one."""
    while not isinstance(executor, PoolExecutor):
        executor = getattr(executor, "inner", None)
        if executor is None:
            return None
    return executor
