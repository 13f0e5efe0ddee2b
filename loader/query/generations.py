"""Immutable store checkpoints ("generations") that query workers open read-only.

The process that owns the primary store publishes one after every commit with
``pyoxigraph.Store.backup`` (a RocksDB checkpoint made of hard links: milliseconds, little disk).
Opening the live primary read-only beside its writer is undefined, a checkpoint never changes.
A generation is deleted once it is neither current nor open in any worker.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph

from unpacs.loader.errors import StoreError


def root_for(store_path: Path) -> Path:
    """``var/store`` -> ``var/store.generations`` (beside the store, on the same file system,
    which hard links need)."""
    return store_path.with_name(store_path.name + ".generations")


class Generations:
    def __init__(self, primary: pyoxigraph.Store, root: Path) -> None:
        self.primary: pyoxigraph.Store | None = primary
        self.root = root
        self._lock = threading.Lock()
        self._serial = 0
        # Unique across restarts: a restarted server may hold other data under the same serial,
        # and the name keys caches and ETags.
        self._epoch = f"{time.time_ns() // 1_000_000:x}"
        self.current = ""
        self.current_path = ""
        self.stale = False  # True while an older generation may still be on disk
        # Only the store owner writes here, and only one process can own the store: whatever
        # an earlier run left behind is unused.
        if root.exists():
            shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)

    def publish(self) -> str:
        with self._lock:
            self._serial += 1
            name = f"{self._epoch}-{self._serial}"
            path = self.root / name
            if self.primary is None:
                raise StoreError("the store checkpoints are closed")
            try:
                self.primary.flush()
                self.primary.backup(str(path))
            except OSError as error:
                raise StoreError(f"cannot write the store checkpoint {path}: {error}") from None
            self.stale = bool(self.current_path)
            self.current, self.current_path = name, str(path)
            return name

    def prune(self, in_use: Iterable[str]) -> list[str]:
        """Delete every generation except the current one and those in ``in_use`` (paths)."""
        removed = []
        with self._lock:
            keep = {self.current_path, *in_use}
            for path in self.root.iterdir():
                if str(path) not in keep and path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                    removed.append(path.name)
            self.stale = len(keep) > 1
        return removed

    def close(self) -> None:
        # Let go of the primary store: its owner closes it, and a reference kept here (a
        # traceback keeps frames alive) would hold its lock.
        self.primary = None
        shutil.rmtree(self.root, ignore_errors=True)
