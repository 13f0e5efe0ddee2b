"""``CachingExecutor``: identical queries on an unchanged store are answered from memory.

Keyed by the request (query, dataset, base IRI, formats, limit) and the generation, so every
commit (``refresh``) makes every older entry unreachable; they are dropped at once. Bounded by
total body size, least recently used out first. Failures are not cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from unpacs.loader.query.executor import (
    QueryAnswer,
    QueryExecutor,
    QueryRequest,
    request_key,
)


class CachingExecutor:
    def __init__(self, inner: QueryExecutor, max_bytes: int) -> None:
        self.inner = inner
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[object, ...], QueryAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def generation(self) -> str:
        return self.inner.generation

    def execute(self, request: QueryRequest) -> QueryAnswer:
        generation = self.inner.generation
        key = (generation, *request_key(request))
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        answer = self.inner.execute(request)
        if answer.generation == generation and len(answer.body) <= self.max_bytes // 4:
            self._store(key, answer)
        return answer

    def _store(self, key: tuple[object, ...], answer: QueryAnswer) -> None:
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = answer
            self._bytes += len(answer.body)
            while self._bytes > self.max_bytes and self._entries:
                _key, old = self._entries.popitem(last=False)
                self._bytes -= len(old.body)

    def refresh(self) -> str:
        generation = self.inner.refresh()
        with self._lock:
            self._entries.clear()
            self._bytes = 0
        return generation

    def status(self) -> dict[str, Any]:
        inner = getattr(self.inner, "status", None)
        found: dict[str, Any] = inner() if callable(inner) else {"generation": self.generation}
        with self._lock:
            found["cache"] = {
                "entries": len(self._entries),
                "bytes": self._bytes,
                "max_bytes": self.max_bytes,
                "hits": self.hits,
                "misses": self.misses,
            }
        return found

    def close(self) -> None:
        self.inner.close()
