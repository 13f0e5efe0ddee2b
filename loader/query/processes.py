"""The query-worker processes themselves: how one is started (from a ``forkserver`` that
preloaded what it needs), the handle the pool keeps for it, and how all are stopped. The pool
(``pool``) decides when; this module holds how."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from typing import Any

from unpacs.loader.errors import (
    NotAcceptableError,
    QueryError,
    QueryMemoryError,
    StoreError,
    UnpacsError,
    UploadLimitError,
)
from unpacs.loader.query import worker as query_worker

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0  # seconds a new worker may take to open its first generation
_CONTEXT: ForkServerContext | None = None


def context() -> ForkServerContext:
    """The ``forkserver`` context: workers fork from a clean server process that preloaded
    pyoxigraph (fast starts), never from this one, which holds the primary store."""
    global _CONTEXT
    if _CONTEXT is None:
        ctx = multiprocessing.get_context("forkserver")
        # "__main__" too: the server imports the main module once (every entry point guards
        # with ``if __name__ == "__main__"``), so each worker skips re-running it.
        # And the upload checker (rdflib, pySHACL), so a worker's idle size, which its memory
        # limit sits above, already holds them.
        ctx.set_forkserver_preload(
            ["__main__", "unpacs.loader.query.worker", "unpacs.loader.stewards.checks"]
        )
        _CONTEXT = ctx
    return _CONTEXT


@dataclass(eq=False)
class WorkerHandle:
    process: BaseProcess
    conn: Connection
    stderr_path: str
    pid: int = 0
    gen: str = ""  # path of the generation it has open
    state: str = "starting"  # starting | idle | busy
    served: int = 0
    started: float = field(default_factory=time.monotonic)

    def stderr_tail(self) -> str:
        """The last lines the process wrote (Rust writes its abort message last)."""
        try:
            with open(self.stderr_path, "rb") as handle:
                handle.seek(max(0, os.path.getsize(self.stderr_path) - 8192))
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""


def start_worker(generation: str, memory_mb: int, stderr_path: str) -> WorkerHandle:
    """A started worker on ``generation``; it says "ready" on its pipe once it has it open."""
    ctx = context()
    parent, child = ctx.Pipe(duplex=True)
    process = ctx.Process(
        target=query_worker.main,
        args=(child, generation, memory_mb, stderr_path),
        name="unpacs-query-worker",
        daemon=True,
    )
    process.start()
    child.close()  # so the worker's death reads as EOF in this process
    return WorkerHandle(process, parent, stderr_path, gen=generation)


def await_ready(handle: WorkerHandle, quiet: Callable[[], bool]) -> int | None:
    """The worker's pid once it says "ready"; None, the process killed, if it does not within
    ``START_TIMEOUT`` (logged unless ``quiet()``: the pool is closing)."""
    try:
        ready = handle.conn.poll(START_TIMEOUT) and json.loads(handle.conn.recv_bytes())
    except (EOFError, OSError, ValueError):
        ready = False
    if ready:
        return int(ready["ready"])
    if not quiet():
        log.error("a query worker failed to start: %s", handle.stderr_tail().strip())
        handle.process.kill()
        handle.process.join(5)
    return None


def memory_message(memory_mb: int) -> str:
    return f"the query needed more than {memory_mb} MB and was stopped"


def upload_memory_error(file: str | None, memory_mb: int) -> UploadLimitError:
    return UploadLimitError(
        f"checking the upload needed more than {memory_mb} MB and was stopped",
        file=file,
        hint="split the file, or ask the operator to raise UNPACS_QUERY_MEMORY_MB",
    )


def refusal(header: dict[str, Any], memory_mb: int) -> UnpacsError:
    """The error a worker's refusal frame names (the pool retires a worker out of memory)."""
    kind = header.get("kind")
    if kind == "memory":
        return QueryMemoryError(memory_message(memory_mb))
    if kind == "notacceptable":
        return NotAcceptableError(header["message"])
    if kind == "io":
        return StoreError(
            header["message"],
            hint="a SERVICE endpoint the query calls may be down or refusing",
        )
    return QueryError(header["message"], line=header.get("line"), column=header.get("column"))


def stop_all(workers: list[WorkerHandle], logs: str) -> None:
    for worker in list(workers):
        if worker.process.is_alive():
            worker.process.kill()
    for worker in list(workers):
        worker.process.join(5)
        worker.conn.close()
    workers.clear()
    for name in os.listdir(logs) if os.path.isdir(logs) else []:
        try:
            os.unlink(os.path.join(logs, name))
        except OSError:
            pass
    try:
        os.rmdir(logs)
    except OSError:
        pass
