"""Aspect mining on small handmade review sets (English and Chinese), the review workflow of the
aspects file, the published summaries, reading review files, the demo shop's reviews and the CLI.

spaCy's English model is loaded once for the module (`english_nouns`, about 3 s)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfwise.aspects.artifact import load_summaries, summarize_all, write_summaries
from shelfwise.aspects.inputs import from_demo, read_reviews, write_reviews
from shelfwise.aspects.mining import AspectMiningConfig, mine_aspects
from shelfwise.aspects.nouns import EnglishNouns
from shelfwise.aspects.records import AspectReview
from shelfwise.aspects.review import (
    accepted_aspects,
    read_candidates,
    rename_in_file,
    update_file,
    write_candidates,
)
from shelfwise.aspects.sentiment import LexiconSentiment
from shelfwise.aspects.summary import SummaryConfig
from shelfwise.aspects.text import clauses
from shelfwise.cli import app
from shelfwise.config.reviews import ReviewRules
from shelfwise.demo import generate_demo_catalog
from shelfwise.demo.catalog_zh import generate_demo_catalog_zh
from shelfwise.demo.reviews import generate_demo_reviews
from shelfwise.reviews.flags import folded_text

HEADPHONES = ("Electronics", "Audio", "Headphones")
SHOES = ("Clothing", "Shoes", "Sneakers")
_EN_HEADPHONES = [
    "The sound is amazing and the battery life is great.",
    "Battery lasts forever, sound quality is crisp. Bought it for my daughter.",
    "The ear cushions feel cheap but the sound is clear.",
    "Great sound. The batteries die fast though.",
    "Ear cushions are soft and comfortable. A gift for my son.",
    "The sound is muffled, disappointing.",
    "Battery life is excellent, the cushions are comfy.",
    "Nice sound, poor battery.",
    "My daughter loves these headphones.",
    "Sound is rich. The ear cushion tore after a month.",
]
_EN_SHOES = [
    "They run small, the fit is tight.",
    "Perfect fit and the sole is sturdy. Got them for my son.",
    "The sole wore out fast, awful.",
    "Great fit, comfortable sole.",
    "The fit is off and the laces are flimsy.",
    "Laces broke in a week. My daughter returned them.",
    "Fit is great, laces are fine.",
    "Comfortable fit, nice sole.",
]
_ZH_EARPHONES = [
    "音质很好，续航也给力，送给女儿的",
    "音质清晰，续航一般",
    "续航太短了，音质不错",
    "佩戴舒服，音质饱满",
    "音质差，佩戴很舒服",
    "续航持久，佩戴舒适",
    "送给朋友的礼物",
]
_ZH_CLOTHES = [
    "尺码偏小，面料舒服",
    "面料柔软，尺码合适",
    "尺码偏大，面料起球",
    "面料透气，尺码标准",
    "买给孩子的",
]


def _reviews(
    texts: list[str], category: tuple[str, ...], prefix: str, language: str = "en"
) -> list[AspectReview]:
    return [
        AspectReview(review_id=f"{prefix}{i}", product_id=f"{prefix}-p{i % 3}", category=category, text=text,
                     rating=4, language=language)  # type: ignore[arg-type]
        for i, text in enumerate(texts)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def english_nouns() -> EnglishNouns:
    nouns = EnglishNouns()
    nouns.get()
    return nouns


@pytest.fixture(scope="module")
def english_reviews() -> list[AspectReview]:
    return _reviews(_EN_HEADPHONES, HEADPHONES, "h") + _reviews(_EN_SHOES, SHOES, "s")


def _by_category(candidates: list) -> dict[str, dict[str, tuple[str, ...]]]:  # type: ignore[type-arg]
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for c in candidates:
        out.setdefault(c.category, {})[c.name] = c.terms
    return out


def test_mining_finds_the_planted_english_aspects_and_not_the_noise(
    english_nouns: EnglishNouns, english_reviews: list[AspectReview]
) -> None:
    found = _by_category(mine_aspects(english_reviews, "en", english_nouns))
    headphones, shoes = found["Electronics > Audio > Headphones"], found["Clothing > Shoes > Sneakers"]
    assert set(headphones) == {"sound", "battery", "ear cushion"}
    assert set(shoes) == {"fit", "sole", "lace"}
    # variants merged: plural and lemma, compounds into the noun they build on
    assert {"battery", "batteries", "battery life"} <= set(headphones["battery"])
    assert {"cushion", "cushions", "ear cushion", "ear cushions"} <= set(headphones["ear cushion"])
    # never the people, the gift, nor the category's own name
    every = {name for names in found.values() for name in names}
    assert not every & {"daughter", "son", "gift", "headphone", "headphones", "week", "month"}


def test_distinctiveness_and_evidence(
    english_nouns: EnglishNouns, english_reviews: list[AspectReview]
) -> None:
    found = {c.name: c for c in mine_aspects(english_reviews, "en", english_nouns)}
    sound = found["sound"]
    assert (
        sound.evidence.reviews == 6 and sound.evidence.category_reviews == 10
    )  # spaCy: "sound quality" ADJ NOUN
    assert sound.evidence.lift is not None and sound.evidence.lift > 5
    assert sound.evidence.examples and all("sound" in e.lower() for e in sound.evidence.examples)
    assert sound.status == "pending"
    one_category = mine_aspects(_reviews(_EN_HEADPHONES, HEADPHONES, "h"), "en", english_nouns)
    assert {c.evidence.lift for c in one_category} == {None}
    stricter = mine_aspects(english_reviews, "en", english_nouns, AspectMiningConfig(min_reviews=5))
    assert {c.name for c in stricter} == {"sound", "battery"}


def test_mining_finds_the_planted_chinese_aspects() -> None:
    reviews = _reviews(_ZH_EARPHONES, ("数码", "耳机"), "z", "zh") + _reviews(
        _ZH_CLOTHES, ("服装", "T恤"), "c", "zh"
    )
    found = _by_category(mine_aspects(reviews, "zh"))
    assert set(found["数码 > 耳机"]) == {"音质", "续航", "佩戴"}
    assert set(found["服装 > T恤"]) == {"尺码", "面料"}
    assert not {name for names in found.values() for name in names} & {"女儿", "朋友", "礼物", "孩子"}


def _candidates(english_nouns: EnglishNouns, reviews: list[AspectReview]) -> list:  # type: ignore[type-arg]
    return mine_aspects(reviews, "en", english_nouns)


def test_review_decisions_persist_and_only_accepted_aspects_are_used(
    tmp_path: Path, english_nouns: EnglishNouns, english_reviews: list[AspectReview]
) -> None:
    path = tmp_path / "aspects.review.jsonl"
    write_candidates(path, _candidates(english_nouns, english_reviews))
    assert accepted_aspects(read_candidates(path)) == []
    update_file(path, ["sound", "battery"], "accepted")
    update_file(path, ["lace"], "rejected", category="Clothing > Shoes > Sneakers")
    with pytest.raises(KeyError, match="nosuch"):
        update_file(path, ["nosuch"], "accepted")
    rename_in_file(path, "ear cushion", "comfort")
    # mining again keeps every decision, the renamed one under its new name
    write_candidates(path, _candidates(english_nouns, english_reviews))
    statuses = {c.name: c.status for c in read_candidates(path)}
    assert statuses == {"sound": "accepted", "battery": "accepted", "comfort": "accepted", "fit": "pending",
                        "sole": "pending", "lace": "rejected"}  # fmt: skip
    accepted = {a.name: a.terms for a in accepted_aspects(read_candidates(path))}
    assert set(accepted) == {"sound", "battery", "comfort"} and "cushions" in accepted["comfort"]
    summaries, _ = summarize_all(english_reviews, accepted_aspects(read_candidates(path)), LexiconSentiment())
    said = {s.aspect for summary in summaries for s in summary.statements}
    assert said and said <= {"sound", "battery", "comfort"}


def test_renaming_onto_another_aspect_merges_them(
    tmp_path: Path, english_nouns: EnglishNouns, english_reviews: list[AspectReview]
) -> None:
    path = tmp_path / "aspects.review.jsonl"
    write_candidates(path, _candidates(english_nouns, english_reviews))
    update_file(path, ["sole"], "accepted")
    rename_in_file(path, "lace", "sole")
    merged = [a for a in accepted_aspects(read_candidates(path)) if a.category.startswith("Clothing")]
    assert [a.name for a in merged] == ["sole"] and {"lace", "laces", "sole"} <= set(merged[0].terms)


def test_summaries_are_published_and_read_back(tmp_path: Path, english_reviews: list[AspectReview]) -> None:
    from shelfwise.aspects.review import Aspect

    aspects = [
        Aspect("Electronics > Audio", "sound", ("sound",), "en"),
        Aspect("Clothing", "fit", ("fit",), "en"),
    ]
    summaries, mentions = summarize_all(english_reviews, aspects, LexiconSentiment())
    assert [s.product_id for s in summaries] == sorted({r.product_id for r in english_reviews})
    root = tmp_path / "models" / "review-summaries"
    assert load_summaries(root) == {}
    write_summaries(root, summaries, aspects, "lexicon", SummaryConfig(), mentions)
    loaded = load_summaries(root)
    assert loaded == {s.product_id: s for s in summaries}
    assert any(s.statements for s in loaded.values())
    current = (root / "CURRENT").read_text().strip()
    (root / "versions" / current / "summaries.jsonl").write_text("{}\n")
    with pytest.raises(ValueError, match="does not match its manifest"):
        load_summaries(root)


def test_a_review_file_reports_bad_lines_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "reviews.jsonl"
    good = {
        "review_id": "r1",
        "product_id": "p1",
        "category": "A > B",
        "text": "Great",
        "rating": 5,
        "extra": 1,
    }
    lines = [json.dumps(good), "{not json", json.dumps({**good, "review_id": "r2", "rating": 9}), "[1]", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = read_reviews(path)
    assert [r.review_id for r in read.reviews] == ["r1"] and read.reviews[0].category == ("A", "B")
    assert read.errors[0].startswith(f"{path}:2: not JSON")
    assert read.errors[1].startswith(f"{path}:3: rating:")
    assert read.errors[2] == f"{path}:4: a review is a JSON object, got list"


def test_demo_reviews_are_deterministic_and_varied() -> None:
    catalog = generate_demo_catalog(300, seed=3)
    first, again = generate_demo_reviews(catalog, seed=5), generate_demo_reviews(catalog, seed=5)
    assert first == again and first != generate_demo_reviews(catalog, seed=6)
    genuine = [r for r in first if r.planted == "genuine"]
    assert {r.rating for r in genuine} >= {2, 3, 4, 5}
    labels = [{a.label for a in LexiconSentiment().predict(clauses(r.text, "en"))} for r in genuine]
    assert any({"positive", "negative"} <= found for found in labels)  # mixed reviews too
    assert len({r.review_id for r in first}) == len(first)
    long_texts = [
        t for t in (folded_text(r.text) for r in genuine) if len(t) >= ReviewRules().duplicate_min_chars
    ]
    assert len(set(long_texts)) == len(long_texts)  # only the planted copies repeat a text
    duplicates = [r for r in first if r.planted == "duplicate"]
    texts = {(r.product_id, r.text) for r in genuine}
    assert duplicates and all((r.product_id, r.text) in texts for r in duplicates)
    spam = [r for r in first if r.planted == "spam"]
    assert len(spam) == 8 and len({r.shopper_id for r in spam}) == 1
    chinese = generate_demo_reviews(generate_demo_catalog_zh(100, seed=3), seed=5)
    assert chinese and all(r.language == "zh" for r in chinese)


def test_cli_mines_reviews_and_summarizes_chinese_demo_reviews(tmp_path: Path) -> None:
    runner = CliRunner()
    reviews, aspects, data = tmp_path / "r.jsonl", tmp_path / "a.jsonl", tmp_path / "data"
    write_reviews(reviews, from_demo(generate_demo_reviews(generate_demo_catalog_zh(300, seed=7), seed=7)))
    result = runner.invoke(
        app, ["aspects", "mine", "--reviews", str(reviews), "--out", str(aspects), "--category-depth", "1"]
    )
    assert result.exit_code == 0, result.output
    names = {c.name for c in read_candidates(aspects)}
    assert {"物流", "价格", "续航", "尺码"} <= names
    result = runner.invoke(
        app, ["aspects", "summarize", "--reviews", str(reviews), "--aspects", str(aspects), "-d", str(data)]
    )
    assert result.exit_code == 2 and "no accepted aspect" in result.output
    assert runner.invoke(app, ["aspects", "accept", str(aspects), "物流", "续航", "尺码"]).exit_code == 0
    summarize = [
        "aspects",
        "summarize",
        "--reviews",
        str(reviews),
        "--aspects",
        str(aspects),
        "-d",
        str(data),
    ]
    result = runner.invoke(app, [*summarize, "--sentiment", "model"])  # the shop has trained none
    assert result.exit_code == 2 and "has no sentiment model" in result.output
    result = runner.invoke(app, summarize)  # auto: the lexicon while there is no model
    assert result.exit_code == 0, result.output
    assert "clause sentiment: lexicon" in result.output
    summaries = load_summaries(data / "models" / "review-summaries")
    said = [s for s in summaries.values() if s.statements]
    assert said and {st.aspect for s in said for st in s.statements} <= {"物流", "续航", "尺码"}
    shown = runner.invoke(app, ["aspects", "show", said[0].product_id, "-d", str(data)])
    assert shown.exit_code == 0 and said[0].text in shown.output
