"""Where the bundled ontology, shapes, data, mappings and JSON-LD context live.

They ship inside the ``unpacs`` package as siblings of ``unpacs.loader`` (in a source tree the
top-level folders, mapped by ``package-dir`` in ``pyproject.toml``), so they are found the same way
from any working directory, from an editable install and from an installed wheel.
"""

from __future__ import annotations

from pathlib import Path

# The data folders are siblings of this package, in the repository and in the wheel alike.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = PACKAGE_DIR / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "unpacs.ttl"
CONTEXT_FILE = ONTOLOGY_DIR / "context.jsonld"
SHAPES_DIR = PACKAGE_DIR / "shapes"
DATA_DIR = PACKAGE_DIR / "data"
MAPPINGS_DIR = DATA_DIR / "mappings"
QUERIES_DIR = PACKAGE_DIR / "queries"
