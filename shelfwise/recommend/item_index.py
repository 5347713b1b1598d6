"""The items with the largest inner product with a query vector, for recall channels whose scores
are dot products (ALS user x item factors, text profiles x text vectors, a sequential model's
hidden state x its item table).

Below `exact_below` items the search is exact (a flat FAISS index, the same answer as scoring
every item). Above it, an inverted-file index (IVF, `nlist` ~ 4 sqrt(n) centroids, `nprobe` of
them visited) answers without reading every item; `codes="sq8"` stores each coordinate in one
byte (a quarter of the float32 memory), for wide vectors such as 384-d text embeddings.
`recall_against_exact` measures what the approximation loses.

Saved to a folder as FAISS's own index file (`write_index` / `read_index`) beside a JSON of its
settings; loading reads the index back, never training it again.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

Codes = Literal["flat", "sq8"]
INDEX_FILE = "item_index.faiss"
SETTINGS_FILE = "item_index.json"


class ItemIndexConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    exact_below: int = Field(default=50_000, ge=1, description="exact search below this many items")
    nprobe: int = Field(default=32, ge=1, description="IVF lists visited per query")
    max_training_items: int = Field(default=100_000, ge=1, description="items the IVF centroids learn from")
    seed: int = 0


class ItemIndex:
    """Inner-product top-k over a fixed (n_items, dim) matrix; item ids are row numbers."""

    def __init__(
        self, vectors: np.ndarray, codes: Codes = "flat", config: ItemIndexConfig | None = None
    ) -> None:
        self.config = config or ItemIndexConfig()
        matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        if matrix.ndim != 2:
            raise ValueError(f"item vectors must be a matrix, got shape {matrix.shape}")
        self.n_items, self.dim = matrix.shape
        self.exact = self.n_items < self.config.exact_below
        self.codes: Codes = codes
        self._index: Any = self._build(matrix)

    def _build(self, matrix: np.ndarray) -> Any:
        if self.exact:
            flat = faiss.IndexFlatIP(self.dim)
            flat.add(matrix)
            return flat
        nlist = max(16, int(4 * math.sqrt(self.n_items)))
        quantizer = faiss.IndexFlatIP(self.dim)
        index: Any
        if self.codes == "sq8":
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, self.dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
        else:
            index = faiss.IndexIVFFlat(quantizer, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(self.config.seed)
        sample = matrix
        if self.n_items > self.config.max_training_items:
            sample = matrix[np.sort(rng.choice(self.n_items, self.config.max_training_items, replace=False))]
        index.cp.seed = self.config.seed
        index.train(sample)
        index.add(matrix)
        index.nprobe = self.config.nprobe
        return index

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(len(queries), k) item rows, best first, -1 where fewer were found (and for a zero
        query), and their inner products."""
        query = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        k = min(k, self.n_items)
        if len(query) == 0 or k == 0:
            return np.zeros((len(query), 0), dtype=np.int64), np.zeros((len(query), 0), dtype=np.float32)
        items = np.full((len(query), k), -1, dtype=np.int64)
        scores = np.zeros((len(query), k), dtype=np.float32)
        # a zero query (a new shopper's profile) scores every item 0: nothing to search for
        asked = np.flatnonzero(np.any(query != 0, axis=1))
        if len(asked):
            found_scores, found = self._index.search(query[asked], k)
            items[asked], scores[asked] = found, found_scores
        return items, scores

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(folder / INDEX_FILE))
        settings = {"codes": self.codes, "n_items": self.n_items, "dim": self.dim, "exact": self.exact,
                    "config": self.config.model_dump(mode="json")}  # fmt: skip
        (folder / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> ItemIndex:
        """The index `save` wrote in `folder`, as it was (an IVF index is not trained again)."""
        settings = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
        index = cls.__new__(cls)
        index.config = ItemIndexConfig.model_validate(settings["config"])
        index.n_items, index.dim = int(settings["n_items"]), int(settings["dim"])
        index.exact, index.codes = bool(settings["exact"]), settings["codes"]
        index._index = faiss.read_index(str(folder / INDEX_FILE))
        if index._index.ntotal != index.n_items or index._index.d != index.dim:
            raise ValueError(f"{folder / INDEX_FILE} does not hold {index.n_items} vectors of {index.dim}")
        if not index.exact:
            faiss.extract_index_ivf(index._index).nprobe = index.config.nprobe
        return index


def recall_against_exact(index: ItemIndex, vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> float:
    """Share of the exact top-k items (by inner product with `vectors`) that `index` also returns."""
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(np.ascontiguousarray(vectors, dtype=np.float32))
    _, truth = exact.search(np.ascontiguousarray(queries, dtype=np.float32), k)
    found, _ = index.search(queries, k)
    hits = sum(
        len(set(t[t >= 0].tolist()) & set(f[f >= 0].tolist())) for t, f in zip(truth, found, strict=True)
    )
    return hits / max(1, int((truth >= 0).sum()))
