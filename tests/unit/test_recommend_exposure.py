"""The exposure policy of recommendation lists: popularity tiers and the bounded choice of a list."""

from __future__ import annotations

import numpy as np
import pytest

from shelfwise.config import ExposureConfig
from shelfwise.recommend.exposure import (
    HEAD,
    MIDDLE,
    NEW,
    TAIL,
    exposure_order,
    popularity_tiers,
    tier_shares,
)

POLICY = ExposureConfig(enabled=True, head_fraction=0.1, head_cap=0.3, tail_start=0.5, tail_quota=0.3,
                        new_item_slots=1)  # fmt: skip


def test_tiers_split_the_catalog_by_events_and_ties_share_a_tier() -> None:
    counts = np.array([100, 90, 50, 50, 20, 10, 5, 5, 1, 0], dtype=np.float64)
    tiers = popularity_tiers(counts, POLICY)
    assert tiers.tolist() == [HEAD, MIDDLE, MIDDLE, MIDDLE, MIDDLE, TAIL, TAIL, TAIL, TAIL, NEW]
    tied = popularity_tiers(np.array([7, 7, 7, 1, 1, 1, 1, 1, 1, 1.0]), POLICY)
    assert tied[:3].tolist() == [HEAD] * 3  # equal products are treated alike
    assert tier_shares(tiers) == {"head": 0.1, "middle": 0.4, "tail": 0.4, "new": 0.1}


def test_slack_bounds_keep_the_top_k() -> None:
    tiers = np.array([HEAD, MIDDLE, TAIL, NEW, MIDDLE, HEAD, TAIL, MIDDLE], dtype=np.int8)
    loose = POLICY.model_copy(update={"head_cap": 1.0, "tail_quota": 0.0, "new_item_slots": 0})
    assert exposure_order(tiers, 5, loose).tolist() == [0, 1, 2, 3, 4]


def test_the_head_is_capped_and_the_tail_and_new_products_get_their_places() -> None:
    # ten head products first, then the middle, then the tail, a new product last
    tiers = np.array([HEAD] * 10 + [MIDDLE] * 10 + [TAIL] * 5 + [NEW], dtype=np.int8)
    order = exposure_order(tiers, 10, POLICY)
    chosen = tiers[order]
    assert len(order) == 10 and list(order) == sorted(order)  # the candidates' order is kept
    assert (chosen == HEAD).sum() == 3  # ceil(0.3 * 10)
    assert ((chosen == TAIL) | (chosen == NEW)).sum() == 3 and (chosen == NEW).sum() == 1
    assert order[:3].tolist() == [0, 1, 2]  # the best head products keep their places
    assert order[3:7].tolist() == [10, 11, 12, 13]  # then the best of the middle
    assert order[7:].tolist() == [20, 21, 25]  # the best tail products and the new one


def test_missing_tail_candidates_leave_the_list_full_not_short() -> None:
    tiers = np.array([HEAD] * 12, dtype=np.int8)
    order = exposure_order(tiers, 10, POLICY)
    assert order.tolist() == list(range(10))  # the bounds cannot hold: still ten, best first
    assert exposure_order(tiers, 10, POLICY.model_copy(update={"head_cap": 0.0})).tolist() == list(range(10))


@pytest.mark.parametrize("seed", range(20))
def test_bounds_hold_whenever_the_candidates_allow(seed: int) -> None:
    rng = np.random.default_rng(seed)
    tiers = rng.choice([HEAD, MIDDLE, TAIL, NEW], size=60, p=[0.5, 0.3, 0.15, 0.05]).astype(np.int8)
    order = exposure_order(tiers, 12, POLICY)
    chosen = tiers[order]
    assert len(order) == 12 and len(set(order.tolist())) == 12
    assert (chosen == HEAD).sum() <= 4
    tails = int(((tiers == TAIL) | (tiers == NEW)).sum())
    assert ((chosen == TAIL) | (chosen == NEW)).sum() >= min(4, tails)
    assert (chosen == NEW).sum() >= min(1, int((tiers == NEW).sum()))


def test_serving_with_the_policy_bounds_the_popular_products_places() -> None:
    from shelfwise.config import RecommendServingConfig
    from shelfwise.recommend import ChannelsConfig, Recommender, RecommenderTrainingConfig, TrainingData
    from shelfwise.recommend.cooccurrence import CooccurrenceChannel
    from shelfwise.recommend.live import LiveRecommender
    from shelfwise.records import Product

    rng = np.random.default_rng(4)
    # 100 items; items 0-4 are in nearly every shopper's history, the rest spread thinly
    sequences = [
        np.array(
            [*rng.choice(5, size=3, replace=False), *rng.choice(np.arange(5, 100), size=3, replace=False)]
        )
        for _ in range(400)
    ]
    item_ids = tuple(f"i{k}" for k in range(100))
    recommender = Recommender(
        RecommenderTrainingConfig(
            channels=ChannelsConfig(enabled=("cooccurrence", "popularity")), cold_item_share=0
        )
    )
    recommender.fit(TrainingData(item_ids, sequences))
    catalog = {i: Product(product_id=i, title=f"title {i}", category=("Shop", i)) for i in item_ids}
    live = LiveRecommender(recommender, item_ids, {}, {}, CooccurrenceChannel())
    policy = ExposureConfig(enabled=True, head_fraction=0.05, head_cap=0.2, tail_start=0.5, tail_quota=0.4)
    tiers = popularity_tiers(recommender.builder.item_counts, policy)  # type: ignore[union-attr]
    assert set(np.flatnonzero(tiers == HEAD).tolist()) == {0, 1, 2, 3, 4}

    def heads_and_tails(config: RecommendServingConfig) -> tuple[int, int]:
        found = live.for_history(np.array([50]), 10, catalog, config)
        assert len(found) == 10
        picked = tiers[[live.index[r.product.product_id] for r in found]]
        return int((picked == HEAD).sum()), int(((picked == TAIL) | (picked == NEW)).sum())

    plain = RecommendServingConfig(mmr_lambda=1.0)
    assert heads_and_tails(plain)[0] >= 4  # the popular products crowd the list
    heads, tails = heads_and_tails(plain.model_copy(update={"exposure": policy}))
    assert heads <= 2 and tails >= 4

    # a shopper with no history: every place is drawn, per shopper (`explore_without_history`)
    exploring = plain.model_copy(update={"exposure": policy})
    bounded = plain.model_copy(
        update={"exposure": policy.model_copy(update={"explore_without_history": 0.0})}
    )

    def cold(config: RecommendServingConfig, shopper: str) -> list[str]:
        found = live.for_history(np.zeros(0, dtype=np.int64), 10, catalog, config, explore_key=shopper)
        return [r.product.product_id for r in found]

    assert cold(bounded, "session:a") == cold(bounded, "session:b")  # no exploring: one list for all
    lists = [cold(exploring, f"session:{n}") for n in range(8)]
    assert cold(exploring, "session:0") == lists[0]  # the same shopper, the same list
    assert len({items[0] for items in lists}) > 1  # even the first place differs between shoppers


def test_bench_recommend_applies_the_settings_policy(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import json

    from typer.testing import CliRunner

    from shelfwise.cli import app

    monkeypatch.setenv("SHELFWISE_ENCODER__NAME", "hashing")
    monkeypatch.setenv("SHELFWISE_RECOMMEND__EXPOSURE__HEAD_FRACTION", "0.05")
    monkeypatch.setenv("SHELFWISE_RECOMMEND__EXPOSURE__HEAD_CAP", "0.2")
    rng = np.random.default_rng(6)
    (tmp_path / "items.tsv").write_text("item_id\ttext\n" + "".join(f"p{k}\titem {k}\n" for k in range(100)))
    rows = [" ".join(f"p{i}" for i in [*rng.choice(5, 1), *rng.choice(np.arange(5, 100), 4, replace=False)])
            for _ in range(300)]  # fmt: skip
    (tmp_path / "seq.tsv").write_text(
        "user_id\titems\n" + "".join(f"u{n}\t{r}\n" for n, r in enumerate(rows))
    )

    def heads(*extra: str) -> list[int]:
        result = CliRunner().invoke(app, [
            "bench", "recommend", "--items", str(tmp_path / "items.tsv"),
            "--sequences", str(tmp_path / "seq.tsv"),
            "--out", str(tmp_path / "pred.jsonl"), "--k", "10", "--channels", "cooccurrence,popularity",
            "-d", str(tmp_path / "data"), *extra,
        ])  # fmt: skip
        assert result.exit_code == 0, result.output
        lists = [json.loads(line)["items"] for line in (tmp_path / "pred.jsonl").read_text().splitlines()]
        assert len(lists) == 300 and all(len(items) == 10 for items in lists)
        return [sum(item in {"p0", "p1", "p2", "p3", "p4"} for item in items) for items in lists]

    assert max(heads()) >= 3  # the popular products take places the policy would not give them
    assert max(heads("--exposure")) <= 2  # ceil(0.2 * 10)


def test_exploring_places_are_drawn_per_shopper_and_the_first_places_stay() -> None:
    from shelfwise.recommend.exposure import explored_order

    policy = POLICY.model_copy(update={"explore_share": 0.4})
    first = explored_order(100, 10, policy, "user:a")
    assert sorted(first.tolist()) == list(range(100))  # a permutation of the candidates
    assert first[:6].tolist() == list(range(6))  # 10 - round(0.4 * 10) places keep the ranking
    assert explored_order(100, 10, policy, "user:a").tolist() == first.tolist()  # seeded by the key
    others = [explored_order(100, 10, policy, f"user:{n}")[6:10].tolist() for n in range(20)]
    assert len({tuple(o) for o in others}) > 15  # two shoppers see different exploring places
    drawn = np.concatenate([explored_order(100, 10, policy, f"s{n}")[6:10] for n in range(300)])
    assert (drawn < 30).mean() > (drawn >= 70).mean()  # better-ranked candidates are likelier
    assert explored_order(100, 10, POLICY, "user:a").tolist() == list(range(100))  # explore_share 0
