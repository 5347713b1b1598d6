"""The faiss side of the vector index: which kind an index of a size gets, building an empty one
(IVF trained on a sample), its search widths, and searching only selected rows."""

from __future__ import annotations

from typing import Any, Literal

import faiss
import numpy as np

from shelfwise.config import VectorConfig

VectorKind = Literal["flat", "hnsw", "ivf"]
MAX_FILTERED_EF = 2048
TRAINING_POINTS_PER_LIST = 64
MIN_POINTS_PER_LIST = 39  # faiss k-means warns below this
_faiss_untyped: Any = faiss  # the bundled type stubs lack the search-parameter classes


def pick_kind(size: int, config: VectorConfig) -> VectorKind:
    return "flat" if size <= config.exact_max_items else config.approximate


def ivf_lists(size: int, configured: int) -> int:
    """The configured number of lists, else 4 * sqrt(size); never so many that k-means has fewer
    than MIN_POINTS_PER_LIST points a list."""
    wanted = configured or int(4 * np.sqrt(size))
    return max(1, min(wanted, size // MIN_POINTS_PER_LIST))


def new_faiss(kind: VectorKind, dim: int, config: VectorConfig, training: np.ndarray | None = None) -> Any:
    """An empty faiss index of `kind`; IVF is trained on (a sample of) `training`."""
    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    if kind == "hnsw":
        graph = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = config.hnsw_ef_construction
        graph.hnsw.efSearch = config.hnsw_ef_search
        return graph
    if training is None or not len(training):
        raise ValueError("an IVF index is trained on the vectors it is built from")
    lists = ivf_lists(len(training), config.ivf_lists)
    coarse = faiss.IndexFlatIP(dim)
    index: Any = faiss.IndexIVFFlat(coarse, dim, lists, faiss.METRIC_INNER_PRODUCT)
    sample = min(len(training), TRAINING_POINTS_PER_LIST * lists)
    chosen = np.random.default_rng(0).choice(len(training), size=sample, replace=False)
    index.train(training[np.sort(chosen)])
    index.make_direct_map()  # row -> stored vector, for vectors_for and rebuilds
    index.nprobe = min(config.ivf_nprobe, lists)
    return index


def tune(index: Any, kind: VectorKind, config: VectorConfig) -> None:
    """Apply the configured search widths to a loaded index."""
    if kind == "hnsw":
        index.hnsw.efSearch = config.hnsw_ef_search
    elif kind == "ivf":
        index.nprobe = min(config.ivf_nprobe, index.nlist)


def search_selected(
    index: Any,
    queries: np.ndarray,
    k: int,
    bits: np.ndarray,
    rows: int,
    selected: int,
    config: VectorConfig,
    exact: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Search only the rows whose bit is set, widening the search by the share they are (IVF:
    `ivf_nprobe / share` lists, all of them when `exact`). IVF first probes at most
    `ivf_filter_max_nprobe` lists, and all it would otherwise when those hold fewer than k
    selected rows."""
    selector = faiss.IDSelectorBitmap(rows, faiss.swig_ptr(bits))
    share = selected / rows
    params: Any
    if isinstance(index, faiss.IndexHNSW):
        ef = max(config.hnsw_ef_search, k) / max(share, 1e-3)
        params = _faiss_untyped.SearchParametersHNSW(sel=selector, efSearch=int(min(ef, MAX_FILTERED_EF)))
    elif isinstance(index, faiss.IndexIVF):
        lists = index.nlist
        probes = lists if exact else min(int(np.ceil(index.nprobe / max(share, 1e-6))), lists)
        cap = config.ivf_filter_max_nprobe
        if cap and probes > cap:
            params = _faiss_untyped.SearchParametersIVF(sel=selector, nprobe=cap)
            scores, labels = index.search(queries, k, params=params)
            if (labels >= 0).all():  # k selected rows in the capped lists
                return scores, labels
        params = _faiss_untyped.SearchParametersIVF(sel=selector, nprobe=probes)
    else:
        params = _faiss_untyped.SearchParameters(sel=selector)
    return index.search(queries, k, params=params)
