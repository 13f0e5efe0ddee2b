"""UNPACS: the linked-open-data repository of the UN Public Administration Country Studies.

``unpacs.loader`` is the Flask-free library, ``unpacs.endpoint`` the web adapter; the ontology,
shapes and bundled data ship inside this package (see ``unpacs.loader.resources``).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("unpacs")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
