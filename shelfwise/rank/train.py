"""Training the CTR/CVR ranker from labelled impressions.

`fit_ranker` splits the impressions by request (by time by default), learns the feature
vocabularies from the training part, trains with AdamW (embeddings decayed on their own, the
position bias never) under a warm-up then cosine (or linear) schedule, stops when the
validation loss has not improved for `patience` epochs and keeps the best epoch's weights, then
reports on the test part.
`train_ranker` also saves the model as a new version in the data folder's registry and
publishes it only when it beats the active ranker on the same test requests.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.evaluate.calibration import log_loss, roc_auc
from shelfwise.impressions.records import LabeledImpression
from shelfwise.rank.adversarial import FGM
from shelfwise.rank.artifacts import Ranker, active_ranker_path, ranker_registry
from shelfwise.rank.augment import AugmentConfig, augment_queries
from shelfwise.rank.catalog import CatalogFeatures
from shelfwise.rank.examples import Impressions, SplitKind, impressions_digest, split_impressions
from shelfwise.rank.features import (
    FeatureBatch,
    FeatureBuilder,
    FeatureConfig,
    QueryEncoder,
    UserFeatureProvider,
    encode_queries,
    fit_spec,
    with_dense_statistics,
)
from shelfwise.rank.metrics import (
    EpochRecord,
    RankerReport,
    evaluate_tasks,
    permutation_importance,
    position_rates,
    selection_score,
)
from shelfwise.rank.model import ModelConfig, RankerNetwork, esmm_loss
from shelfwise.records import Product
from shelfwise.train.early_stopping import BestWeights

Log = Callable[[str], None]


class TrainingConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    epochs: int = Field(default=30, ge=1, description="at most")
    batch_size: int = Field(default=1024, ge=1)
    learning_rate: float = Field(
        default=1e-2,
        gt=0,
        description="1e-2: at 2e-3 the position bias and the embeddings move too "
        "little in the few epochs before the ids overfit (closed-loop log, 326k rows: click AUC +0.03)",
    )
    weight_decay: float = Field(default=1e-4, ge=0, description="AdamW's, on the dense layers")
    embedding_weight_decay: float = Field(
        default=5.0,
        ge=0,
        description="AdamW's (decoupled: a step shrinks them by lr x this), on the "
        "embeddings, never on the position bias; it keeps the user and item ids from overfitting",
    )
    warmup_fraction: float = Field(default=0.03, ge=0, lt=1)
    schedule: Literal["cosine", "linear"] = "cosine"
    patience: int = Field(default=2, ge=1, description="epochs without a validation gain before stopping")
    min_epochs: int = Field(default=1, ge=1)
    split: SplitKind = "time"
    validation_fraction: float = Field(default=0.1, gt=0, lt=1)
    test_fraction: float = Field(default=0.1, gt=0, lt=1)
    seed: int = 0
    threads: int = Field(
        default=1,
        ge=1,
        description="torch threads while training; the batches are small, so a second "
        "thread gains little, and on a busy machine it costs a lot (13x slower measured on 2 shared cores)",
    )
    max_seconds: float | None = Field(default=None, gt=0, description="stop after the epoch that passes it")
    importance_rows: int = Field(default=30_000, ge=0, description="test rows for permutation importance")
    fgm_epsilon: float = Field(
        default=0.0, ge=0, description="adversarial training on the embedding tables (FGM): its step; 0 = off"
    )
    augment: AugmentConfig = Field(
        default_factory=AugmentConfig, description="query rewrites (typos, dropped words, synonyms)"
    )


class CtrCvrRankerConfig(BaseModel):
    """How the CTR/CVR ranking model (the last ranking stage) is built and trained."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    features: FeatureConfig = FeatureConfig()
    model: ModelConfig = ModelConfig()
    training: TrainingConfig = TrainingConfig()


@dataclass
class FittedRanker:
    """The trained ranker, its report and the test part it was reported on."""

    ranker: Ranker
    report: RankerReport
    test: Impressions
    test_batch: FeatureBatch
    data_digest: str


def warmup_schedule(
    optimizer: torch.optim.Optimizer, total_steps: int, warmup_fraction: float, kind: str
) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up, then cosine (or linear) decay to zero at `total_steps`."""
    warmup = max(int(total_steps * warmup_fraction), 1)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        done = min((step - warmup) / max(total_steps - warmup, 1), 1.0)
        return 0.5 * (1 + math.cos(math.pi * done)) if kind == "cosine" else 1.0 - done

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _optimizer(network: RankerNetwork, config: TrainingConfig) -> torch.optim.AdamW:
    """Three groups: dense layers (`weight_decay`), embeddings (`embedding_weight_decay`) and the
    position bias (never decayed: it must reach the full examination gap)."""
    named = dict(network.named_parameters())
    bias = [p for name, p in named.items() if name.startswith("position_bias.")]
    embedding = [p for name, p in named.items() if name.startswith("embeddings.")]
    chosen = {id(p) for p in bias + embedding}
    dense = [p for p in named.values() if id(p) not in chosen]
    return torch.optim.AdamW(
        [
            {"params": dense, "weight_decay": config.weight_decay},
            {"params": embedding, "weight_decay": config.embedding_weight_decay},
            {"params": bias, "weight_decay": 0.0},
        ],
        lr=config.learning_rate,
    )


@dataclass
class _Tensors:
    categorical: torch.Tensor
    dense: torch.Tensor
    text_rows: torch.Tensor
    positions: torch.Tensor
    query_rows: torch.Tensor
    query_table: torch.Tensor
    click: torch.Tensor
    ctcvr: torch.Tensor

    @classmethod
    def of(cls, batch: FeatureBatch, data: Impressions) -> _Tensors:
        return cls(
            torch.from_numpy(batch.categorical),
            torch.from_numpy(batch.dense),
            torch.from_numpy(batch.text_rows),
            torch.from_numpy(batch.positions),
            torch.from_numpy(batch.query_rows),
            torch.from_numpy(batch.query_table),
            torch.from_numpy(data.click_labels),
            torch.from_numpy(data.ctcvr_labels),
        )


def _validation(ranker: Ranker, batch: FeatureBatch, data: Impressions) -> tuple[float, float, float | None]:
    predicted = ranker.predict(batch)
    return (
        log_loss(data.click_labels, predicted.pctr) or 0.0,
        log_loss(data.ctcvr_labels, predicted.pctcvr) or 0.0,
        roc_auc(data.click_labels, predicted.pctr),
    )


@dataclass(frozen=True)
class _Steps:
    """What a minibatch step uses: the network and its text table, the optimizer and its
    schedule, FGM when on, and the loss's click-and-convert weight."""

    network: RankerNetwork
    text: torch.Tensor
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    fgm: FGM | None
    ctcvr_weight: float

    def epoch(self, train: _Tensors, order: torch.Tensor, batch_size: int) -> tuple[float, int]:
        """One pass over `train` in `order`; returns the summed train loss and the steps taken."""
        total, steps = 0.0, 0
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            total += self.step(train, rows) * rows.numel()
            steps += 1
        return total, steps

    def step(self, train: _Tensors, rows: torch.Tensor) -> float:
        """One AdamW step on the minibatch `rows`; returns its loss."""
        ctr_logit, cvr_logit = self.forward(train, rows)
        loss, _, _ = esmm_loss(ctr_logit, cvr_logit, train.click[rows], train.ctcvr[rows], self.ctcvr_weight)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.fgm is not None:  # a second pass on embeddings moved against the model, then back
            self.fgm.attack()
            adv_ctr, adv_cvr = self.forward(train, rows)
            esmm_loss(adv_ctr, adv_cvr, train.click[rows], train.ctcvr[rows], self.ctcvr_weight)[0].backward()
            self.fgm.restore()
        self.optimizer.step()
        self.scheduler.step()
        return float(loss.detach())

    def forward(self, train: _Tensors, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The click and click-and-convert logits of the minibatch `rows`."""
        return self.network(
            train.categorical[rows],
            train.dense[rows],
            self.text[train.text_rows[rows]],
            train.positions[rows],
            train.query_table[train.query_rows[rows]],
        )


def _train_loop(
    ranker: Ranker,
    train: _Tensors,
    valid: tuple[FeatureBatch, Impressions],
    config: CtrCvrRankerConfig,
    log: Log,
) -> tuple[BestWeights, int, int, bool]:
    """Epochs of minibatch AdamW; returns the best weights (restored), the best epoch, the
    epochs run, and whether early stopping (not the epoch or time limit) ended it."""
    t, network = config.training, ranker.network
    n = int(train.click.numel())
    steps_per_epoch = max(math.ceil(n / t.batch_size), 1)
    optimizer = _optimizer(network, t)
    scheduler = warmup_schedule(optimizer, steps_per_epoch * t.epochs, t.warmup_fraction, t.schedule)
    generator = torch.Generator().manual_seed(t.seed)
    fgm = FGM(network, t.fgm_epsilon) if t.fgm_epsilon > 0 else None
    steps = _Steps(network, ranker.text_table, optimizer, scheduler, fgm, config.model.ctcvr_weight)
    best = BestWeights(score=-math.inf)
    started, epoch, best_epoch, stopped = time.perf_counter(), 0, 0, False
    for epoch in range(1, t.epochs + 1):
        network.train()
        total, taken = steps.epoch(train, torch.randperm(n, generator=generator), t.batch_size)
        best.steps += taken
        ctr_loss, ctcvr_loss, auc = _validation(ranker, *valid)
        record = EpochRecord(
            epoch=epoch,
            steps=best.steps,
            learning_rate=round(float(scheduler.get_last_lr()[0]), 7),
            train_loss=round(total / n, 5),
            validation_ctr_log_loss=round(ctr_loss, 5),
            validation_ctcvr_log_loss=round(ctcvr_loss, 5),
            validation_ctr_auc=None if auc is None else round(auc, 5),
            seconds=round(time.perf_counter() - started, 1),
        )
        best.history.append(record.model_dump())
        gained = best.improve(-(ctr_loss + config.model.ctcvr_weight * ctcvr_loss), network)
        best_epoch = epoch if gained else best_epoch
        log(
            f"epoch {epoch}: train loss {record.train_loss:.4f}, validation click log loss {ctr_loss:.4f}, "
            f"click-and-convert {ctcvr_loss:.4f}, click AUC {auc or 0:.4f}{' *' if gained else ''} "
            f"({record.seconds:.0f} s)"
        )
        if epoch >= t.min_epochs and best.waited >= t.patience:
            stopped = True
            break
        if t.max_seconds is not None and time.perf_counter() - started > t.max_seconds:
            log(f"stopping after {epoch} epochs: the {t.max_seconds:.0f} s limit has passed")
            break
    best.restore(network)
    network.eval()
    return best, best_epoch, epoch, stopped


def _features(
    data: Impressions,
    train_rows: np.ndarray,
    products: Sequence[Product],
    vectors: np.ndarray,
    config: FeatureConfig,
    encoder: QueryEncoder | None,
    user_features: UserFeatureProvider | None,
) -> tuple[FeatureBuilder, FeatureBatch]:
    """The builder learned from the training rows, and every row's features."""
    names = tuple(user_features.feature_names) if user_features is not None else ()
    spec, known = fit_spec(
        config, data.take(train_rows), products, vectors, names, None if encoder is None else encoder.version
    )
    catalog = CatalogFeatures(spec, products, vectors)
    queries = encode_queries(data.queries, encoder, spec.text_dim)
    batch, raw = FeatureBuilder(spec, known, catalog, user_features).raw(data, queries)
    builder = FeatureBuilder(with_dense_statistics(spec, raw[train_rows]), known, catalog, user_features)
    return builder, replace(batch, dense=builder.standardise(raw))


def fit_ranker(
    examples: Sequence[LabeledImpression] | Impressions,
    products: Sequence[Product],
    vectors: np.ndarray,
    config: CtrCvrRankerConfig | None = None,
    encoder: QueryEncoder | None = None,
    user_features: UserFeatureProvider | None = None,
    log: Log = print,
    synonyms: Mapping[str, str] | None = None,
) -> FittedRanker:
    """Train on `examples` over the catalog `products` (with their text `vectors`, by the same
    encoder that embeds the queries); nothing is written."""
    config = config or CtrCvrRankerConfig()
    t = config.training
    started = time.perf_counter()
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(t.threads)
    try:
        data = examples if isinstance(examples, Impressions) else Impressions.from_records(examples)
        split = split_impressions(data, t.split, t.validation_fraction, t.test_fraction, t.seed)
        if t.augment.share > 0:
            data, rewritten = augment_queries(data, split.train, t.augment, synonyms)
            log(f"augmentation: {rewritten} training queries rewritten ({', '.join(t.augment.kinds)})")
        builder, batch = _features(
            data, split.train, products, vectors, config.features, encoder, user_features
        )
        log(
            f"{len(data)} impressions: {split.train.size} train, {split.validation.size} validation, "
            f"{split.test.size} test; features in {time.perf_counter() - started:.1f} s"
        )
        torch.manual_seed(t.seed)
        ranker = Ranker(RankerNetwork(config.model, builder.spec), builder)
        parts = {
            name: (batch.take(rows), data.take(rows))
            for name, rows in (("train", split.train), ("validation", split.validation), ("test", split.test))
        }
        best, best_epoch, epochs, stopped = _train_loop(
            ranker, _Tensors.of(*parts["train"]), parts["validation"], config, log
        )
        report = _report(
            ranker, parts, config, data, best, best_epoch, epochs, stopped, time.perf_counter() - started
        )
    finally:
        torch.set_num_threads(previous_threads)
    return FittedRanker(ranker, report, parts["test"][1], parts["test"][0], impressions_digest(data))


def _report(
    ranker: Ranker,
    parts: dict[str, tuple[FeatureBatch, Impressions]],
    config: CtrCvrRankerConfig,
    data: Impressions,
    best: BestWeights,
    best_epoch: int,
    epochs: int,
    stopped: bool,
    seconds: float,
) -> RankerReport:
    test_batch, test = parts["test"]
    rates = position_rates(parts["train"][1], config.features.max_position)
    tasks = evaluate_tasks(test, ranker.predict(test_batch), rates, config.features.max_position)
    importance: dict[str, dict[str, float]] = {}
    if config.training.importance_rows:
        rng = np.random.default_rng(config.training.seed)
        rows = np.sort(rng.permutation(len(test))[: config.training.importance_rows])
        importance = permutation_importance(
            ranker.predict, test_batch.take(rows), test.take(rows), ranker.spec, config.training.seed
        )
    return RankerReport(
        architecture=config.model.architecture,
        rows={name: len(part[1]) for name, part in parts.items()},
        requests={name: len(set(part[1].request_ids.tolist())) for name, part in parts.items()},
        conversions_without_click=int((data.converted & ~data.clicked).sum()),
        epochs=epochs,
        best_epoch=best_epoch,
        stopped_early=stopped,
        seconds=round(seconds, 1),
        tasks=tasks,
        selection_score=selection_score(tasks),
        feature_importance=importance,
        history=[EpochRecord.model_validate(h) for h in best.history],
    )


class RankerArtifact(BaseModel):
    version: str
    path: str
    published: bool
    to_beat: float | None = Field(description="the active ranker's selection score on the same test requests")
    data_digest: str
    config: dict
    report: RankerReport


def _active_score(
    data_dir: Path,
    fitted: FittedRanker,
    products: Sequence[Product],
    vectors: np.ndarray,
    config: CtrCvrRankerConfig,
    encoder: QueryEncoder | None,
    user_features: UserFeatureProvider | None,
    log: Log,
) -> float | None:
    """The active ranker's selection score on the new model's test requests (None without one,
    or when it cannot read this catalog or these features)."""
    active = active_ranker_path(data_dir)
    if active is None:
        return None
    try:
        ranker = Ranker.load(active, products, vectors, user_features)
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        log(f"the active ranker at {active} cannot be compared ({error}); the new one is judged alone")
        return None
    queries = encode_queries(fitted.test.queries, encoder, ranker.spec.text_dim)
    predictions = ranker.predict(ranker.builder.build(fitted.test, queries))
    # the position baseline is not part of the selection score: no training rows needed
    tasks = evaluate_tasks(
        fitted.test, predictions, {"ctr": {}, "cvr": {}, "ctcvr": {}}, config.features.max_position
    )
    return selection_score(tasks)


def train_ranker(
    data_dir: Path,
    examples: Sequence[LabeledImpression] | Impressions,
    products: Sequence[Product],
    vectors: np.ndarray,
    config: CtrCvrRankerConfig | None = None,
    encoder: QueryEncoder | None = None,
    user_features: UserFeatureProvider | None = None,
    log: Log = print,
) -> RankerArtifact:
    """Fit, save as a new version under `<data_dir>/models/ranker/`, and publish it when its
    selection score (mean test AUC of CTR and CTCVR) beats the active ranker's on the same test
    requests (or when there is no active one)."""
    config = config or CtrCvrRankerConfig()
    fitted = fit_ranker(examples, products, vectors, config, encoder, user_features, log)
    to_beat = _active_score(data_dir, fitted, products, vectors, config, encoder, user_features, log)
    score = fitted.report.selection_score
    published = score is not None and (to_beat is None or score > to_beat)
    registry = ranker_registry(data_dir)
    version, path = registry.new_version()
    artifact = RankerArtifact(
        version=version,
        path=str(path),
        published=published,
        to_beat=to_beat,
        data_digest=fitted.data_digest,
        config=config.model_dump(mode="json"),
        report=fitted.report,
    )
    fitted.ranker.version = version
    fitted.ranker.save(
        path,
        {
            "config": artifact.config,
            "data_digest": fitted.data_digest,
            "published": published,
            "to_beat": to_beat,
            "metrics": fitted.report.model_dump(mode="json"),
        },
    )
    tasks = fitted.report.tasks
    log(
        f"test AUC: click {tasks['ctr'].auc}, conversion after click {tasks['cvr'].auc}, "
        f"click and conversion {tasks['ctcvr'].auc} ({fitted.report.seconds:.0f} s)"
    )
    if published:
        registry.publish(version)
        log(f"published ranker {version}")
    else:
        log(f"ranker {version} scored {score} against the active {to_beat}: kept, not made active")
    return artifact
