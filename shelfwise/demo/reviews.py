"""The demo shop's reviews: seeded, generated text about each product's aspects (demo data, not
real reviews), so aspect mining, summaries and the storefront have something to read.

Reviews are written in the product's language (Chinese for a title in Han characters) from the
package data `data/reviews_<language>.json`: per department, aspects with the forms shoppers use
and words of praise and complaint, plus shop-wide aspects (shipping, price, packaging). Each
product has a hidden quality (its rating, when it has one) and, for each aspect, a lean of its
own, so one pair of headphones is praised for its sound and another blamed for its battery. A
review's rating follows the quality; each of its one to three aspect sentences leans with the
rating and the aspect, so there are mixed reviews as well as happy and angry ones. A few reviews
are copied word for word under another shopper (duplicates) and one shopper floods a brand's
products with five-star shouting (spam): the reviews store is to flag both.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

from shelfwise.config.reviews import ReviewRules
from shelfwise.demo.vocab import read_data
from shelfwise.language.chinese import has_han
from shelfwise.records import Product
from shelfwise.reviews.flags import folded_text
from shelfwise.reviews.records import Review

DEMO_REVIEW_EPOCH = 1_780_000_000  # 2026-05-28 UTC: review times fall in the 180 days before it
_DAY = 86_400
_DUPLICATE_SHARE = 0.01
_FLOOD_REVIEWS = 8
_REWRITES = 20
_DUPLICATE_MIN_CHARS = ReviewRules().duplicate_min_chars
Planted = Literal["genuine", "duplicate", "spam"]


@dataclass(frozen=True)
class DemoReview:
    """One generated review. `planted` says what the generator meant it to be (genuine, a duplicate
    of another review, spam), for tests of the flags: it is not a field of a real review."""

    review_id: str
    product_id: str
    shopper_id: str
    rating: int
    title: str
    text: str
    language: Literal["en", "zh"]
    time: int
    category: tuple[str, ...]
    planted: Planted = "genuine"


def as_store_reviews(reviews: Iterable[DemoReview]) -> Iterator[Review]:
    """The demo's reviews as the review store takes them (`import_reviews`: its rules flag them;
    `planted` is not a field of a real review)."""
    for r in reviews:
        yield Review(
            review_id=r.review_id, product_id=r.product_id, shopper_id=r.shopper_id, rating=r.rating,
            title=r.title, text=r.text, language=r.language, timestamp=datetime.fromtimestamp(r.time, UTC),
        )  # fmt: skip


@cache
def _vocabulary(language: str) -> dict[str, Any]:
    data: dict[str, Any] = read_data(f"reviews_{language}")
    return data


def generate_demo_reviews(
    products: Sequence[Product], seed: int = 7, reviewed_share: float = 0.6, max_per_product: int = 12
) -> list[DemoReview]:
    """Reviews of about `reviewed_share` of the products (a few to `max_per_product` each, more for
    some), then the planted duplicates and one flood of spam; the same for the same seed."""
    if not 0 <= reviewed_share <= 1 or max_per_product < 1:
        raise ValueError("reviewed_share must be within 0..1 and max_per_product at least 1")
    rng = random.Random(seed)
    reviews: list[DemoReview] = []
    written: set[str] = set()  # the folded texts so far: a genuine review is not a copy
    shoppers = max(50, len(products) // 2)
    for product in products:
        if rng.random() >= reviewed_share:
            continue
        writer = _ProductReviews(product, rng)
        count = min(max_per_product, 1 + int(rng.expovariate(1 / 3.5)))
        for _ in range(count):
            shopper = f"demo-shopper-{rng.randrange(shoppers):05d}"
            reviews.append(_fresh_review(writer, f"RV-{len(reviews) + 1:07d}", shopper, written))
    reviews.extend(_duplicates(reviews, rng, shoppers))
    reviews.extend(_flood(products, rng, len(reviews)))
    return reviews


def _fresh_review(writer: _ProductReviews, review_id: str, shopper: str, written: set[str]) -> DemoReview:
    """A review whose text no earlier genuine review has (folded as the duplicate rule folds it):
    short template sentences repeat across products, and a real shop's duplicate rule would flag
    those copies. Texts shorter than the rule's minimum are common in real shops and may repeat."""
    review = writer.review(review_id, shopper)
    for _ in range(_REWRITES):
        folded = folded_text(review.text)
        if len(folded) < _DUPLICATE_MIN_CHARS or folded not in written:
            break
        review = writer.review(review_id, shopper)
    written.add(folded_text(review.text))
    return review


class _ProductReviews:
    """Writes reviews of one product: its quality and the lean of each of its aspects."""

    def __init__(self, product: Product, rng: random.Random) -> None:
        self.product, self.rng = product, rng
        self.language: Literal["en", "zh"] = "zh" if has_han(product.title) else "en"
        vocabulary = _vocabulary(self.language)
        path = tuple(product.category) + ("", "")
        department = vocabulary["departments"].get(path[0], {})
        fitting = {name: a for name, a in department.items() if path[1] in a.get("only", (path[1],))}
        self.aspects: dict[str, dict[str, Any]] = {**fitting, **vocabulary["shop_wide"]}
        self.vocabulary = vocabulary
        self.quality = product.rating if product.rating is not None else min(5.0, rng.gauss(4.1, 0.6))
        # most aspects lean with the product; one in five is its weak (or strong) point
        self.lean = {name: rng.choice((-0.45, 0.35)) if rng.random() < 0.2 else 0.0 for name in self.aspects}

    def review(self, review_id: str, shopper: str) -> DemoReview:
        rng = self.rng
        rating = max(1, min(5, round(rng.gauss(self.quality, 0.9))))
        sentences = []
        if rng.random() < 0.35:
            mood = "positive" if rating >= 4 else "negative" if rating <= 2 else "neutral"
            sentences.append(rng.choice(self.vocabulary["openers"][mood]))
        names = sorted(self.aspects)
        for name in rng.sample(names, min(len(names), rng.choice((1, 1, 2, 2, 3)))):
            sentences.append(self._sentence(name, rating))
        if rng.random() < 0.25:
            sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(self.vocabulary["remarks"]))
        joiner = "" if self.language == "zh" else " "
        return DemoReview(
            review_id=review_id,
            product_id=self.product.product_id,
            shopper_id=shopper,
            rating=rating,
            title=rng.choice(self.vocabulary["titles"][str(rating)]),
            text=joiner.join(sentences),
            language=self.language,
            time=DEMO_REVIEW_EPOCH - rng.randrange(180 * _DAY),
            category=tuple(self.product.category),
        )

    def _sentence(self, name: str, rating: int) -> str:
        rng, aspect = self.rng, self.aspects[name]
        good = rng.random() < min(0.95, max(0.05, (rating - 1) / 4 + self.lean[name]))
        phrases = aspect.get("good_phrases" if good else "bad_phrases", [])
        if phrases and rng.random() < 0.3:
            return str(rng.choice(phrases)) + ("。" if self.language == "zh" else ".")
        if not good and rng.random() < 0.2:
            pattern, adjective = rng.choice(self.vocabulary["negated_patterns"]), rng.choice(aspect["good"])
        else:
            pattern = rng.choice(self.vocabulary["good_patterns" if good else "bad_patterns"])
            adjective = rng.choice(aspect["good" if good else "bad"])
        return _fill(pattern, rng.choice(aspect["forms"]), adjective, self.language)


def _fill(pattern: str, form: str, adjective: str, language: str) -> str:
    if language == "zh":
        if pattern != "{form}{adj}":  # the pattern has its own adverb: "物流特别快", not "特别很快"
            adjective = adjective.removeprefix("很")
        return pattern.format(form=form, adj=adjective) + "。"
    plural = form.endswith("s") and not form.endswith(("ss", "us"))
    values = {"form": form, "Form": form[0].upper() + form[1:], "adj": adjective}
    return pattern.format(**values, be="are" if plural else "is", it="they" if plural else "it")


def _duplicates(reviews: list[DemoReview], rng: random.Random, shoppers: int) -> list[DemoReview]:
    """About 1% of the reviews again, word for word, under another shopper a day or two later."""
    if not reviews:
        return []
    picked = rng.sample(reviews, max(1, round(_DUPLICATE_SHARE * len(reviews))))
    out = []
    for number, original in enumerate(picked, start=len(reviews) + 1):
        out.append(
            DemoReview(
                review_id=f"RV-{number:07d}",
                product_id=original.product_id,
                shopper_id=f"demo-shopper-{rng.randrange(shoppers):05d}",
                rating=original.rating,
                title=original.title,
                text=original.text,
                language=original.language,
                time=original.time + rng.randrange(_DAY, 2 * _DAY),
                category=original.category,
                planted="duplicate",
            )
        )
    return out


def _flood(products: Sequence[Product], rng: random.Random, written: int) -> list[DemoReview]:
    """One shopper's five-star shouting on several products of one brand within a few minutes."""
    by_brand: dict[str, list[Product]] = {}
    for product in products:
        by_brand.setdefault(product.brand or "", []).append(product)
    brands = sorted(brand for brand, items in by_brand.items() if brand and len(items) >= _FLOOD_REVIEWS)
    if not brands:
        return []
    targets = rng.sample(by_brand[rng.choice(brands)], _FLOOD_REVIEWS)
    start = DEMO_REVIEW_EPOCH - rng.randrange(30 * _DAY)
    out = []
    for i, product in enumerate(targets):
        language: Literal["en", "zh"] = "zh" if has_han(product.title) else "en"
        vocabulary = _vocabulary(language)
        out.append(
            DemoReview(
                review_id=f"RV-{written + i + 1:07d}",
                product_id=product.product_id,
                shopper_id="demo-shopper-flood",
                rating=5,
                title=vocabulary["titles"]["5"][0],
                text=rng.choice(vocabulary["spam"]),
                language=language,
                time=start + 20 * i,
                category=tuple(product.category),
                planted="spam",
            )
        )
    return out
