"""Duplicate and spam rules: a review is flagged with a reason code, never dropped.

- `duplicate_text`: its text, folded (NFKC, lower case, only letters and digits, spaces
  collapsed) and at least `duplicate_min_chars` long, is the text of an earlier review (by time,
  then id): the same words on several products, from several shoppers, or posted twice. The
  earliest stands. Short texts ("great gift") are common and never count.
- `shopper_flood`: more than `flood_max_reviews` reviews by one shopper within
  `flood_window_hours`; the ones past that number are flagged.
- `repeat_product`: a shopper's reviews of one product past `max_per_product`.
- `short_text`: title and text together shorter than `min_text_chars` (off by default).

The rules look at groups (the reviews sharing a text, the reviews of a shopper), so a flag is
worked out over the whole group: `evaluate` takes the groups, complete, and says the flags of
every review in them; `shelfwise.reviews.writes` loads the groups a batch touches.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import timedelta

from shelfwise.config.reviews import ReviewRules
from shelfwise.reviews.records import FlagCode, Review, ReviewFlag

_NOT_WORD = re.compile(r"[\W_]+")
TEXT_RULES: frozenset[FlagCode] = frozenset({"duplicate_text"})
SHOPPER_RULES: frozenset[FlagCode] = frozenset({"shopper_flood", "repeat_product"})


def folded_text(text: str) -> str:
    """The text as the duplicate rule compares it: NFKC, lower case, letters and digits only."""
    return " ".join(_NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())


def text_key(text: str) -> str | None:
    """The hash of the folded text that stores index (None for a text without words)."""
    folded = folded_text(text)
    return _hash(folded) if folded else None


def _hash(folded: str) -> str:
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:32]


def _order(review: Review) -> tuple[object, str]:
    return (review.timestamp, review.review_id)


def _duplicates(reviews: Iterable[Review], rules: ReviewRules) -> dict[str, ReviewFlag]:
    groups: dict[str, list[Review]] = defaultdict(list)
    for review in reviews:
        folded = folded_text(review.text)
        if rules.duplicate_min_chars and len(folded) >= rules.duplicate_min_chars:
            groups[_hash(folded)].append(review)
    found: dict[str, ReviewFlag] = {}
    for group in groups.values():
        first, *copies = sorted(group, key=_order)
        for copy in copies:
            detail = f"same text as review {first.review_id} (product {first.product_id})"
            found[copy.review_id] = ReviewFlag(code="duplicate_text", detail=detail[:500])
    return found


def _shopper_flags(reviews: Iterable[Review], rules: ReviewRules) -> dict[str, list[ReviewFlag]]:
    by_shopper: dict[str, list[Review]] = defaultdict(list)
    for review in reviews:
        by_shopper[review.shopper_id].append(review)
    found: dict[str, list[ReviewFlag]] = defaultdict(list)
    window = timedelta(hours=rules.flood_window_hours)
    for own in by_shopper.values():
        own.sort(key=_order)
        if rules.flood_max_reviews and window:
            start = 0
            for i, review in enumerate(own):
                while review.timestamp - own[start].timestamp >= window:  # no overflow near year 1
                    start += 1
                if i - start + 1 > rules.flood_max_reviews:
                    detail = f"review {i - start + 1} of this shopper within {rules.flood_window_hours:g} h"
                    found[review.review_id].append(ReviewFlag(code="shopper_flood", detail=detail))
        if rules.max_per_product:
            seen: dict[str, list[Review]] = defaultdict(list)
            for review in own:
                earlier = seen[review.product_id]
                if len(earlier) >= rules.max_per_product:
                    first = earlier[0].review_id
                    detail = f"review {len(earlier) + 1} of this product by this shopper (first: {first})"
                    found[review.review_id].append(ReviewFlag(code="repeat_product", detail=detail[:500]))
                earlier.append(review)
    return found


def evaluate(
    reviews: Sequence[Review],
    rules: ReviewRules,
    complete_text_keys: Collection[str] | None = None,
    complete_shoppers: Collection[str] | None = None,
) -> dict[str, tuple[ReviewFlag, ...]]:
    """The flags of every review given, by review id. A rule over a group is worked out only
    where the group is complete (`complete_text_keys`: `text_key`s; `complete_shoppers`; None:
    every group given is); elsewhere the review keeps the flags of that rule it already has."""
    duplicates = _duplicates(reviews, rules)
    by_shopper = _shopper_flags(reviews, rules)
    out: dict[str, tuple[ReviewFlag, ...]] = {}
    for review in reviews:
        kept = {flag.code: flag for flag in review.flags}
        flags: list[ReviewFlag] = []
        if complete_text_keys is None or text_key(review.text) in complete_text_keys:
            flags += [duplicates[review.review_id]] if review.review_id in duplicates else []
        else:
            flags += [kept[code] for code in sorted(TEXT_RULES) if code in kept]
        if complete_shoppers is None or review.shopper_id in complete_shoppers:
            flags += by_shopper.get(review.review_id, [])
        else:
            flags += [kept[code] for code in sorted(SHOPPER_RULES) if code in kept]
        if rules.min_text_chars and len(folded_text(f"{review.title} {review.text}")) < rules.min_text_chars:
            flags.append(
                ReviewFlag(code="short_text", detail=f"fewer than {rules.min_text_chars} characters")
            )
        out[review.review_id] = tuple(flags)
    return out
