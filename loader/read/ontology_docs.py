"""HTML documentation of our vocabulary (``ontology/unpacs.ttl``), generated with pyLODE.

The ontology uses IRIs relative to the base IRI, so it is parsed here with that base and handed to
pyLODE as a graph: the page then shows the IRIs under which the terms are actually published.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import logging
import os
import sys
import types
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rdflib import DCTERMS, OWL, RDF, RDFS, Graph

from unpacs.loader import bundled as resources
from unpacs.loader import formats
from unpacs.loader.errors import InputError
from unpacs.loader.ingest.parsing import parse_rdf
from unpacs.loader.settings import from_env

DEFAULT_ONTOLOGY = resources.ONTOLOGY_FILE
DEFAULT_OUT_DIR = Path("var/def")


def _ontpub_class() -> Any:
    """pyLODE's ``OntPub``, imported only when docs are built (it is a heavy, dev-only import).

    pyLODE 3.4.1 reads its own version from ``site-packages/pyproject.toml``, a file its wheel does
    not install, so ``import pylode`` fails with FileNotFoundError (RDFLib/pyLODE#260, fixed
    upstream after 3.4.1; 3.4.1 is the newest on our index). When that file is missing we register
    ``pylode.version`` ourselves, with the version from the installed distribution's metadata,
    before importing pyLODE.
    """
    spec = importlib.util.find_spec("pylode")
    if spec is None or spec.origin is None:
        raise InputError(
            "pyLODE is not installed", hint="install the dev extra: pip install -e '.[dev]'"
        )
    expected = Path(spec.origin).parent.parent / "pyproject.toml"
    if "pylode.version" not in sys.modules and not expected.is_file():
        shim = types.ModuleType("pylode.version")
        shim.__dict__["__version__"] = importlib.metadata.version("pylode")
        sys.modules["pylode.version"] = shim
    from pylode import OntPub

    return OntPub


@contextmanager
def _contained_pylode() -> Iterator[None]:
    """Undo what pyLODE does to the process while it runs.

    It calls ``logging.basicConfig(level=DEBUG)`` on import and logs through the root logger
    (which configures it too), and it opens its stylesheet without closing it.
    """
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    if not handlers:
        # With a handler in place, basicConfig does nothing.
        root.addHandler(logging.NullHandler())
    try:
        with warnings.catch_warnings():
            # The unclosed stylesheet is collected, and warned about, inside this block.
            warnings.simplefilter("ignore", ResourceWarning)
            yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def read_ontology(ontology_path: Path, base_iri: str) -> Graph:
    """The ontology with its relative IRIs resolved against ``base_iri``."""
    try:
        data = ontology_path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"no such file: {ontology_path}", file=str(ontology_path)) from exc
    # The loader's parser first: its syntax errors carry line and column, rdflib's do not (and
    # some truncated inputs crash rdflib with an IndexError).
    parse_rdf(data, formats.for_path(ontology_path), file=str(ontology_path), base_iri=base_iri)
    # rdflib for the graph itself: pyLODE shows the file's prefixes, which only rdflib keeps.
    graph = Graph()
    graph.parse(data=data, format="turtle", publicID=base_iri)
    ontologies = list(graph.subjects(RDF.type, OWL.Ontology))
    if len(ontologies) != 1:
        raise InputError(
            f"expected one owl:Ontology, found {len(ontologies)}",
            file=str(ontology_path),
            hint="describe the vocabulary once: <def/unpacs> a owl:Ontology ; dcterms:title ...",
        )
    if graph.value(ontologies[0], DCTERMS.title) is None and (
        graph.value(ontologies[0], RDFS.label) is None
    ):
        raise InputError(
            "the owl:Ontology has no title",
            file=str(ontology_path),
            hint="add dcterms:title to the owl:Ontology; pyLODE uses it as the page title",
        )
    return graph


def build_ontology_docs(ontology_path: Path, base_iri: str, out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` documenting the ontology; return its path."""
    graph = read_ontology(Path(ontology_path), base_iri)
    with _contained_pylode():
        html = _ontpub_class()(ontology=graph).make_html()
    if not isinstance(html, str):
        raise TypeError(f"pyLODE returned {type(html).__name__}, expected the HTML text")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "index.html"
    target.write_text(html, encoding="utf-8")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m unpacs.loader.read.ontology_docs",
        description="Generate the HTML documentation of the unpacs vocabulary with pyLODE.",
    )
    parser.add_argument("--ontology", type=Path, default=DEFAULT_ONTOLOGY)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    args = parser.parse_args(argv)
    settings = from_env(os.environ)
    try:
        target = build_ontology_docs(args.ontology, settings.base_iri, args.out_dir)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
