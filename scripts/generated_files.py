"""Writing what a build script generated: every file or, on a bad source row, nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from unpacs.loader.errors import CsvRecordError


def write_generated(out: Path, build: Callable[[], dict[str, str]]) -> int:
    """Run ``build`` (file name -> text) and write its files into ``out``; the exit status."""
    try:
        files = build()
    except CsvRecordError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {out / name}")
    return 0
