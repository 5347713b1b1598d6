"""Hyperparameter search: cross-validated over request splits, seeded and reproducible."""

from __future__ import annotations

from shelfwise.rank.synthetic import synthetic_shop
from shelfwise.rank.train import CtrCvrRankerConfig, TrainingConfig
from shelfwise.rank.tuning import tune_ranker


def test_the_same_seed_gives_the_same_trials_and_the_best_is_the_best() -> None:
    shop = synthetic_shop(requests=1200, users=120, items=150, seed=4)
    base = CtrCvrRankerConfig(training=TrainingConfig(epochs=3, batch_size=512))

    def run() -> object:
        return tune_ranker(shop.impressions, shop.products, shop.vectors, base, trials=2, folds=2, seed=11,
                           encoder=shop.encoder, log=lambda _: None)  # fmt: skip

    first, second = run(), run()
    assert first.trials == second.trials  # type: ignore[attr-defined]
    assert len(first.trials) == 2 and all(len(t.fold_scores) == 2 for t in first.trials)  # type: ignore[attr-defined]
    assert first.best_score == max(t.score for t in first.trials)  # type: ignore[attr-defined]
    assert 0.5 < first.baseline_score < 1  # type: ignore[attr-defined]
    best = CtrCvrRankerConfig.model_validate(first.best_config)  # type: ignore[attr-defined]
    assert best.model.embedding_dim == first.best_params["embedding_dim"]  # type: ignore[attr-defined]
    assert best.training.epochs == 3  # the base configuration's other settings stay
