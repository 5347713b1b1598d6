"""Training examples from the shop's review store: every review that is not flagged (duplicates
and spam teach nothing), its body only (a title may be a star summary such as "Five Stars"), with
its product (the held-out split keeps a product's reviews on one side) and language ("und" and
"multi" are left to the model's own reading of the letters)."""

from __future__ import annotations

from collections.abc import Iterator

from shelfwise.reviews import ReviewStore
from shelfwise.sentiment.records import ReviewExample


def examples_from_store(store: ReviewStore) -> Iterator[ReviewExample]:
    for review in store.iter_reviews(include_flagged=False):
        if not review.text.strip():
            continue
        language = None if review.language in ("und", "multi") else review.language.split("-")[0]
        yield ReviewExample(review.review_id, review.text, review.rating, review.product_id, language)
