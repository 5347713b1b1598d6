"""A small synthetic shop with known click and conversion probabilities, for tests and
benchmarks of the ranker (not a shopper simulator: no sessions, no feedback loop).

Items have a category, a brand, a price and a text embedding; a latent taste vector of each
item is a fixed linear map of its text embedding plus noise, so text carries what ids carry
for items never shown. Shoppers have a latent taste and a price sensitivity; some requests are
anonymous. Search requests have a query (its embedding near a category's centroid) and show
the items nearest to it in a noisy order; recommendation requests show popular items in random
order. Then, with sigma the logistic function:

    P(click)            = sigma(-2.2 + u.v + quality + 2.5 cos(query, text) [search]
                                - 0.18 position + 0.25 sin(2 pi hour / 24))
    P(convert | click)  = sigma(-1.2 + u.w + appeal - sensitivity * (log price - mean log price))

with `w` another map of the item's text. Clicks and conversions are drawn from them, and the
impressions carry both probabilities as `true_ctr` and `true_cvr`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from shelfwise.impressions.records import LabeledImpression
from shelfwise.models.encoder import TextKind
from shelfwise.records import Product

START = datetime(2025, 1, 1, tzinfo=UTC)


class LookupEncoder:
    """An Encoder over a fixed table of texts (unknown texts give zero vectors)."""

    def __init__(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        self._rows = {t: i for i, t in enumerate(texts)}
        self._vectors = np.asarray(vectors, dtype=np.float32)

    @property
    def version(self) -> str:
        return f"lookup-{len(self._rows)}x{self.dim}"

    @property
    def dim(self) -> int:
        return int(self._vectors.shape[1])

    def encode(self, texts: Sequence[str], kind: TextKind = "document", progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            row = self._rows.get(text)
            if row is not None:
                out[i] = self._vectors[row]
        return out


@dataclass(frozen=True)
class SyntheticShop:
    products: list[Product]
    vectors: np.ndarray
    impressions: list[LabeledImpression]
    encoder: LookupEncoder


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


@dataclass(frozen=True)
class _Items:
    products: list[Product]
    text: np.ndarray
    taste: np.ndarray
    appeal_taste: np.ndarray
    quality: np.ndarray
    appeal: np.ndarray
    log_price: np.ndarray
    centroids: np.ndarray


def _items(rng: np.random.Generator, n: int, dim: int, latent: int) -> _Items:
    tops, subs = 6, 2
    centroids = _unit(rng.normal(size=(tops * subs, dim)))
    category = rng.integers(0, tops * subs, n)
    text = _unit(centroids[category] + 0.6 * rng.normal(size=(n, dim)) / np.sqrt(dim))
    to_taste, to_appeal = rng.normal(size=(2, dim, latent)) * 0.9
    log_price = 2.5 + 0.3 * (category % 5) + 0.6 * rng.normal(size=n)
    brand = rng.integers(0, 15, n)
    products = [
        Product(
            product_id=f"p{i:05d}",
            title=f"item {i}",
            brand=f"brand {brand[i]}",
            category=(f"top {category[i] // subs}", f"sub {category[i]}"),
            price=round(float(np.exp(lp)), 2),
        )
        for i, lp in enumerate(log_price)
    ]
    return _Items(
        products,
        text.astype(np.float32),
        text @ to_taste + 0.3 * rng.normal(size=(n, latent)),
        text @ to_appeal + 0.3 * rng.normal(size=(n, latent)),
        0.5 * rng.normal(size=n),
        0.4 * rng.normal(size=n),
        log_price,
        centroids,
    )


@dataclass(frozen=True)
class _Shoppers:
    taste: np.ndarray
    sensitivity: np.ndarray
    """how much a higher price lowers conversion"""
    activity: np.ndarray
    """relative request rates (Zipf)"""


def _shoppers(rng: np.random.Generator, users: int, latent: int) -> _Shoppers:
    taste = 0.6 * rng.normal(size=(users, latent))
    sensitivity = np.clip(1 + 0.4 * rng.normal(size=users), 0.2, None)
    return _Shoppers(taste, sensitivity, rng.zipf(1.6, users).astype(float))


def _query_vectors(rng: np.random.Generator, centroids: np.ndarray, queries: int, dim: int) -> np.ndarray:
    """Each query's embedding: near the centroid of a category drawn for it."""
    query_category = rng.integers(0, len(centroids), queries)
    noise = 0.5 * rng.normal(size=(queries, dim)) / np.sqrt(dim)
    return _unit(centroids[query_category] + noise)


def _shown(
    rng: np.random.Generator, cat: _Items, query_vectors: np.ndarray, popularity: np.ndarray, shown: int
) -> tuple[int | None, np.ndarray, np.ndarray]:
    """One request: its query (None for a recommendation), the items shown in order, and every
    item's cosine to the query (zeros for a recommendation)."""
    items = len(cat.products)
    if rng.random() >= 0.6:
        return None, rng.choice(items, shown, replace=False, p=popularity / popularity.sum()), np.zeros(items)
    q = int(rng.integers(len(query_vectors)))
    cosine = cat.text @ query_vectors[q]
    weights = np.exp(6 * cosine)
    picked = rng.choice(items, shown, replace=False, p=weights / weights.sum())
    return q, picked[np.argsort(-(cosine[picked] + 0.1 * rng.normal(size=shown)))], cosine


def _probabilities(
    cat: _Items, picked: np.ndarray, cosine: np.ndarray, u: np.ndarray, hour: int, sensitivity: float
) -> tuple[np.ndarray, np.ndarray]:
    """P(click) and P(convert | click) of the `picked` items in order (the module's formulas)."""
    position = np.arange(len(picked))
    ctr = _sigmoid(
        -2.2
        + cat.taste[picked] @ u
        + cat.quality[picked]
        + 2.5 * cosine[picked]
        - 0.18 * position
        + 0.25 * np.sin(2 * np.pi * hour / 24)
    )
    cvr = _sigmoid(
        -1.2
        + cat.appeal_taste[picked] @ u
        + cat.appeal[picked]
        - sensitivity * (cat.log_price[picked] - cat.log_price.mean())
    )
    return ctr, cvr


@dataclass(frozen=True)
class _Request:
    request_id: str
    at: datetime
    query: str | None
    """None for a recommendation"""
    user_id: str | None
    session_id: str | None


def _impressions(
    request: _Request,
    products: list[Product],
    clicks: np.ndarray,
    converts: np.ndarray,
    ctr: np.ndarray,
    cvr: np.ndarray,
) -> list[LabeledImpression]:
    """The request's impressions of the shown `products`, in order, with their outcomes."""
    return [
        LabeledImpression(
            request_id=request.request_id,
            surface="search" if request.query is not None else "recommend",
            timestamp=request.at,
            product_id=product.product_id,
            position=k,
            user_id=request.user_id,
            session_id=request.session_id,
            query=request.query,
            clicked=bool(clicks[k]),
            converted=bool(converts[k]),
            revenue=float(product.price or 0) if converts[k] else 0.0,
            true_ctr=float(ctr[k]),
            true_cvr=float(cvr[k]),
        )
        for k, product in enumerate(products)
    ]


def synthetic_shop(
    requests: int = 6000,
    users: int = 400,
    items: int = 300,
    shown: int = 10,
    seed: int = 0,
    dim: int = 16,
    latent: int = 6,
    queries: int = 120,
    anonymous: float = 0.15,
) -> SyntheticShop:
    """Impressions of `requests` responses of `shown` items each, in time order."""
    rng = np.random.default_rng(seed)
    cat = _items(rng, items, dim, latent)
    people = _shoppers(rng, users, latent)
    query_vectors = _query_vectors(rng, cat.centroids, queries, dim)
    query_texts = [f"query {j}" for j in range(queries)]
    popularity = np.exp(cat.quality)
    times = np.sort(rng.uniform(0, 28 * 86400, requests))
    out: list[LabeledImpression] = []
    for r in range(requests):
        user = int(rng.choice(users, p=people.activity / people.activity.sum()))
        known = rng.random() >= anonymous
        u = people.taste[user] if known else np.zeros(latent)
        q, picked, cosine = _shown(rng, cat, query_vectors, popularity, shown)
        at = START + timedelta(seconds=float(times[r]))
        sensitivity = people.sensitivity[user] if known else 1.0
        ctr, cvr = _probabilities(cat, picked, cosine, u, at.hour, sensitivity)
        clicks = rng.random(shown) < ctr
        converts = clicks & (rng.random(shown) < cvr)
        request = _Request(
            f"r{r:06d}",
            at,
            None if q is None else query_texts[q],
            f"u{user}" if known else None,
            None if known else f"s{r}",
        )
        out += _impressions(request, [cat.products[i] for i in picked], clicks, converts, ctr, cvr)
    return SyntheticShop(cat.products, cat.text, out, LookupEncoder(query_texts, query_vectors))
