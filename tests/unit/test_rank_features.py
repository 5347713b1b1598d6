"""The ranker's features and splits: unknown shoppers and items, names, queries, profiles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from shelfwise.impressions.records import LabeledImpression
from shelfwise.rank.catalog import CatalogFeatures
from shelfwise.rank.examples import Impressions, impressions_digest, split_impressions
from shelfwise.rank.features import (
    BASE_DENSE,
    CATEGORICAL,
    FeatureBuilder,
    FeatureConfig,
    encode_queries,
    fit_spec,
    with_dense_statistics,
)
from shelfwise.rank.synthetic import LookupEncoder
from shelfwise.records import Product

T0 = datetime(2025, 3, 1, 13, 30, tzinfo=UTC)
PRODUCTS = [
    Product(product_id="a", title="red shoe", brand="Acme", category=("shoes", "running"), price=50.0),
    Product(product_id="b", title="blue shoe", brand="acme ", category=("shoes", "walking"), price=20.0),
    Product(product_id="c", title="hat", brand="Hatco", category=("hats",), price=None),
]
VECTORS = np.eye(3, 4, dtype=np.float32)


def impression(
    request: str,
    product: str,
    position: int,
    user: str | None = "u1",
    query: str | None = None,
    minutes: int = 0,
    clicked: bool = False,
) -> LabeledImpression:
    return LabeledImpression(
        request_id=request,
        surface="search" if query else "recommend",
        timestamp=T0 + timedelta(minutes=minutes),
        product_id=product,
        position=position,
        user_id=user,
        session_id=None if user else "s9",
        query=query,
        clicked=clicked,
    )


RECORDS = [
    impression("r1", "a", 0, query="shoe"),
    impression("r1", "b", 1, query="shoe"),
    impression("r2", "a", 0, minutes=5),
    impression("r2", "b", 1, minutes=5),
    impression("r3", "a", 0, user="u2", minutes=9),
    impression("r3", "b", 30, user=None, minutes=9),
]


class Profiles:
    feature_names = ("affinity", "recency")

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, tuple[str, ...]]] = []

    def features(self, actor: str | None, product_ids: Sequence[str], at: datetime) -> np.ndarray:
        self.calls.append((actor, tuple(product_ids)))
        return np.array([[1.0 if p == "a" else 0.0, np.nan] for p in product_ids])


def builder(
    profiles: Profiles | None = None, config: FeatureConfig | None = None
) -> tuple[FeatureBuilder, Impressions]:
    data = Impressions.from_records(RECORDS)
    config = config or FeatureConfig(min_user_impressions=2, min_item_impressions=1, user_buckets=64)
    names = profiles.feature_names if profiles else ()
    spec, known = fit_spec(config, data, PRODUCTS, VECTORS, names, "lookup")
    return FeatureBuilder(spec, known, CatalogFeatures(spec, PRODUCTS, VECTORS), profiles), data


def test_columns_are_named_and_vocabularies_come_from_training() -> None:
    built, data = builder()
    batch = built.build(data, encode_queries(data.queries, None, 4))
    assert batch.categorical.shape == (6, len(CATEGORICAL)) and batch.dense.shape == (6, len(BASE_DENSE))
    assert built.spec.items == ("a", "b") and built.spec.brands == ("acme", "hatco")  # brands normalised
    assert built.spec.category_tops == ("hats", "shoes")
    groups = built.spec.feature_groups()
    assert {"user_id", "item_id", "text_embedding", "position", "query_cosine", "price"} <= set(groups)
    assert batch.positions.tolist() == [0, 1, 0, 1, 0, 20]  # clipped at max_position


def test_unknown_shoppers_and_items_read_index_zero() -> None:
    built, _ = builder()
    user = CATEGORICAL.index("user")
    known = built.build_request(["a"], "user:u1", "search", T0, None, None).categorical[0, user]
    assert known != 0  # u1 has 4 training impressions
    for actor in ("user:u2", "user:never-seen", None, "session:s9"):  # u2 has only one
        assert built.build_request(["a"], actor, "search", T0, None, None).categorical[0, user] == 0
    batch = built.build_request(["zzz", "c"], "user:u1", "search", T0, None, None)
    item, band = CATEGORICAL.index("item"), CATEGORICAL.index("price_band")
    assert batch.categorical[0].tolist()[item : band + 1] == [0, 0, 0, 0, 0]  # an id not in the catalog
    assert batch.text_rows[0] == len(PRODUCTS)  # the empty text row
    assert batch.categorical[1, item] == 0 and batch.categorical[1, band] == 0  # c: never shown, no price
    assert np.isfinite(batch.dense).all()


def test_serving_rows_match_training_rows_at_position_zero() -> None:
    built, data = builder()
    encoder = LookupEncoder(["shoe"], np.array([[0.6, 0.8, 0, 0]], np.float32))
    batch = built.build(data, encode_queries(data.queries, encoder, 4))
    cosine = list(built.spec.dense_names).index("query_cosine")
    assert batch.dense[:2, cosine].tolist() != batch.dense[2:4, cosine].tolist()
    served = built.build_request(["a", "b"], "user:u1", "search", T0, encoder.encode(["shoe"])[0], "shoe")
    np.testing.assert_array_equal(served.categorical, batch.categorical[:2])
    np.testing.assert_allclose(served.dense, batch.dense[:2], atol=1e-6)
    assert served.positions.tolist() == [0, 0]
    assert batch.categorical[0, CATEGORICAL.index("hour")] == 14  # 13:30 UTC -> hour 13, +1 for unknown = 0


def test_dense_columns_are_standardised_with_training_statistics() -> None:
    built, data = builder()
    batch, raw = built.raw(data, encode_queries(data.queries, None, 4))
    fitted = FeatureBuilder(with_dense_statistics(built.spec, raw), built.known_users, built.catalog)
    dense = fitted.standardise(raw)
    price = list(built.spec.dense_names).index("log_price")
    assert dense[:, price].mean() == pytest.approx(0.0, abs=1e-6)
    assert dense[:, price].std() == pytest.approx(1.0, abs=1e-5)


def test_user_feature_provider_is_called_once_per_request_and_named() -> None:
    profiles = Profiles()
    built, data = builder(profiles)
    batch = built.build(data, encode_queries(data.queries, None, 4))
    assert built.spec.dense_names[-2:] == ("profile:affinity", "profile:recency")
    assert sorted(profiles.calls) == sorted(
        [("user:u1", ("a", "b")), ("user:u1", ("a", "b")), ("user:u2", ("a", "b"))]
    )
    assert np.isfinite(batch.dense).all()  # nan read as the mean
    assert "profile:affinity" in built.spec.feature_groups()
    with pytest.raises(ValueError, match="user features"):
        FeatureBuilder(built.spec, built.known_users, built.catalog, None)


def test_splits_keep_each_request_on_one_side_and_time_orders_them() -> None:
    records = [impression(f"r{i}", p, k, minutes=i) for i in range(100) for k, p in enumerate("ab")]
    data = Impressions.from_records(records)
    for kind in ("time", "request"):
        split = split_impressions(data, kind, 0.2, 0.2, seed=1)
        sides = [set(data.request_ids[rows].tolist()) for rows in (split.train, split.validation, split.test)]
        assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
        assert sum(map(len, sides)) == 100
    split = split_impressions(data, "time", 0.2, 0.2, seed=1)
    assert data.timestamps[split.train].max() < data.timestamps[split.validation].min()
    assert data.timestamps[split.validation].max() < data.timestamps[split.test].min()
    assert len(split.test) == 40


def test_digest_changes_with_the_labels() -> None:
    data = Impressions.from_records(RECORDS)
    flipped = Impressions.from_records(
        [RECORDS[0].__class__(**{**_fields(RECORDS[0]), "clicked": True}), *RECORDS[1:]]
    )
    assert impressions_digest(data) == impressions_digest(Impressions.from_records(RECORDS))
    assert impressions_digest(data) != impressions_digest(flipped)


def _fields(record: LabeledImpression) -> dict:
    return {name: getattr(record, name) for name in record.__slots__}


def test_item_columns_price_quantile_within_category_rating_and_stock() -> None:
    products = [
        Product(product_id="p1", title="x", category=("shoes",), price=10.0, rating=4.0),
        Product(product_id="p2", title="y", category=("shoes",), price=30.0, in_stock=False),
        Product(product_id="p3", title="z", category=("hats",), price=99.0, rating=2.5),
        Product(product_id="p4", title="w", category=("hats",), price=None),
    ]
    spec, _ = fit_spec(FeatureConfig(), Impressions.from_records([]), products, np.eye(4, dtype=np.float32))
    catalog = CatalogFeatures(spec, products, np.eye(4, dtype=np.float32))
    # mid-rank quantiles among the priced products of the same category; none without a price
    np.testing.assert_allclose(catalog.price_quantile[:3], [0.25, 0.75, 0.5])
    assert np.isnan(catalog.price_quantile[3]) and np.isnan(catalog.price_quantile[-1])
    assert catalog.has_rating[:4].tolist() == [True, False, True, False]
    assert catalog.in_stock[:4].tolist() == [1.0, 0.0, 1.0, 1.0]
    assert {"price_quantile", "rating", "has_rating", "in_stock"} <= set(BASE_DENSE)


def test_query_rows_point_at_each_rows_query_and_serving_reads_the_same_vectors() -> None:
    built, data = builder()
    encoder = LookupEncoder(["shoe"], np.array([[0.6, 0.8, 0, 0]], np.float32))
    batch = built.build(data, encode_queries(data.queries, encoder, 4))
    vectors = batch.query_vectors()
    np.testing.assert_allclose(vectors[:2], [[0.6, 0.8, 0, 0]] * 2)
    assert not vectors[2:].any()  # no query: the table's empty last row
    assert batch.take(np.array([1, 3])).query_vectors().tolist() == [vectors[1].tolist(), vectors[3].tolist()]
    served = built.build_request(["a", "b"], "user:u1", "search", T0, encoder.encode(["shoe"])[0], "shoe")
    np.testing.assert_allclose(served.query_vectors(), vectors[:2])
    assert not built.build_request(["a"], None, "recommend", T0, None, None).query_vectors().any()
