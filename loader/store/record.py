"""What a store says about itself: the base IRI its IRIs were minted under.

Every IRI we store (``{base}id/...``, ``{base}graph/...``, ``{base}def/...``) starts with the base
IRI the data was loaded with, so a store only makes sense served under that base. ``unpacs build``
records it, in VoID, in one small graph whose name does not depend on the base::

    GRAPH <urn:unpacs:meta> {
        <urn:unpacs:store> a void:Dataset ;
            void:uriSpace "http://127.0.0.1:8000/" .
    }

so that ``SELECT ?base { GRAPH <urn:unpacs:meta> { ?d void:uriSpace ?base } }`` answers it for
any SPARQL user. ``serve``, ``load`` and ``build`` compare it with the configured base and refuse
(with the fix) rather than mixing IRIs of two bases or serving links that do not resolve.
"""

from __future__ import annotations

import re

import pyoxigraph

from unpacs.loader.errors import ConfigError, StoreError
from unpacs.loader.settings import Settings
from unpacs.loader.store.protocol import SolutionsResult, Store
from unpacs.loader.vocab import RDF_TYPE, VOID

META_GRAPH = "urn:unpacs:meta"
STORE_NODE = "urn:unpacs:store"
# The bundled graphs (``{base}graph/reference/...``, ``{base}graph/seed/...``,
# ``{base}graph/ontology``, ``{base}graph/shapes``): a store built before the record existed
# still tells its base by them.
_BUNDLED_GRAPH = re.compile(r"^(https?://.+/)graph/(?:reference/|seed/|ontology$|shapes$)")


def record_graph(base_iri: str) -> dict[str, list[pyoxigraph.Triple]]:
    """The record as a graph to commit together with the data (``load_sources(also_commit=)``)."""
    node = pyoxigraph.NamedNode(STORE_NODE)
    return {
        META_GRAPH: [
            pyoxigraph.Triple(
                node, pyoxigraph.NamedNode(RDF_TYPE), pyoxigraph.NamedNode(VOID + "Dataset")
            ),
            pyoxigraph.Triple(
                node, pyoxigraph.NamedNode(VOID + "uriSpace"), pyoxigraph.Literal(base_iri)
            ),
        ]
    }


def stored_base_iri(store: Store) -> str | None:
    """The base IRI the store was built under; None when it was never built (nothing to compare)."""
    result = store.query(
        f"SELECT ?base WHERE {{ GRAPH <{META_GRAPH}> {{ <{STORE_NODE}> <{VOID}uriSpace> ?base }} }}"
    )
    assert isinstance(result, SolutionsResult)
    for row in result.rows():
        return str(row["base"].value)  # type: ignore[union-attr]
    for name in store.graph_names():
        found = _BUNDLED_GRAPH.match(name)
        if found:
            return found.group(1)
    return None


def data_graphs(store: Store) -> list[str]:
    """Every named graph except the record itself."""
    return [g for g in store.graph_names() if g != META_GRAPH]


def _mismatch(store: Store, stored: str, settings: Settings, doing: str) -> ConfigError:
    return ConfigError(
        f"store {settings.store} was built for base IRI {stored}, "
        f"not {settings.base_iri} ({doing})",
        hint=f"rebuild it with `unpacs build`, or set UNPACS_BASE_IRI={stored}",
    )


def check_servable(store: Store, settings: Settings) -> None:
    """Refuse to serve an empty store or one whose IRIs would not resolve under our base."""
    if not data_graphs(store):
        raise StoreError(f"store {settings.store} is empty: run `unpacs build` first")
    stored = stored_base_iri(store)
    if stored is not None and stored != settings.base_iri:
        raise _mismatch(store, stored, settings, "its links would not resolve")


def check_loadable(store: Store, settings: Settings) -> None:
    """Refuse to add records minted under another base to a store."""
    stored = stored_base_iri(store)
    if stored is not None and stored != settings.base_iri:
        raise _mismatch(store, stored, settings, "the IRIs of the two would be mixed")
