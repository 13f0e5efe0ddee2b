"""Store protocol and its two implementations (embedded pyoxigraph, remote SPARQL 1.1)."""

from unpacs.loader.store.protocol import (
    BooleanResult,
    GraphResult,
    QueryResult,
    SolutionsResult,
    Store,
    StoreStats,
)

__all__ = [
    "BooleanResult",
    "GraphResult",
    "QueryResult",
    "SolutionsResult",
    "Store",
    "StoreStats",
]
