"""Search: the SearchEngine and the pure pieces it is made of."""

from shelfwise.search.engine import IndexNotReadyError, RefreshStats, SearchEngine
from shelfwise.search.fusion import (
    FusedCandidate,
    RetrievalStages,
    fuse,
    reciprocal_rank_fusion,
    weighted_score_fusion,
)
from shelfwise.search.normalize import normalize_query
from shelfwise.search.table import ProductTable

__all__ = [
    "FusedCandidate",
    "IndexNotReadyError",
    "ProductTable",
    "RefreshStats",
    "RetrievalStages",
    "fuse",
    "SearchEngine",
    "normalize_query",
    "reciprocal_rank_fusion",
    "weighted_score_fusion",
]
