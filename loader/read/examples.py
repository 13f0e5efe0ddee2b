"""Example SPARQL queries kept as files (``queries/*.rq``), shown in the query editor.

Each file starts with comment lines naming it::

    # title: Countries of a region
    # description: The countries in one M49 region, with their ISO codes.

The rest of the file is the query. A file without a title is an error (the editor would show
nothing useful), so a bad example fails loudly instead of disappearing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from unpacs.loader import bundled as resources
from unpacs.loader.errors import InputError


@dataclass(frozen=True)
class Example:
    name: str  # file stem, e.g. "countries-of-a-region"
    title: str
    description: str
    query: str


def read_example(path: Path) -> Example:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        key, sep, value = stripped.lstrip("#").strip().partition(":")
        if sep and key.strip().lower() in ("title", "description"):
            fields[key.strip().lower()] = value.strip()
    if not fields.get("title"):
        raise InputError(
            "example query has no title", file=str(path), hint="start it with '# title: ...'"
        )
    return Example(path.stem, fields["title"], fields.get("description", ""), text)


def load_examples(folder: Path | None = None) -> list[Example]:
    """Every ``*.rq`` file of ``folder`` (default: the bundled ``queries/``), by file name."""
    folder = folder or resources.QUERIES_DIR
    return [read_example(p) for p in sorted(folder.glob("*.rq"))]
