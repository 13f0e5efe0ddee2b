"""The one table of RDF and SPARQL-results formats: loader, store and endpoint all read it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

import pyoxigraph

from unpacs.loader.errors import UnsupportedFormatError

Kind = Literal["rdf", "results", "tabular", "page"]


@dataclass(frozen=True)
class Format:
    name: str
    kind: Kind
    media_type: str
    aliases: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    extra_media_types: tuple[str, ...] = ()
    rdflib_name: str | None = None
    oxigraph_rdf: pyoxigraph.RdfFormat | None = None
    oxigraph_results: pyoxigraph.QueryResultsFormat | None = None
    supports_datasets: bool = False

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.extra_media_types)


FORMATS: tuple[Format, ...] = (
    Format(
        "turtle",
        "rdf",
        "text/turtle",
        aliases=("ttl",),
        suffixes=(".ttl",),
        extra_media_types=("application/x-turtle",),
        rdflib_name="turtle",
        oxigraph_rdf=pyoxigraph.RdfFormat.TURTLE,
    ),
    Format(
        "trig",
        "rdf",
        "application/trig",
        suffixes=(".trig",),
        rdflib_name="trig",
        oxigraph_rdf=pyoxigraph.RdfFormat.TRIG,
        supports_datasets=True,
    ),
    Format(
        "ntriples",
        "rdf",
        "application/n-triples",
        aliases=("nt", "n-triples"),
        suffixes=(".nt",),
        rdflib_name="nt",
        oxigraph_rdf=pyoxigraph.RdfFormat.N_TRIPLES,
    ),
    Format(
        "nquads",
        "rdf",
        "application/n-quads",
        aliases=("nq", "n-quads"),
        suffixes=(".nq",),
        rdflib_name="nquads",
        oxigraph_rdf=pyoxigraph.RdfFormat.N_QUADS,
        supports_datasets=True,
    ),
    Format(
        "rdfxml",
        "rdf",
        "application/rdf+xml",
        aliases=("xml", "rdf", "rdf/xml"),
        suffixes=(".rdf", ".owl", ".xml"),
        rdflib_name="xml",
        oxigraph_rdf=pyoxigraph.RdfFormat.RDF_XML,
    ),
    Format(
        "jsonld",
        "rdf",
        "application/ld+json",
        aliases=("json-ld",),
        suffixes=(".jsonld",),
        rdflib_name="json-ld",
        supports_datasets=True,
    ),
    Format(
        "html",
        "page",
        "text/html",
        suffixes=(".html",),
        extra_media_types=("application/xhtml+xml",),
    ),
    Format(
        "csv-records",
        "tabular",
        "text/csv",
        suffixes=(".csv",),
    ),
    Format(
        "xlsx-records",
        "tabular",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        aliases=("xlsx",),
        suffixes=(".xlsx",),
    ),
    Format(
        "sparql-json",
        "results",
        "application/sparql-results+json",
        aliases=("json", "srj"),
        suffixes=(".srj",),
        extra_media_types=("application/json",),
        oxigraph_results=pyoxigraph.QueryResultsFormat.JSON,
    ),
    Format(
        "sparql-xml",
        "results",
        "application/sparql-results+xml",
        aliases=("srx",),
        suffixes=(".srx",),
        oxigraph_results=pyoxigraph.QueryResultsFormat.XML,
    ),
    Format(
        "csv",
        "results",
        "text/csv",
        oxigraph_results=pyoxigraph.QueryResultsFormat.CSV,
    ),
    Format(
        "tsv",
        "results",
        "text/tab-separated-values",
        suffixes=(".tsv",),
        oxigraph_results=pyoxigraph.QueryResultsFormat.TSV,
    ),
)


def _names(fmt: Format) -> tuple[str, ...]:
    return (fmt.name, *fmt.aliases)


def by_name(name: str, kind: Kind | None = None) -> Format:
    """Find a format by name or alias (``ttl``, ``turtle``), optionally of one kind."""
    wanted = name.strip().lower()
    for fmt in FORMATS:
        if (kind is None or fmt.kind == kind) and wanted in _names(fmt):
            return fmt
    choices = ", ".join(f.name for f in FORMATS if kind is None or f.kind == kind)
    raise UnsupportedFormatError(f"unknown format {name!r}", hint=f"use one of: {choices}")


def by_media_type(media_type: str, kind: Kind | None = None) -> Format | None:
    wanted = media_type.split(";", 1)[0].strip().lower()
    for fmt in FORMATS:
        if (kind is None or fmt.kind == kind) and wanted in fmt.media_types:
            return fmt
    return None


def for_path(path: str | PurePath) -> Format:
    """Guess an input format from a file name (``records.ttl``, ``dump.nq``, ``officials.csv``)."""
    suffix = PurePath(path).suffix.lower()
    for fmt in FORMATS:
        if fmt.kind in ("rdf", "tabular") and suffix in fmt.suffixes:
            return fmt
    accepted = sorted(s for f in FORMATS if f.kind in ("rdf", "tabular") for s in f.suffixes)
    raise UnsupportedFormatError(
        f"cannot tell the format of {PurePath(path).name!r} from its suffix",
        file=str(path),
        hint="rename it with one of " + ", ".join(accepted) + " or pass --format",
    )


def rdf_formats() -> tuple[Format, ...]:
    return tuple(f for f in FORMATS if f.kind == "rdf")


def results_formats() -> tuple[Format, ...]:
    return tuple(f for f in FORMATS if f.kind == "results")
