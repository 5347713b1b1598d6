"""Reviews at work in search (issue 30 part 3) on tiny shops, English and Chinese (hashing
encoder): an aspect word in the query ("quiet vacuum", "long battery headphones", "不掉色的口红")
boosts the products whose published summary praises that aspect, the answer says which aspects
it read, and the explanation quotes that praise; the rating term stays off unless configured;
served hits carry their stars from the review store, flagged reviews left out, in one query."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shelfwise.aspects.artifact import load_features, summarize_with_features, write_summaries
from shelfwise.aspects.records import AspectReview
from shelfwise.aspects.review import Aspect
from shelfwise.aspects.sentiment import LexiconSentiment
from shelfwise.aspects.served import ServedSummaries, result_with_praise
from shelfwise.aspects.summary import SummaryConfig
from shelfwise.config import EncoderConfig, FusionConfig, Settings
from shelfwise.config.search import ReviewSearchConfig
from shelfwise.models import CachedEncoder, HashingEncoder
from shelfwise.records import Product, ReviewStars, SearchRequest
from shelfwise.reviews import Review, ReviewFlag
from shelfwise.search import SearchEngine
from shelfwise.service import Shelfwise
from shelfwise.store import MemoryEmbeddingCache, MemoryStore

VACUUMS = ("Home", "Vacuums")
AUDIO = ("Electronics", "Headphones")
LIPSTICK = ("美妆", "口红")

ENGLISH = [
    Product(product_id="v1", title="upright vacuum cleaner", category=list(VACUUMS)),
    Product(product_id="v2", title="cordless vacuum cleaner", category=list(VACUUMS)),
    Product(product_id="h1", title="wireless headphones", category=list(AUDIO)),
    Product(product_id="h2", title="bluetooth wireless headphones", category=list(AUDIO)),
]
CHINESE = [
    Product(product_id="l1", title="哑光口红", category=list(LIPSTICK)),
    Product(product_id="l2", title="滋润口红", category=list(LIPSTICK)),
]
ASPECTS = [
    Aspect("Home > Vacuums", "noise", ("noise",), "en"),
    Aspect("Home > Vacuums", "suction", ("suction",), "en"),
    Aspect("Electronics > Headphones", "battery", ("battery", "battery life"), "en"),
    Aspect("美妆 > 口红", "颜色", ("颜色",), "zh"),
]


def _reviews() -> list[AspectReview]:
    said = [
        # v2 is praised for its noise ("quiet"); v1 for its suction, and is merely loud
        *[("v2", VACUUMS, "The noise is so quiet, I can hear the tv.", 5)] * 3,
        *[("v2", VACUUMS, "The noise is great.", 5)] * 3,  # "great": said of anything
        *[("v1", VACUUMS, "Suction is great on carpet.", 5)] * 3,
        ("v1", VACUUMS, "The noise is awful.", 2),
        *[("h2", AUDIO, "The battery life is amazing, it lasts all week.", 5)] * 3,
        ("h1", AUDIO, "Comfortable pads.", 4),
        *[("l2", LIPSTICK, "这支口红颜色不掉色", 5)] * 3,
        ("l1", LIPSTICK, "颜色一般", 3),
    ]
    return [
        AspectReview(review_id=f"r{i}", product_id=pid, category=cat, text=text, rating=stars,
                     language="zh" if pid.startswith("l") else "en")
        for i, (pid, cat, text, stars) in enumerate(said)
    ]  # fmt: skip


def _publish(root: Path) -> ServedSummaries:
    summaries, mentions, features = summarize_with_features(_reviews(), ASPECTS, LexiconSentiment())
    write_summaries(root, summaries, ASPECTS, "lexicon", SummaryConfig(), mentions, features)
    return ServedSummaries(root)


def _engine(
    products: list[Product], root: Path, language: str, fusion: FusionConfig | None = None
) -> SearchEngine:
    store = MemoryStore()
    store.upsert(products)
    encoder = CachedEncoder(HashingEncoder(), MemoryEmbeddingCache())
    engine = SearchEngine(store, encoder, root, language=language, fusion=fusion or FusionConfig())
    engine.open()
    return engine


def _order(engine: SearchEngine, query: str) -> list[str]:
    """The first two hits (the hashing encoder's vectors bring in the rest of the tiny catalog)."""
    return [hit.product.product_id for hit in engine.search(SearchRequest(query=query)).hits][:2]


def test_features_carry_ratings_with_a_prior_and_the_aspects_praise_words(tmp_path: Path) -> None:
    _publish(tmp_path / "summaries")
    features = load_features(tmp_path / "summaries")
    assert features is not None
    ratings = [r.rating for r in _reviews() if r.rating is not None]
    assert features.prior_mean == round(sum(ratings) / len(ratings), 6)
    v2 = features.get("v2")
    assert v2.reviews == 6 and v2.mean_rating == 5.0
    assert v2.bayes_rating == round((5 * features.prior_mean + 30) / 11, 6)  # 6 reviews beside a prior of 5
    assert features.get("nobody").bayes_rating == features.prior_mean
    noise = features.get("v1").aspect("noise")
    assert noise is not None and (noise.positive, noise.negative) == (0, 1)
    words = {a.name: a.praise_words for a in features.aspects}
    assert words["noise"] == ("quiet",) and words["颜色"] == ("不掉色",)
    assert words["suction"] == ()  # "great" is said of suction and noise alike
    assert v2.sentiment_rating <= v2.bayes_rating  # texts read less than five stars


def test_an_english_aspect_in_the_query_boosts_the_praised_products(tmp_path: Path) -> None:
    engine = _engine(ENGLISH, tmp_path / "index", "en")
    before = {q: _order(engine, q) for q in ("quiet vacuum", "long battery headphones")}
    engine.reviews = _publish(tmp_path / "summaries")
    result = engine.search(SearchRequest(query="quiet vacuum", explain=True))
    assert result.interpretation is not None and result.interpretation.aspects == ["noise"]
    assert [h.product.product_id for h in result.hits[:2]] == ["v2", "v1"] and before["quiet vacuum"] == [
        "v1",
        "v2",
    ]
    boosts = {h.product.product_id: h.explanation.aspect_boost for h in result.hits[:2] if h.explanation}
    assert boosts == {"v2": 0.25, "v1": None}
    told = result_with_praise(result, engine.reviews)
    assert told.hits[0].explanation is not None
    assert told.hits[0].explanation.praise == "shoppers praise its noise (6 reviews)"
    assert _order(engine, "long battery headphones")[0] == "h2" != before["long battery headphones"][0]
    assert engine.search(SearchRequest(query="vacuum")).interpretation.aspects == []  # type: ignore[union-attr]


def test_a_chinese_aspect_word_boosts_the_lipstick_praised_for_it(tmp_path: Path) -> None:
    engine = _engine(CHINESE, tmp_path / "index", "zh")
    before = _order(engine, "不掉色的口红")
    engine.reviews = _publish(tmp_path / "summaries")
    result = engine.search(SearchRequest(query="不掉色的口红", explain=True))
    assert result.interpretation is not None and result.interpretation.aspects == ["颜色"]
    assert [h.product.product_id for h in result.hits[:2]] == ["l2", "l1"] and before == ["l1", "l2"]
    told = result_with_praise(result, engine.reviews)
    assert (
        told.hits[0].explanation is not None and told.hits[0].explanation.praise == "买家称赞颜色（3条评价）"
    )


def test_the_rating_term_is_off_by_default_and_reorders_when_weighted(tmp_path: Path) -> None:
    engine = _engine(ENGLISH, tmp_path / "index", "en")
    engine.reviews = _publish(tmp_path / "summaries")
    plain = engine.search(SearchRequest(query="headphones"))
    weighted = FusionConfig(reviews=ReviewSearchConfig(rating_weight=5.0, aspect_boost=0.0))
    rated = _engine(ENGLISH, tmp_path / "index2", "en", weighted)
    rated.reviews = engine.reviews
    by_rating = rated.search(SearchRequest(query="headphones"))
    assert [h.product.product_id for h in plain.hits[:2]] == ["h1", "h2"]
    assert [h.product.product_id for h in by_rating.hits[:2]] == ["h2", "h1"]  # h2: three 5-star reviews
    off = _engine(
        ENGLISH, tmp_path / "index3", "en", FusionConfig(reviews=ReviewSearchConfig(aspect_boost=0))
    )
    off.reviews = engine.reviews
    assert _order(off, "quiet vacuum") == ["v1", "v2"]


def test_search_hits_carry_their_stars_from_the_review_store_in_one_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)
    shop = Shelfwise(Settings(data_dir=tmp_path / "data", encoder=EncoderConfig(name="hashing")))
    try:
        shop.upsert_products(ENGLISH)
        shop.open_index()
        when = datetime(2026, 11, 1, tzinfo=UTC)
        shop.data.reviews.upsert(
            [Review(review_id=f"s{i}", product_id="h2", shopper_id=f"u{i}", rating=stars, text="ok",
                    timestamp=when) for i, stars in enumerate((5, 4))]
            + [Review(review_id="x", product_id="h2", shopper_id="spam", rating=1, text="bad", timestamp=when,
                      flags=(ReviewFlag(code="shopper_flood"),))]
        )  # fmt: skip
        calls: list[int] = []
        store = shop.data.reviews
        real = store.summaries
        monkeypatch.setattr(
            store, "summaries", lambda ids, *a, **k: calls.append(len(ids)) or real(ids, *a, **k)
        )
        result = shop.serve_search(SearchRequest(query="headphones", page_size=4), "q1")
        stars = {h.product.product_id: h.reviews for h in result.hits}
        assert stars["h2"] == ReviewStars(count=2, mean=4.5)  # the flagged 1-star review left out
        assert stars["h1"] == ReviewStars(count=0)
        assert calls == [len(result.hits)]  # one query for the whole page
    finally:
        shop.close()
