"""Query augmentation: typos, dropped words and synonym swaps on a share of training requests."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from shelfwise.impressions import LabeledImpression
from shelfwise.rank import Impressions
from shelfwise.rank.augment import AugmentConfig, augment_queries, drop_word, rewrite, swap_synonym, typo

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _data(requests: int = 200) -> Impressions:
    rows = [
        LabeledImpression(request_id=f"r{r}", surface="search" if r % 4 else "recommend", timestamp=T0,
                          product_id=f"p{k}", position=k, query=f"cordless drill kit {r}" if r % 4 else None)
        for r in range(requests) for k in range(3)
    ]  # fmt: skip
    return Impressions.from_records(rows)


def test_each_rewrite_changes_one_thing() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        changed = typo("cordless drill", rng)
        assert changed != "cordless drill" and len(changed.split()) == 2
        assert abs(len(changed) - len("cordless drill")) <= 1
    assert drop_word("cordless drill kit", rng).split() in (
        ["drill", "kit"],
        ["cordless", "kit"],
        ["cordless", "drill"],
    )
    assert drop_word("drill", rng) == "drill" and typo("a b", rng) == "a b"
    assert swap_synonym("Cordless fridge", {"fridge": "refrigerator"}, rng) == "Cordless refrigerator"
    assert rewrite("kit", ("synonym",), {}, rng) == "kit"  # nothing applies: unchanged


def test_a_share_of_training_requests_is_rewritten_whole_and_the_rest_is_untouched() -> None:
    data = _data()
    train = np.arange(0, 450)  # the first 150 requests
    out, rewritten = augment_queries(data, train, AugmentConfig(share=0.5, seed=3))
    searched = sum(1 for r in range(150) if r % 4)
    assert 0.35 * searched < rewritten < 0.65 * searched
    codes = data.request_codes()
    changed = {int(codes[i]) for i in range(len(codes)) if out.queries[i] != data.queries[i]}
    assert len(changed) <= rewritten and max(changed) < 150  # validation and test rows keep their queries
    for request in changed:  # every row of a request gets the same rewrite
        assert len({out.queries[i] for i in np.flatnonzero(codes == request)}) == 1
    assert all(out.queries[i] is None for i in range(len(codes)) if data.queries[i] is None)
    again, _ = augment_queries(data, train, AugmentConfig(share=0.5, seed=3))
    assert list(again.queries) == list(out.queries)  # seeded
    assert augment_queries(data, train, AugmentConfig(share=0.0))[0] is data
