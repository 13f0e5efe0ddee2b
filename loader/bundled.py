"""Where the bundled ontology, shapes, data, mappings and JSON-LD context live.

They ship inside the ``unpacs`` package as siblings of ``unpacs.loader`` (in a source tree the
top-level folders, mapped by ``package-dir`` in ``pyproject.toml``), so they are found the same way
from any working directory, from an editable install and from an installed wheel.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The data folders are siblings of this package, in the repository and in the wheel alike.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = PACKAGE_DIR / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "unpacs.ttl"
CONTEXT_FILE = ONTOLOGY_DIR / "context.jsonld"
SHAPES_DIR = PACKAGE_DIR / "shapes"
DATA_DIR = PACKAGE_DIR / "data"
MAPPINGS_DIR = DATA_DIR / "mappings"
QUERIES_DIR = PACKAGE_DIR / "queries"

# Where the context is served, relative to the base IRI.
BUNDLED_CONTEXT_PATH = "def/context.jsonld"


def bundled_context(base_iri: str) -> Any:
    """Our JSON-LD context, with its default base rewritten to ``base_iri``."""
    text = CONTEXT_FILE.read_text(encoding="utf-8").replace("http://127.0.0.1:8000/", base_iri)
    return json.loads(text)["@context"]
