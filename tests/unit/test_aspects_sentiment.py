"""Aspect sentiment without spaCy: clauses and opinions (English and Chinese), the lexicon fallback,
clause-level aspect mentions, and product summaries (wording, thresholds, evidence)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from shelfwise.aspects.mentions import find_mentions
from shelfwise.aspects.records import AspectReview
from shelfwise.aspects.review import Aspect
from shelfwise.aspects.sentiment import LexiconSentiment, predict_clauses
from shelfwise.aspects.summary import SummaryConfig, summarize_product
from shelfwise.aspects.text import clauses, opinions, words

AUDIO = "Electronics > Audio"
ASPECTS = [
    Aspect(AUDIO, "battery", ("battery", "battery life"), "en"),
    Aspect(AUDIO, "ear cushion", ("ear cushion", "cushion"), "en"),
    Aspect("Electronics", "shipping", ("shipping", "delivery"), "en"),
    Aspect("服装", "尺码", ("尺码",), "zh"),
    Aspect("服装", "物流", ("物流", "快递"), "zh"),
]


def _review(rid: str, text: str, rating: int = 4, product: str = "p1", **kw: object) -> AspectReview:
    category = kw.pop("category", "Electronics > Audio > Headphones")
    return AspectReview(review_id=rid, product_id=product, category=category, text=text, rating=rating, **kw)  # type: ignore[arg-type]


def _opinions(text: str, language: str = "en") -> list[tuple[str, int]]:
    lang = "zh" if language == "zh" else "en"
    return [(o.text, o.polarity) for o in opinions(words(text, lang), lang)]


def test_clauses_cut_at_punctuation_and_contrast_words() -> None:
    assert clauses("Great sound, poor battery. Shipping was slow but the box was fine!", "en") == [
        "Great sound",
        "poor battery",
        "Shipping was slow",
        "but the box was fine",
    ]
    assert clauses("音质很好，续航一般但是物流很快。", "zh") == ["音质很好", "续航一般", "但是物流很快"]


def test_opinions_apply_negation_excess_and_phrases() -> None:
    assert _opinions("the battery is great") == [("great", 1)]
    assert _opinions("not comfortable at all") == [("not comfortable", -1)]
    assert _opinions("isn't comfortable") == [("isn't comfortable", -1)]
    assert _opinions("it runs small") == [("runs small", -1)]
    assert _opinions("way too tight") == [("too tight", -1)]
    assert _opinions("no problems with delivery") == [("no problems", 1)]
    assert _opinions("can't beat email delivery") == [("can't beat", 1)]
    assert _opinions("bought it for my daughter") == []
    assert _opinions("尺码偏小", "zh") == [("偏小", -1)]
    assert _opinions("续航不持久", "zh") == [("不持久", -1)]
    assert _opinions("没有异味", "zh") == [("没有异味", 1)]
    assert _opinions("有点紧", "zh") == [("有点紧", -1)]
    assert _opinions("质量不错", "zh") == [("不错", 1)]


def test_lexicon_sentiment_labels_clauses() -> None:
    answers = LexiconSentiment().predict(
        ["The sound is great", "battery dies, useless", "Arrived Tuesday", "续航很给力"]
    )
    assert [a.label for a in answers] == ["positive", "negative", "neutral", "positive"]
    assert all(0 <= a.score <= 1 for a in answers)
    label, score = answers[0]  # a (label, score) pair, as the protocol says
    assert (label, score) == ("positive", 0.6)


class _Fixed:
    def __init__(self, answers: list[tuple[str, float]]) -> None:
        self.answers = answers

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        return self.answers[: len(texts)]


def test_a_model_answer_is_checked() -> None:
    with pytest.raises(ValueError, match="label 'good'"):
        predict_clauses(_Fixed([("good", 0.9)]), ["x"])
    with pytest.raises(ValueError, match="answered 1 labels for 2 texts"):
        predict_clauses(_Fixed([("positive", 0.9)]), ["x", "y"])
    assert predict_clauses(_Fixed([("negative", 1.7)]), ["x"])[0].score == 1.0


@dataclass(frozen=True)
class _Answer:
    label: str
    score: float


class _Records:
    def predict(self, texts: Sequence[str]) -> list[_Answer]:
        return [_Answer("positive" if "good" in t else "negative", 0.9) for t in texts]


def test_a_model_answering_records_fits_too() -> None:
    answers = predict_clauses(_Records(), ["good sound", "bad battery"])
    assert [tuple(a) for a in answers] == [("positive", 0.9), ("negative", 0.9)]


def test_mentions_take_the_sentiment_of_their_own_clause() -> None:
    review = _review(
        "r1", "The battery life is great but the ear cushions feel cheap. Shipping was not fast!"
    )
    mentions = find_mentions([review], ASPECTS, LexiconSentiment())
    assert [(m.aspect, m.term, m.label, m.opinion) for m in mentions] == [
        ("battery", "battery life", "positive", "great"),
        ("ear cushion", "ear cushion", "negative", "cheap"),
        ("shipping", "shipping", "negative", "not fast"),  # "Electronics" aspects apply to its subcategories
    ]
    assert mentions[1].clause == "but the ear cushions feel cheap"


def test_aspects_of_other_categories_and_partial_words_do_not_match() -> None:
    other = _review("r1", "Great battery, fast shipping.", category="Clothing > Shoes")
    assert find_mentions([other], ASPECTS, LexiconSentiment()) == []
    partial = _review("r2", "The batterylike casing is great.")
    assert find_mentions([partial], ASPECTS, LexiconSentiment()) == []


def test_a_neutral_clause_takes_the_rating_only_when_it_is_the_reviews_one_aspect() -> None:
    alone = _review("r1", "Batteries.", rating=5)
    two = _review("r2", "Batteries. Shipping.", rating=5)
    labels = [m.label for m in find_mentions([alone, two], ASPECTS, LexiconSentiment())]
    assert labels == ["positive", "neutral", "neutral"]
    assert find_mentions([alone], ASPECTS, LexiconSentiment(), rating_backoff=False)[0].label == "neutral"


def test_chinese_mentions() -> None:
    review = _review("z1", "尺码偏小，物流很快", rating=3, category="服装 > T恤", language="zh")
    mentions = find_mentions([review], ASPECTS, LexiconSentiment())
    assert [(m.aspect, m.label, m.opinion) for m in mentions] == [
        ("尺码", "negative", "偏小"),
        ("物流", "positive", "很快"),
    ]


def _sizes_and_battery() -> list[AspectReview]:
    texts = [
        "The battery life is great. Runs small though, shipping was slow.",
        "Battery is excellent. The ear cushion runs small.",
        "Great battery. Shipping was slow!",
        "Love the battery. The ear cushions are too small.",
        "Battery life is amazing.",
        "The battery is weak.",
        "Bought it for my dad.",
    ]
    return [_review(f"r{i}", text) for i, text in enumerate(texts, start=1)]


def test_summary_praises_and_complains_with_counts_and_evidence() -> None:
    summary = summarize_product(_sizes_and_battery(), ASPECTS, LexiconSentiment())
    assert summary.reviews == 7 and summary.average_rating == 4.0
    kinds = [(s.kind, s.aspect, s.reviews, s.review_ids) for s in summary.statements]
    assert kinds == [
        ("praise", "battery", 5, ("r1", "r2", "r3", "r4", "r5")),
        ("complaint", "ear cushion", 2, ("r2", "r4")),
        ("complaint", "shipping", 2, ("r1", "r3")),
    ]
    battery = summary.statements[0]
    assert (battery.positive, battery.negative) == (5, 1)
    assert summary.text == (
        "Praised for its battery (5 reviews); some complain about the ear cushion (2 reviews); "
        "some find the shipping slow (2 reviews)."
    )


def test_summary_thresholds_decide_what_is_said() -> None:
    strict = SummaryConfig(min_praise=6, min_complaints=3)
    assert summarize_product(_sizes_and_battery(), ASPECTS, LexiconSentiment(), strict).statements == ()
    mixed = [_review(f"m{i}", "The battery is great.") for i in range(3)] + [
        _review(f"n{i}", "The battery is awful.") for i in range(3)
    ]
    statement = summarize_product(mixed, ASPECTS, LexiconSentiment()).statements[0]
    assert (statement.kind, statement.text) == (
        "mixed",
        "mixed views on the battery (3 positive, 3 negative)",
    )
    many = [_review(f"k{i}", "The ear cushion runs small.") for i in range(5)]
    assert (
        summarize_product(many, ASPECTS, LexiconSentiment()).text
        == "Many say the ear cushion runs small (5 reviews)."
    )


def test_flagged_reviews_are_left_out_and_one_product_is_required() -> None:
    reviews = [_review(f"r{i}", "Great battery.") for i in range(3)]
    flagged = [_review(f"s{i}", "Great battery.", flagged=True) for i in range(5)]
    summary = summarize_product(reviews + flagged, ASPECTS, LexiconSentiment())
    assert summary.reviews == 3 and summary.statements[0].review_ids == ("r0", "r1", "r2")
    with pytest.raises(ValueError, match="one product"):
        summarize_product(
            [_review("a", "x", product="p1"), _review("b", "x", product="p2")], ASPECTS, LexiconSentiment()
        )


def test_chinese_summary_wording() -> None:
    texts = ["尺码偏小，物流很快", "尺码偏小，物流给力", "尺码有点偏小，物流很快", "物流很快"]
    reviews = [_review(f"z{i}", t, category="服装 > T恤", language="zh") for i, t in enumerate(texts)]
    summary = summarize_product(reviews, ASPECTS, LexiconSentiment())
    assert summary.language == "zh"
    assert summary.text == "物流好评多（4条评价）；部分买家反映尺码偏小（3条评价）。"
