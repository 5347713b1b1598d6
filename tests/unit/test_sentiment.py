"""Pieces of the sentiment model with known answers: labels, star summaries, the split by
product, macro-F1, class weights, early stopping, review files and sentences."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from shelfwise.sentiment.head import HeadConfig, class_weights, fit_head, predict_probabilities
from shelfwise.sentiment.metrics import macro_f1
from shelfwise.sentiment.model import split_sentences
from shelfwise.sentiment.records import (
    ReviewExample,
    Sentiment,
    is_star_summary,
    label_of_rating,
    text_language,
)
from shelfwise.sentiment.reviews_file import (
    ReviewFileError,
    read_review_texts,
    read_training_reviews,
    write_predictions,
)
from shelfwise.sentiment.split import split_by_product
from shelfwise.sentiment.train import prepare_examples


def test_ratings_map_to_three_labels() -> None:
    assert [label_of_rating(r) for r in range(1, 6)] == [
        "negative", "negative", "neutral", "positive", "positive",
    ]  # fmt: skip
    for bad in (0, 6):
        with pytest.raises(ValueError, match="1-5"):
            label_of_rating(bad)
    with pytest.raises(ValueError, match="rating must be 1-5"):
        ReviewExample("r", "text", 9)


@pytest.mark.parametrize("text", ["Five Stars", "five stars!", "4 Stars", "One Star", "5.0 stars", "5/5"])
def test_star_summaries_are_recognised(text: str) -> None:
    assert is_star_summary(text)


@pytest.mark.parametrize(
    "text", ["Five stars for the fast delivery", "a star of a gift", "stars", "五星好评，很喜欢"]
)
def test_reviews_that_mention_stars_are_kept(text: str) -> None:
    assert not is_star_summary(text)


def test_star_summaries_are_never_learned_from() -> None:
    examples = [
        ReviewExample("1", "Five Stars", 5, "p"),
        ReviewExample("2", "Great card, arrived on time.", 5, "p"),
        ReviewExample("3", "one star", 1, "q"),
        ReviewExample("4", "质量很好", 5, "q"),
    ]
    kept, skipped = prepare_examples(examples, limit=100)
    assert skipped == 2
    assert [e.review_id for e in kept] == ["2", "4"]
    assert [e.language for e in kept] == ["en", "zh"]


def _reviews(products: int, per_product: int) -> list[ReviewExample]:
    return [
        ReviewExample(f"{p}-{i}", f"text {p} {i}", 1 + (p + i) % 5, f"p{p}")
        for p in range(products)
        for i in range(per_product)
    ]


def test_split_by_product_keeps_each_product_on_one_side() -> None:
    examples = _reviews(20, 3)
    kept, held = split_by_product(examples, 0.25, seed=3)
    assert {e.product_id for e in kept}.isdisjoint({e.product_id for e in held})
    assert len({e.product_id for e in held}) == 5 and len(kept) + len(held) == 60
    shuffled = examples[:]
    random.Random(1).shuffle(shuffled)
    assert {e.review_id for e in split_by_product(shuffled, 0.25, seed=3)[1]} == {e.review_id for e in held}
    assert {e.product_id for e in split_by_product(examples, 0.25, seed=4)[1]} != {e.product_id for e in held}


def test_without_products_the_split_is_by_review_and_needs_two_groups() -> None:
    examples = [ReviewExample(str(i), f"t{i}", 5) for i in range(10)]
    kept, held = split_by_product(examples, 0.3, seed=1)
    assert len(held) == 3 and len(kept) == 7
    with pytest.raises(ValueError, match="at least 2"):
        split_by_product(_reviews(1, 5), 0.3, seed=1)


def test_macro_f1_known_answer_and_absent_classes() -> None:
    # class 0: tp 1, fn 1 -> 2/3; class 1: tp 1, fp 1 -> 2/3; class 2 absent from both: left out
    assert macro_f1([0, 0, 1], [0, 1, 1], 3) == pytest.approx(2 / 3)
    # class 2: tp 3, fp 1 -> 6/7; class 0: never predicted -> 0
    assert macro_f1([2, 2, 2, 0], [2, 2, 2, 2], 3) == pytest.approx((0 + 6 / 7) / 2)


def test_macro_f1_matches_scikit_learn() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    for _ in range(20):
        truth, predicted = rng.integers(0, 3, 40).tolist(), rng.integers(0, 2, 40).tolist()
        assert macro_f1(truth, predicted, 3) == pytest.approx(
            metrics.f1_score(truth, predicted, average="macro")
        )


def test_balanced_class_weights_give_each_class_equal_total_weight() -> None:
    labels = np.array([0] + [1] + [2] * 8)
    weights = class_weights(labels, "balanced")
    assert weights.tolist() == pytest.approx([10 / 3, 10 / 3, 10 / 24])
    assert np.bincount(labels) @ weights == pytest.approx(10)
    assert class_weights(np.array([2, 2]), "balanced")[:2].tolist() == [0, 0]


def _blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = np.eye(3, 8, dtype=np.float32) * 3
    return (centres[labels] + rng.normal(0, 1, (n, 8))).astype(np.float32), labels


def test_early_stopping_keeps_the_best_held_out_epoch_and_stops() -> None:
    train_x, train_y = _blobs(120, 1)
    val_x, val_y = _blobs(60, 2)
    config = HeadConfig(hidden=0, epochs=200, patience=3, learning_rate=0.05, seed=5)
    module, fit = fit_head(train_x, train_y, val_x, val_y, config)
    assert fit.epochs == fit.best_epoch + config.patience < config.epochs
    assert max(fit.history) == fit.history[fit.best_epoch - 1] == pytest.approx(fit.best_macro_f1, abs=1e-4)
    kept = macro_f1(val_y.tolist(), predict_probabilities(module, val_x).argmax(1).tolist(), 3)
    assert kept == pytest.approx(fit.best_macro_f1) and kept > 0.8


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_training_file_reads_optional_columns_and_never_the_summary(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "r.tsv",
        "review_id\tsummary\ttext\trating\tproduct_id\tlanguage\n"
        "a\tFive Stars\tArrived quickly, nice design.\t5\tp1\ten\n"
        "b\tOne Star\t卡片是空的\t1.0\t\t\n",
    )
    examples = read_training_reviews(path)
    assert examples == [
        ReviewExample("a", "Arrived quickly, nice design.", 5, "p1", "en"),
        ReviewExample("b", "卡片是空的", 1, None, None),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("review_id\ttext\n", ":1: header: missing column(s) rating"),
        ("review_id\ttext\trating\nr1\tgood\t7\n", ":2: rating: '7' is not a whole number from 1 to 5"),
        ("review_id\ttext\trating\nr1\tgood\t5\nr2\t \t4\n", ":3: text: empty"),
        ("review_id\ttext\trating\nr1\tgood\t5\nr1\tbad\t1\n", ":3: review_id: 'r1' appears twice"),
        ("review_id\ttext\trating\nr1\tgood\t5\textra\n", ":2: 4 fields, the header has 3"),
        ("review_id\ttext\trating\nr1\tgood\n", ":2: rating: '' is not"),
    ],
)
def test_bad_training_files_name_file_line_and_field(tmp_path: Path, body: str, message: str) -> None:
    path = _write(tmp_path / "bad.tsv", body)
    with pytest.raises(ReviewFileError) as caught:
        read_training_reviews(path)
    assert f"{path}{message}" in str(caught.value)


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.tsv"
    path.write_bytes("review_id\ttext\trating\nr\tcafé\t5\n".encode("latin-1"))
    with pytest.raises(ReviewFileError, match="not UTF-8"):
        read_training_reviews(path)


def test_texts_to_score_and_the_output_format(tmp_path: Path) -> None:
    path = _write(tmp_path / "in.tsv", "review_id\ttext\nx\tok\ny\t很好\n")
    texts = read_review_texts(path)
    assert [(t.review_id, t.text) for t in texts] == [("x", "ok"), ("y", "很好")]
    out = tmp_path / "out.tsv"
    write_predictions(out, ["x", "y"], [Sentiment("neutral", 0.51234), Sentiment("positive", 0.9)])
    assert (
        out.read_text(encoding="utf-8")
        == "review_id\tlabel\tscore\nx\tneutral\t0.5123\ny\tpositive\t0.9000\n"
    )


def test_sentences_and_languages() -> None:
    assert split_sentences("Great sound. Battery is weak!\nShipping slow") == [
        "Great sound.", "Battery is weak!", "Shipping slow",
    ]  # fmt: skip
    assert split_sentences("音质很好。电池不耐用！物流快") == ["音质很好。", "电池不耐用！", "物流快"]
    assert split_sentences("Version 2.5 works") == ["Version 2.5 works"]
    assert [text_language(t) for t in ("nice card", "很好用", "iPhone 壳很好看", "отлично", "5/5")] == [
        "en", "zh", "zh", "multi", "en",
    ]  # fmt: skip


def test_the_shipped_chinese_set_reads_and_has_every_label() -> None:
    from shelfwise.sentiment import chinese_review_set

    examples = read_training_reviews(chinese_review_set())
    assert len(examples) == 200 and len({e.product_id for e in examples}) == 25
    assert {label_of_rating(e.rating) for e in examples} == {"negative", "neutral", "positive"}
    assert {text_language(e.text) for e in examples} == {"zh"}
    assert len({e.text for e in examples}) == 200


class _WordBackbone:
    """A stand-in backbone: a word's hash picks a coordinate (fast, deterministic)."""

    name = "e5"
    version = "words@1"
    dim = 16

    def embed(self, texts: list[str]) -> np.ndarray:
        import zlib

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, zlib.crc32(word.encode()) % self.dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def test_without_products_training_splits_by_review_and_reports_it(tmp_path: Path) -> None:
    from shelfwise.sentiment.train import SentimentTrainingConfig, fit_sentiment

    words = {1: "awful broken", 3: "okay average", 5: "great lovely"}
    examples = [ReviewExample(f"{r}-{i}", f"{words[r]} {i}", r) for r in words for i in range(10)]
    examples.append(ReviewExample("summary", "Five Stars", 5))
    config = SentimentTrainingConfig(head=HeadConfig(epochs=5), validation_fraction=0.3)
    report = fit_sentiment(examples, tmp_path / "model", config, log=lambda _: None,
                           backbones={"e5": _WordBackbone()})  # type: ignore[dict-item]  # fmt: skip
    assert report.split == "review" and report.star_summaries_skipped == 1
    assert report.validation_groups == 9 and report.train_groups == 21
    assert report.labels == {"negative": 10, "neutral": 10, "positive": 10}
    assert (tmp_path / "model" / "manifest.json").is_file() and (
        tmp_path / "model" / "e5.int8.onnx"
    ).is_file()


def test_examples_from_the_review_store_leave_out_flagged_reviews_and_titles() -> None:
    from datetime import UTC, datetime, timedelta

    from shelfwise.reviews import Review, import_reviews
    from shelfwise.reviews.memory import MemoryReviewStore
    from shelfwise.sentiment.from_store import examples_from_store

    at = datetime(2026, 12, 1, tzinfo=UTC)
    copied = "This card arrived late and the balance was wrong, very disappointing"

    def review(n: int, text: str, rating: int, shopper: str = "s", title: str = "Five Stars") -> Review:
        return Review(review_id=f"r{n}", product_id=f"p{n}", shopper_id=f"{shopper}{n}", rating=rating,
                      title=title, text=text, timestamp=at + timedelta(hours=n))  # fmt: skip

    store = MemoryReviewStore()
    import_reviews(store, [review(1, copied, 1), review(2, copied, 1), review(3, "很好，推荐", 5),
                           review(4, "", 4), review(5, "okay I guess", 3)])  # fmt: skip
    examples = list(examples_from_store(store))
    assert [e.review_id for e in examples] == ["r1", "r3", "r5"]  # r2 copies r1 (flagged); r4 has no text
    assert all("Five Stars" not in e.text for e in examples)  # the title is never read
    assert [(e.product_id, e.rating, e.language) for e in examples] == [
        ("p1", 1, "en"),
        ("p3", 5, "zh"),
        ("p5", 3, "en"),
    ]
