"""The demo shop's reviews, aspects and summaries (`shelfwise demo`): generated reviews go through
the review store's rules like a real shop's (duplicates and spam flagged), aspects are mined from
the stored reviews and, for the demo only, all accepted, and every product's summary is published."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from shelfwise.service import Shelfwise

REVIEW_FILE = "aspects.review.jsonl"
MINING_SAMPLE = 100  # reviews per category that aspects are mined from (summaries read them all)


def build_demo_reviews(shop: Shelfwise, seed: int) -> None:
    """Reviews into the shop's review store, then aspects and summaries from the stored reviews;
    nothing when the store has reviews already."""
    from shelfwise.aspects.review import write_candidates
    from shelfwise.aspects.shop import (
        accept_all,
        mine_every_language,
        sample_per_category,
        shop_reviews,
        summarize_and_publish,
    )
    from shelfwise.demo.reviews import as_store_reviews, generate_demo_reviews
    from shelfwise.reviews import import_reviews

    started = time.monotonic()
    store = shop.data.reviews
    if store.count():
        return  # built already, or the shop's own reviews: the demo leaves them be
    demo = generate_demo_reviews(list(shop.store.iter_products()), seed)
    report = import_reviews(store, as_store_reviews(demo), shop.settings.reviews)
    stats = store.stats()
    flags = ", ".join(f"{code} {n}" for code, n in sorted(stats.by_flag.items())) or "none"
    typer.echo(
        f"{report.inserted} demo reviews stored, {stats.flagged} flagged as duplicates or spam ({flags})"
    )
    reviews = shop_reviews(store, shop.store)
    candidates = accept_all(mine_every_language(sample_per_category(reviews, MINING_SAMPLE, seed)))
    review_file = shop.settings.data_dir / REVIEW_FILE
    write_candidates(review_file, candidates)
    published = summarize_and_publish(shop.settings.data_dir, reviews, candidates)
    typer.echo(
        f"{len(candidates)} review aspects mined and all accepted for the demo (a real shop reviews "
        f"them: `shelfwise aspects review {review_file}`); review summaries {published.version}: "
        f"{published.with_statements} of {published.products} products with statements "
        f"({time.monotonic() - started:.1f} s)"
    )
