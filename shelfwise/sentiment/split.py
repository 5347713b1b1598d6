"""Held-out splits by product: every review of a product lands on one side, so a model is judged
on products it never read about (a product's reviews share words, gift amounts, complaints).
Reviews without a product are their own group (the split is then by review)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from shelfwise.sentiment.records import ReviewExample


def group_of(example: ReviewExample) -> str:
    """The split key: the product, else the review itself."""
    return f"p:{example.product_id}" if example.product_id else f"r:{example.review_id}"


def split_by_product(
    examples: Sequence[ReviewExample], fraction: float, seed: int
) -> tuple[list[ReviewExample], list[ReviewExample]]:
    """(kept, held out): a seeded shuffle of the products (sorted first, so the input order does
    not matter) and the first `fraction` of them, at least one, held out."""
    if not 0 < fraction < 1:
        raise ValueError(f"held-out fraction must be between 0 and 1, got {fraction}")
    groups = sorted({group_of(e) for e in examples})
    if len(groups) < 2:
        raise ValueError(
            f"{len(groups)} product(s): a held-out split by product needs at least 2 "
            "(give reviews of more products, or no product_id column to split by review)"
        )
    random.Random(seed).shuffle(groups)
    count = min(len(groups) - 1, max(1, round(fraction * len(groups))))
    held = set(groups[:count])
    kept = [e for e in examples if group_of(e) not in held]
    return kept, [e for e in examples if group_of(e) in held]
