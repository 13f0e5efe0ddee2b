"""What stewards need to reason about graphs: where each came from, which records it holds.

Every named graph describes itself (``loader.provenance``); these functions read that
description back and check a load or a removal against the rest of the store before anything
is written, so each refusal leaves the store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable

from unpacs.loader.store.protocol import SolutionsResult, Store
from unpacs.loader.uris import vocab

_CHUNK = 400


def _values(iris: Iterable[str]) -> list[str]:
    """``VALUES`` bodies of at most ``_CHUNK`` IRIs each."""
    ordered = sorted(set(iris))
    return [
        " ".join(f"<{i}>" for i in ordered[start : start + _CHUNK])
        for start in range(0, len(ordered), _CHUNK)
    ]


def stored_source_files(store: Store, graphs: Iterable[str], base_iri: str) -> dict[str, str]:
    """Graph IRI -> the ``unpacs:sourceFile`` its stored description names (when it has one)."""
    found: dict[str, str] = {}
    source_file = f"<{vocab(base_iri)}sourceFile>"
    for values in _values(graphs):
        result = store.query(
            f"SELECT ?g ?file WHERE {{ VALUES ?g {{ {values} }} "
            f"GRAPH ?g {{ ?g {source_file} ?file }} }}"
        )
        assert isinstance(result, SolutionsResult)
        for row in result.rows():
            found[row["g"].value] = row["file"].value  # type: ignore[union-attr]
    return found
