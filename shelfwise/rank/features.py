"""The ranker's features: what is known about the shopper, the item, the query and the context.

Categorical columns (one learned embedding each; index 0 = unknown or missing):

- `user`: the actor hashed into `user_buckets`, for actors seen often enough in training
  (their hashes are kept with the model); others, and anonymous requests, are 0
- `item`: the product id, for products shown often enough in training; others 0, so that a new
  product is ranked from its text, category, brand and price
- `category` (full path), `category_top` (its first level), `brand`, `price_band` (quantile
  bands of the catalog's prices; 0 = no price), `surface` and `hour` (UTC hour of the request)

Dense columns (standardised with the training rows' mean and deviation): `log_price`,
`has_price`, `query_cosine` (the query's embedding against the item's text embedding),
`has_query`, `price_quantile` (the price's quantile among the products of its category path:
shoppers judge a price against its kind), `rating`, `has_rating`, `in_stock`, `query_coverage`
and `over_query_price` (whether the product has the query's words and keeps under its price
ceiling: `shelfwise.rank.query_match`), then one `profile:<name>` column per feature of an
optional user-feature provider.

The item's text embedding enters as a row of the catalog's vector table (`text_rows`), and the
query's embedding as a row of the batch's query table (`query_rows`; -1, the table's last and
empty row, when there is none), which the model projects; `position` (clipped to
`max_position`) feeds only the click tower's position bias, and serving sets it to 0 for every
candidate.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.impressions.records import SURFACES
from shelfwise.models.encoder import TextKind
from shelfwise.rank.examples import Impressions
from shelfwise.rank.query_match import MATCH_COLUMNS, match_columns
from shelfwise.records import Product

if TYPE_CHECKING:
    from shelfwise.rank.catalog import CatalogFeatures

CATEGORICAL = ("user", "item", "category", "category_top", "brand", "price_band", "surface", "hour")
BASE_DENSE = (
    "log_price",
    "has_price",
    "query_cosine",
    "has_query",
    "price_quantile",
    "rating",
    "has_rating",
    "in_stock",
    *MATCH_COLUMNS,
)
UNKNOWN = 0


@runtime_checkable
class UserFeatureProvider(Protocol):
    """User-item affinity features (e.g. the shopper's profile against each product)."""

    @property
    def feature_names(self) -> tuple[str, ...]: ...

    def features(self, actor: str | None, product_ids: Sequence[str | Product], at: datetime) -> np.ndarray:
        """float array (len(product_ids), len(feature_names)); nan where unknown. At serving, a
        product added since the ranker loaded comes as its `Product`, not its id."""
        ...


class FeatureConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    user_buckets: int = Field(default=1 << 14, ge=2, description="hash buckets for shoppers, 0 = unknown")
    min_user_impressions: int = Field(default=2, ge=1, description="a shopper seen less often is unknown")
    min_item_impressions: int = Field(default=2, ge=1, description="an item shown less often is unknown")
    max_items: int = Field(default=200_000, ge=1)
    max_categories: int = Field(default=1000, ge=1)
    max_brands: int = Field(default=5000, ge=1)
    price_bands: int = Field(default=8, ge=1)
    max_position: int = Field(default=20, ge=0, description="positions beyond it share its bias")


class FeatureSpec(BaseModel):
    """What the features were learned with: vocabularies, bands and dense statistics."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    config: FeatureConfig
    items: tuple[str, ...]
    categories: tuple[str, ...]
    category_tops: tuple[str, ...]
    brands: tuple[str, ...]
    price_edges: tuple[float, ...]
    surfaces: tuple[str, ...]
    dense_names: tuple[str, ...]
    dense_mean: tuple[float, ...]
    dense_std: tuple[float, ...]
    text_dim: int
    encoder_version: str | None = None

    @property
    def cardinalities(self) -> dict[str, int]:
        return {
            "user": self.config.user_buckets,
            "item": len(self.items) + 1,
            "category": len(self.categories) + 1,
            "category_top": len(self.category_tops) + 1,
            "brand": len(self.brands) + 1,
            "price_band": len(self.price_edges) + 2,
            "surface": len(self.surfaces) + 1,
            "hour": 25,
        }

    @property
    def profile_names(self) -> tuple[str, ...]:
        return self.dense_names[len(BASE_DENSE) :]

    def feature_groups(self) -> dict[str, tuple[str, ...]]:
        """Named groups of columns for permutation importance ('text_embedding' and 'position'
        are the text rows and positions; the rest name categorical or dense columns)."""
        groups: dict[str, tuple[str, ...]] = {
            "user_id": ("user",),
            "item_id": ("item",),
            "category": ("category", "category_top"),
            "brand": ("brand",),
            "price": ("price_band", "log_price", "has_price", "price_quantile"),
            "rating": ("rating", "has_rating"),
            "in_stock": ("in_stock",),
            "surface": ("surface",),
            "hour": ("hour",),
            "query_cosine": ("query_cosine", "has_query"),
            "query_match": MATCH_COLUMNS,
            "text_embedding": ("text_embedding",),
            "query_embedding": ("query_embedding",),
            "position": ("position",),
        }
        groups.update({name: (name,) for name in self.profile_names})
        return groups


@dataclass(frozen=True)
class FeatureBatch:
    """Model inputs for n rows."""

    categorical: np.ndarray  # int64 (n, len(CATEGORICAL))
    dense: np.ndarray  # float32 (n, len(dense_names)), standardised
    text_rows: np.ndarray  # int64 (n,): rows of CatalogFeatures.text (its unknown row is zeros)
    positions: np.ndarray  # int64 (n,)
    query_rows: np.ndarray  # int64 (n,): rows of query_table, -1 (its last row, zeros) for none
    query_table: np.ndarray  # float32 (q + 1, text_dim), shared by every row

    def __len__(self) -> int:
        return int(self.positions.size)

    def take(self, rows: np.ndarray | slice) -> FeatureBatch:
        return FeatureBatch(
            self.categorical[rows],
            self.dense[rows],
            self.text_rows[rows],
            self.positions[rows],
            self.query_rows[rows],
            self.query_table,
        )

    def query_vectors(self) -> np.ndarray:
        """float32 (n, text_dim): each row's query embedding (zeros without a query)."""
        return self.query_table[self.query_rows]


def stable_hash(values: np.ndarray) -> np.ndarray:
    """uint64 blake2b hash of each distinct string (None hashes as 0)."""
    unique, inverse = np.unique(np.array(["" if v is None else str(v) for v in values]), return_inverse=True)
    hashed = np.array(
        [
            int.from_bytes(hashlib.blake2b(u.encode(), digest_size=8).digest(), "little") if u else 0
            for u in unique
        ],
        dtype=np.uint64,
    )
    return hashed[inverse] if len(values) else np.zeros(0, np.uint64)


def lookup(values: np.ndarray, table: Mapping[str, int], default: int = UNKNOWN) -> np.ndarray:
    """Index of each value in `table` (default where absent), one dict lookup per distinct value."""
    if not len(values):
        return np.zeros(0, np.int64)
    unique, inverse = np.unique(np.array(["" if v is None else str(v) for v in values]), return_inverse=True)
    return np.array([table.get(u, default) for u in unique], dtype=np.int64)[inverse]


def _vocabulary(counts: Counter, minimum: int, limit: int) -> tuple[str, ...]:
    chosen = [v for v, c in counts.most_common() if c >= minimum and v][:limit]
    return tuple(sorted(chosen))


def _index(values: Sequence[str]) -> dict[str, int]:
    return {v: i + 1 for i, v in enumerate(values)}


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def fit_spec(
    config: FeatureConfig,
    train: Impressions,
    products: Sequence[Product],
    vectors: np.ndarray,
    profile_names: Sequence[str] = (),
    encoder_version: str | None = None,
) -> tuple[FeatureSpec, np.ndarray]:
    """Vocabularies and price bands from the training rows and the catalog (dense statistics
    are filled in by `with_dense_statistics`); also the hashes of the known shoppers."""
    item_counts = Counter(train.product_ids.tolist())
    paths = Counter(p.category_path for p in products)
    tops = Counter(p.category[0] for p in products if p.category)
    brands = Counter(p.brand.strip().lower() for p in products)
    prices = np.array([p.price for p in products if p.price is not None], dtype=np.float64)
    quantiles = np.linspace(0, 1, config.price_bands + 1)[1:-1]
    edges = np.unique(np.quantile(prices, quantiles)) if prices.size else np.zeros(0)
    surfaces = tuple(dict.fromkeys([*SURFACES, *sorted(set(train.surfaces.tolist()))]))
    names = (*BASE_DENSE, *(f"profile:{n}" for n in profile_names))
    spec = FeatureSpec(
        config=config,
        items=_vocabulary(item_counts, config.min_item_impressions, config.max_items),
        categories=_vocabulary(paths, 1, config.max_categories),
        category_tops=_vocabulary(tops, 1, config.max_categories),
        brands=_vocabulary(brands, 1, config.max_brands),
        price_edges=tuple(float(e) for e in edges),
        surfaces=surfaces,
        dense_names=names,
        dense_mean=(0.0,) * len(names),
        dense_std=(1.0,) * len(names),
        text_dim=int(np.asarray(vectors).shape[1]),
        encoder_version=encoder_version,
    )
    hashes, counts = np.unique(stable_hash(train.actors), return_counts=True)
    known = hashes[(counts >= config.min_user_impressions) & (hashes != 0)]
    return spec, np.sort(known).astype(np.uint64)


def with_dense_statistics(spec: FeatureSpec, raw_dense: np.ndarray) -> FeatureSpec:
    """The spec with the mean and deviation of raw (unstandardised) training dense columns."""
    with warnings.catch_warnings():  # a column with no value at all (no ratings) reads as 0 and 1
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(raw_dense, axis=0) if len(raw_dense) else np.zeros(raw_dense.shape[1])
        std = np.nanstd(raw_dense, axis=0) if len(raw_dense) else np.ones(raw_dense.shape[1])
    mean = np.nan_to_num(mean)
    std = np.where(np.nan_to_num(std) > 1e-6, np.nan_to_num(std), 1.0)
    return spec.model_copy(
        update={"dense_mean": tuple(map(float, mean)), "dense_std": tuple(map(float, std))}
    )


@dataclass(frozen=True)
class QueryVectors:
    """Each row's query embedding as a row of `table` (-1: no query or no encoder)."""

    index: np.ndarray  # int64 (n,)
    table: np.ndarray  # float32 (q, dim)


class QueryEncoder(Protocol):
    """What the ranker needs of an encoder (`shelfwise.models.Encoder` is one)."""

    @property
    def version(self) -> str: ...

    def encode(
        self, texts: Sequence[str], kind: TextKind = "document", progress: bool = False
    ) -> np.ndarray: ...


def encode_queries(queries: np.ndarray, encoder: QueryEncoder | None, dim: int) -> QueryVectors:
    """Every distinct query text encoded once (kind='query')."""
    texts = np.array(["" if q is None else str(q) for q in queries])
    if encoder is None or not texts.size:
        return QueryVectors(np.full(texts.size, -1, np.int64), np.zeros((0, dim), np.float32))
    unique, inverse = np.unique(texts, return_inverse=True)
    wanted = [u for u in unique.tolist() if u]
    table = np.asarray(encoder.encode(wanted, kind="query"), dtype=np.float32).reshape(len(wanted), -1)
    if table.shape[1] != dim:
        raise ValueError(f"the query encoder gives {table.shape[1]}-d vectors, the catalog {dim}-d")
    blank = 1 if unique.size and not unique[0] else 0  # "" sorts first
    code = np.arange(unique.size, dtype=np.int64) - blank
    return QueryVectors(code[inverse], table)


class FeatureBuilder:
    """Turns impressions (training) or one request's candidates (serving) into a FeatureBatch."""

    def __init__(
        self,
        spec: FeatureSpec,
        known_users: np.ndarray,
        catalog: CatalogFeatures,
        user_features: UserFeatureProvider | None = None,
    ) -> None:
        if spec.profile_names and user_features is None:
            raise ValueError(
                f"the ranker was trained with user features {list(spec.profile_names)}: "
                "give it their provider"
            )
        if (
            user_features is not None
            and tuple(f"profile:{n}" for n in user_features.feature_names) != spec.profile_names
        ):
            raise ValueError(
                f"the user-feature provider gives {list(user_features.feature_names)}, "
                f"the ranker was trained with {list(spec.profile_names)}"
            )
        self.spec, self.known_users, self.catalog = spec, np.asarray(known_users, np.uint64), catalog
        self.user_features = user_features if spec.profile_names else None
        self._surfaces = _index(spec.surfaces)
        self._mean = np.asarray(spec.dense_mean, np.float32)
        self._std = np.asarray(spec.dense_std, np.float32)

    def user_index(self, actors: np.ndarray) -> np.ndarray:
        hashed = stable_hash(actors)
        position = np.searchsorted(self.known_users, hashed)
        found = (
            (position < self.known_users.size)
            & (self.known_users[np.minimum(position, max(self.known_users.size - 1, 0))] == hashed)
            if self.known_users.size
            else np.zeros(hashed.size, bool)
        )
        buckets = 1 + (hashed % np.uint64(self.spec.config.user_buckets - 1)).astype(np.int64)
        return np.where(found & (hashed != 0), buckets, UNKNOWN)

    def _categorical(
        self, rows: np.ndarray, users: np.ndarray, surfaces: np.ndarray, hours: np.ndarray
    ) -> np.ndarray:
        c = self.catalog
        return np.stack(
            [
                users,
                c.item[rows],
                c.category[rows],
                c.category_top[rows],
                c.brand[rows],
                c.price_band[rows],
                surfaces,
                hours,
            ],
            axis=1,
        ).astype(np.int64)

    def _raw_dense(
        self, rows: np.ndarray, cosine: np.ndarray, queries: Sequence[str | None], profiles: np.ndarray | None
    ) -> np.ndarray:
        c = self.catalog
        has_query = np.array([bool(q) for q in queries], dtype=np.float64)
        base = np.stack(
            [
                c.log_price[rows],
                c.has_price[rows],
                cosine,
                has_query,
                c.price_quantile[rows],
                c.rating[rows],
                c.has_rating[rows],
                c.in_stock[rows],
            ],
            axis=1,
        )
        base = np.hstack([base, match_columns(c.words, c.price, rows, queries)])
        return base if profiles is None else np.hstack([base, profiles])

    def standardise(self, raw: np.ndarray) -> np.ndarray:
        out = (raw.astype(np.float32) - self._mean) / self._std
        return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)

    def _cosine(self, rows: np.ndarray, queries: QueryVectors, chunk: int = 65536) -> np.ndarray:
        out = np.zeros(rows.size, np.float32)
        with_query = np.flatnonzero(queries.index >= 0)
        for start in range(0, with_query.size, chunk):
            part = with_query[start : start + chunk]
            q = queries.table[queries.index[part]]
            out[part] = np.einsum("ij,ij->i", q, self.catalog.text[rows[part]])
        return out

    def _profiles_by_request(self, data: Impressions) -> np.ndarray | None:
        if self.user_features is None:
            return None
        out = np.full((len(data), len(self.spec.profile_names)), np.nan, np.float32)
        codes = data.request_codes()
        order = np.argsort(codes, kind="stable")
        for rows in np.split(order, np.flatnonzero(np.diff(codes[order])) + 1):
            if rows.size:
                at = datetime.fromtimestamp(float(data.timestamps[rows[0]]), UTC)
                ids = data.product_ids[rows].tolist()
                out[rows] = self.user_features.features(data.actors[rows[0]], ids, at)
        return out

    def raw(self, data: Impressions, queries: QueryVectors) -> tuple[FeatureBatch, np.ndarray]:
        """The batch (dense columns standardised) and the raw dense columns (for statistics)."""
        rows = self.catalog.row_of(data.product_ids)
        hours = 1 + ((data.timestamps // 3600) % 24).astype(np.int64)
        raw = self._raw_dense(
            rows, self._cosine(rows, queries), data.queries.tolist(), self._profiles_by_request(data)
        )
        surfaces = lookup(data.surfaces, self._surfaces)
        categorical = self._categorical(rows, self.user_index(data.actors), surfaces, hours)
        positions = np.minimum(data.positions, self.spec.config.max_position)
        table = np.vstack(
            [queries.table.reshape(-1, self.spec.text_dim), np.zeros((1, self.spec.text_dim), np.float32)]
        )
        batch = FeatureBatch(categorical, self.standardise(raw), rows, positions, queries.index, table)
        return batch, raw

    def build(self, data: Impressions, queries: QueryVectors) -> FeatureBatch:
        return self.raw(data, queries)[0]

    def build_request(
        self,
        product_ids: Sequence[str],
        actor: str | None,
        surface: str,
        at: datetime,
        query_vector: np.ndarray | None,
        query: str | None,
    ) -> FeatureBatch:
        """One request's candidates, all at position 0 (the fast path of serving)."""
        n = len(product_ids)
        rows = self.catalog.row_of(product_ids)
        cosine = (
            self.catalog.text[rows] @ np.asarray(query_vector, np.float32)
            if query_vector is not None
            else np.zeros(n, np.float32)
        )
        profiles = None
        if self.user_features is not None:
            candidates = self.catalog.candidates(product_ids)
            profiles = np.asarray(self.user_features.features(actor, candidates, at), np.float32)
        raw = self._raw_dense(rows, cosine, [query or None] * n, profiles)
        user = self.user_index(_objects([actor]))[0]
        categorical = self._categorical(
            rows,
            np.full(n, user),
            np.full(n, self._surfaces.get(surface, UNKNOWN)),
            np.full(n, 1 + (at.astimezone(UTC) if at.tzinfo else at).hour),  # naive = UTC
        )
        table = np.zeros((2, self.spec.text_dim), np.float32)
        if query_vector is not None:
            table[0] = query_vector
        return FeatureBatch(
            categorical,
            self.standardise(raw),
            rows,
            np.zeros(n, np.int64),
            np.full(n, 0 if query_vector is not None else -1, np.int64),
            table,
        )
