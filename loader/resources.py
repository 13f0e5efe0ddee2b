"""Where the bundled ontology, shapes, data, mappings and JSON-LD context live.

They ship inside the ``unpacs`` package (in a source tree ``unpacs/`` links to the top-level
folders), so they are found the same way from any working directory and from an installed wheel.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE_DIR = Path(str(files("unpacs")))
ONTOLOGY_DIR = PACKAGE_DIR / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "unpacs.ttl"
CONTEXT_FILE = ONTOLOGY_DIR / "context.jsonld"
SHAPES_DIR = PACKAGE_DIR / "shapes"
DATA_DIR = PACKAGE_DIR / "data"
MAPPINGS_DIR = DATA_DIR / "mappings"
QUERIES_DIR = PACKAGE_DIR / "queries"
