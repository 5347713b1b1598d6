"""What sentiment training reads and what the model answers: a review with its rating, the three
labels, and a prediction (label, score).

Ratings map to labels as the issue says: 1-2 negative, 3 neutral, 4-5 positive. A text that is
only a star summary ("Five Stars", Amazon's auto-generated review title) names its rating, so it
is never learned from (`is_star_summary`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")
"""class order of every model's outputs"""

_STAR_SUMMARY = re.compile(
    r"^\W*(?:one|two|three|four|five|[1-5](?:\.0)?)\s*(?:-|\s)?\s*stars?\W*$|^\W*[1-5]\s*/\s*5\W*$",
    re.IGNORECASE,
)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LETTER = re.compile(r"[^\W\d_]")


class Sentiment(NamedTuple):
    """A prediction: the label and the model's probability for it."""

    label: Label
    score: float


@dataclass(frozen=True)
class ReviewExample:
    """One review to learn from: from a TSV file, or the shop's review store."""

    review_id: str
    text: str
    rating: int
    product_id: str | None = None
    """reviews of one product stay on one side of every held-out split"""
    language: str | None = None
    """"en", "zh", ...; None: read from the text's letters (`text_language`)"""

    def __post_init__(self) -> None:
        if not 1 <= self.rating <= 5:
            raise ValueError(f"review {self.review_id}: rating must be 1-5, got {self.rating}")


def label_index(rating: int) -> int:
    """Index into LABELS of a 1-5 star rating: 1-2 negative, 3 neutral, 4-5 positive."""
    if not 1 <= rating <= 5:
        raise ValueError(f"rating must be 1-5, got {rating}")
    return 0 if rating <= 2 else 1 if rating == 3 else 2


def label_of_rating(rating: int) -> Label:
    return LABELS[label_index(rating)]


def is_star_summary(text: str) -> bool:
    """True for texts such as "Five Stars", "4 stars", "5/5": a rating written out, which gives
    the label away instead of teaching what a review says."""
    return bool(_STAR_SUMMARY.match(text.strip()))


def text_language(text: str) -> str:
    """ "zh" when at least a fifth of the letters are Han characters, "en" when most letters are
    Latin (or there are none), else "multi"."""
    letters = len(_LETTER.findall(text))
    if not letters:
        return "en"
    if len(_HAN.findall(text)) >= 0.2 * letters:
        return "zh"
    return "en" if len(_LATIN.findall(text)) >= 0.5 * letters else "multi"


def base_language(code: str | None) -> str | None:
    """ "zh-CN" -> "zh", "EN" -> "en"; None stays None."""
    return None if not code else code.strip().lower().replace("_", "-").split("-")[0] or None
