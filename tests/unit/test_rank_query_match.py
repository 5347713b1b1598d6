"""The ranker's query-match columns: coverage of the query's words and its price ceiling."""

from __future__ import annotations

import numpy as np

from shelfwise.rank.query_match import MATCH_COLUMNS, ProductWords, match_columns, query_terms
from shelfwise.records import Product

PRODUCTS = [
    Product(product_id="d1", title="Wrap Dress", brand="Aurelle", category=("Clothing", "Dresses"),
            price=45.0, attributes={"color": "Navy Blue", "material": "Linen"}),
    Product(product_id="d2", title="Maxi Dress", brand="Other", category=("Clothing", "Dresses"),
            price=80.0, attributes={"color": "Red"}),
    Product(product_id="n1", title="Notebook", category=("Office",), price=None),
]  # fmt: skip


def test_query_terms_drop_price_phrases_and_stop_words() -> None:
    terms = query_terms("Red dresses under $50")
    assert terms.words == frozenset({"red", "dress"}) and terms.price_max == 50.0
    assert query_terms("blue linen dress").price_max is None
    assert query_terms("between 20 and 30 dollars mug").price_max == 30.0
    assert query_terms("2x4 stud under 10 ft").price_max is None  # a measurement, not a price


def test_columns_by_hand() -> None:
    words = ProductWords.of(PRODUCTS)
    prices = np.array([45.0, 80.0, np.nan, np.nan])
    rows = np.array([0, 1, 2, 3, 0])  # 3: an unknown product (the empty last row)
    queries = ["red dress under 50", "red dress under 50", "red dress under 50", "red dress", None]
    out = match_columns(words, prices, rows, queries)
    assert out.shape == (5, len(MATCH_COLUMNS))
    coverage, over = out[:, 0], out[:, 1]
    # d1 has 'dress' (title), not 'red'; d2 has both; the notebook neither; no query reads 0
    np.testing.assert_allclose(coverage, [0.5, 1.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(over, [0.0, 1.0, 0.0, 0.0, 0.0])  # unpriced: never over


def test_brand_category_and_attribute_words_count() -> None:
    words = ProductWords.of(PRODUCTS)
    out = match_columns(words, np.array([45.0]), np.array([0]), ["aurelle navy linen clothing"])
    assert out[0, 0] == 1.0
