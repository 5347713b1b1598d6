"""Hyperparameter search for the ranking model with optuna: cross-validated, seeded, reproducible.

Each trial trains `folds` models on the same examples, each with its own random split of whole
requests into train / validation (early stopping) / test (`split="request"`, seed = the fold), and
scores the trial by the mean test selection score (the mean AUC of the click and the
click-and-convert tasks). The sampler is optuna's TPE with a fixed seed and trials run one at a
time, so the same examples and seed give the same trials and the same best configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.impressions.records import LabeledImpression
from shelfwise.rank.examples import Impressions
from shelfwise.rank.features import QueryEncoder, UserFeatureProvider
from shelfwise.rank.train import CtrCvrRankerConfig, fit_ranker
from shelfwise.records import Product

Log = Callable[[str], None]


class TuningTrial(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    params: dict[str, float | int | str]
    fold_scores: list[float]
    score: float = Field(description="mean test selection score over the folds")


class TuningReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    trials: list[TuningTrial]
    best_params: dict[str, float | int | str]
    best_score: float
    baseline_score: float = Field(description="the base configuration's score on the same folds")
    best_config: dict = Field(description="the base CtrCvrRankerConfig with the best parameters, as JSON")


def _with(base: CtrCvrRankerConfig, params: dict[str, float | int | str]) -> CtrCvrRankerConfig:
    model = {k: v for k, v in params.items() if k in type(base.model).model_fields}
    training = {k: v for k, v in params.items() if k in type(base.training).model_fields}
    return base.model_copy(
        update={
            "model": base.model.model_copy(update=model),
            "training": base.training.model_copy(update=training),
        }
    )


def _suggest(trial: object) -> dict[str, float | int | str]:
    suggest_int, suggest_float = trial.suggest_int, trial.suggest_float  # type: ignore[attr-defined]
    return {
        "embedding_dim": suggest_int("embedding_dim", 8, 32, step=8),
        "dropout": suggest_float("dropout", 0.0, 0.3),
        "id_dropout": suggest_float("id_dropout", 0.0, 0.5),
        "learning_rate": suggest_float("learning_rate", 3e-4, 1e-2, log=True),
        "weight_decay": suggest_float("weight_decay", 1e-6, 1e-2, log=True),
    }


def _cross_validated(
    examples: Impressions,
    products: Sequence[Product],
    vectors: np.ndarray,
    config: CtrCvrRankerConfig,
    folds: int,
    encoder: QueryEncoder | None,
    user_features: UserFeatureProvider | None,
) -> list[float]:
    scores = []
    for fold in range(folds):
        training = config.training.model_copy(update={"split": "request", "seed": fold, "importance_rows": 0})
        fitted = fit_ranker(examples, products, vectors, config.model_copy(update={"training": training}),
                            encoder, user_features, log=lambda _: None)  # fmt: skip
        score = fitted.report.selection_score
        scores.append(0.5 if score is None else float(score))
    return scores


def tune_ranker(
    examples: Sequence[LabeledImpression] | Impressions,
    products: Sequence[Product],
    vectors: np.ndarray,
    base: CtrCvrRankerConfig | None = None,
    *,
    trials: int = 20,
    folds: int = 3,
    seed: int = 0,
    encoder: QueryEncoder | None = None,
    user_features: UserFeatureProvider | None = None,
    log: Log = print,
) -> TuningReport:
    """Search embedding size, dropout, id dropout, learning rate and weight decay (see module)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    base = base or CtrCvrRankerConfig()
    data = examples if isinstance(examples, Impressions) else Impressions.from_records(examples)
    baseline = _cross_validated(data, products, vectors, base, folds, encoder, user_features)
    log(f"base configuration: {np.mean(baseline):.4f} over {folds} folds")
    done: list[TuningTrial] = []

    def objective(trial: optuna.Trial) -> float:
        params = _suggest(trial)
        scores = _cross_validated(data, products, vectors, _with(base, params), folds, encoder, user_features)
        done.append(
            TuningTrial(number=trial.number, params=params, fold_scores=scores, score=float(np.mean(scores)))
        )
        log(f"trial {trial.number}: {np.mean(scores):.4f} {params}")
        return float(np.mean(scores))

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=trials, n_jobs=1)
    best = max(done, key=lambda t: t.score)
    return TuningReport(
        trials=done,
        best_params=best.params,
        best_score=best.score,
        baseline_score=float(np.mean(baseline)),
        best_config=_with(base, best.params).model_dump(mode="json"),
    )
