"""The ranker's catalog columns follow the live catalog: a product added, changed or deleted
after load reads exactly what a fresh load of the catalog would give it."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from shelfwise.rank.catalog import COLUMNS, CatalogFeatures
from shelfwise.rank.examples import Impressions
from shelfwise.rank.features import FeatureBuilder, FeatureConfig, fit_spec
from shelfwise.rank.live_catalog import CatalogSync
from shelfwise.records import Product
from shelfwise.store import MemoryStore

DIM = 8


def product(i: int, category: str = "shoes", price: float | None = None, title: str | None = None) -> Product:
    return Product(
        product_id=f"p{i}",
        title=title or f"shoe {i}",
        brand="Acme" if i % 2 else "Bolt",
        category=(category, "running"),
        price=float(10 + i) if price is None else price,
        rating=4.0 if i % 3 else None,
        in_stock=bool(i % 5),
    )


def vector(p: Product) -> np.ndarray:
    seed = sum(p.title.encode())
    return np.random.default_rng(seed).normal(size=DIM).astype(np.float32)


def vectors(products: list[Product]) -> np.ndarray:
    return np.stack([vector(p) for p in products]) if products else np.zeros((0, DIM), np.float32)


START = [product(i, "hats" if i % 4 == 0 else "shoes") for i in range(12)]
SPEC, _ = fit_spec(FeatureConfig(), Impressions.from_records([]), START, vectors(START))


def assert_same_as_fresh(live: CatalogFeatures, products: list[Product]) -> None:
    fresh = CatalogFeatures(SPEC, products, vectors(products))
    ids = [p.product_id for p in products] + ["unknown"]
    a, b = live.row_of(ids), fresh.row_of(ids)
    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(live, name)[a], getattr(fresh, name)[b], err_msg=name)
    np.testing.assert_array_equal(live.text[a], fresh.text[b])
    assert [live.words.rows[r] for r in a] == [fresh.words.rows[r] for r in b]


def test_added_changed_and_deleted_products_read_what_a_fresh_load_gives() -> None:
    live = CatalogFeatures(SPEC, START, vectors(START))
    added = product(20, "shoes", price=3.0, title="zebra stripe shoe")
    repriced = product(5, "shoes", price=999.0)
    moved = product(6, "hats")
    live.upsert([added, repriced, moved], vectors([added, repriced, moved]))
    live.delete(["p7", "never-there"])
    final = [p for p in START if p.product_id not in {"p5", "p6", "p7"}] + [added, repriced, moved]
    assert_same_as_fresh(live, final)
    assert live.row_of(["p7"])[0] == live.missing_row
    assert live.candidates(["p20", "p5"]) == [added, "p5"]  # providers place new products by their fields


def test_the_catalog_grows_past_its_first_size_and_keeps_earlier_rows() -> None:
    live = CatalogFeatures(SPEC, START, vectors(START))
    before = live.text  # what a request in flight holds
    more = [product(100 + i, "boots") for i in range(300)]
    for start in range(0, 300, 70):
        live.upsert(more[start : start + 70], vectors(more[start : start + 70]))
    assert_same_as_fresh(live, START + more)
    np.testing.assert_array_equal(before[: len(START)], live.text[: len(START)])
    assert not before[len(START)].any()  # the unknown row of the old array stays empty


def test_a_new_product_is_scored_from_its_fields_not_as_the_empty_row() -> None:
    live = CatalogFeatures(SPEC, START, vectors(START))
    builder = FeatureBuilder(SPEC, np.zeros(0, np.uint64), live)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    unknown = builder.build_request(["p30"], None, "search", at, None, None)
    twin = product(30, "shoes")
    live.upsert([twin], vectors([twin]))
    known = builder.build_request(["p30"], None, "search", at, None, None)
    assert unknown.categorical[0, 2] == 0 and known.categorical[0, 2] > 0  # its category is known
    assert unknown.text_rows[0] == live.missing_row != known.text_rows[0]
    assert not np.array_equal(unknown.dense, known.dense)


def test_the_sync_applies_the_stores_changes_once() -> None:
    store = MemoryStore()
    store.upsert(START)
    live = CatalogFeatures(SPEC, START, vectors(START))
    encoded: list[str] = []

    def encode(products: list[Product]) -> np.ndarray:
        encoded.extend(p.product_id for p in products)
        return vectors(list(products))

    sync = CatalogSync(store, encode, live, store.last_seq())
    assert sync.catch_up() == 0 and not encoded
    new, cheaper = product(40, "shoes"), product(3, "shoes", price=1.0)
    store.upsert([new, cheaper])
    store.delete(["p2"])
    assert sync.catch_up() == 3 and sync.catch_up() == 0
    assert sorted(encoded) == ["p3", "p40"]
    final = [p for p in START if p.product_id not in {"p2", "p3"}] + [new, cheaper]
    assert_same_as_fresh(live, final)


def test_equal_prices_share_their_mid_rank_whatever_the_row_order() -> None:
    same = [product(i, "shoes", price=20.0) for i in range(3)] + [product(3, "shoes", price=5.0)]
    forward = CatalogFeatures(SPEC, same, vectors(same))
    backward = CatalogFeatures(SPEC, same[::-1], vectors(same[::-1]))
    ids = [p.product_id for p in same]
    np.testing.assert_allclose(forward.price_quantile[forward.row_of(ids)], [0.625, 0.625, 0.625, 0.125])
    np.testing.assert_allclose(backward.price_quantile[backward.row_of(ids)], [0.625, 0.625, 0.625, 0.125])


def test_an_id_given_twice_in_one_upsert_keeps_its_last_version() -> None:
    live = CatalogFeatures(SPEC, START, vectors(START))
    first, second = product(50, price=5.0, title="first"), product(50, price=7.0, title="second")
    live.upsert([first, second], vectors([first, second]))
    assert_same_as_fresh(live, [*START, second])


def test_a_request_does_not_wait_while_another_thread_applies_changes() -> None:
    store = MemoryStore()
    store.upsert(START)
    live = CatalogFeatures(SPEC, START, vectors(START))
    sync = CatalogSync(store, vectors, live, store.last_seq())
    store.upsert([product(60)])
    with sync._lock:  # a writer is applying a batch
        assert sync.catch_up(wait=False) == 0 and live.row_of(["p60"])[0] == live.missing_row
    assert sync.catch_up(wait=False) == 1 and live.row_of(["p60"])[0] != live.missing_row
