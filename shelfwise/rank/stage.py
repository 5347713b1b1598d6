"""The ranking stage at serving time: pCTR, pCVR and pCTCVR for a request's candidates, and
their blend with relevance into the final order.

Every candidate is scored at position 0 (the click tower's position bias is the same for all,
so it never orders them). The blend is

    final = relevance^a * p^b * value^c

where p is pCTCVR (objective "conversion" or "revenue") or pCTR ("ctr"), value is the price
(or a margin the caller passes) and only "revenue" uses it; "relevance" keeps relevance alone.
Relevance must be on a non-negative scale (a fused score or a probability); it defaults to 1.
A candidate without a price is valued at the median price of the candidates that have one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.rank.artifacts import Ranker, active_ranker_path
from shelfwise.rank.features import QueryEncoder, UserFeatureProvider
from shelfwise.records import Product

Objective = Literal["relevance", "ctr", "conversion", "revenue"]
TINY = 1e-12


class BlendConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    objective: Objective = "conversion"
    relevance_exponent: float = Field(default=1.0, ge=0, description="a")
    probability_exponent: float = Field(default=1.0, ge=0, description="b: of pCTR or pCTCVR")
    value_exponent: float = Field(default=1.0, ge=0, description="c: of the price or margin ('revenue')")


@dataclass(frozen=True)
class RankContext:
    """Who asks, for what, where and when. `query_vector` (the query's embedding by the
    catalog's encoder) saves encoding the query again when search has it already."""

    actor: str | None = None
    query: str | None = None
    query_vector: np.ndarray | None = None
    surface: str = "search"
    at: datetime | None = None


@dataclass(frozen=True)
class RankScores:
    """Per candidate, in the order given."""

    product_ids: tuple[str, ...]
    pctr: np.ndarray
    pcvr: np.ndarray

    @property
    def pctcvr(self) -> np.ndarray:
        return self.pctr * self.pcvr


@dataclass(frozen=True)
class RankedCandidates:
    """The candidates best first, with their blended score and model scores in that order."""

    product_ids: tuple[str, ...]
    final: np.ndarray
    pctr: np.ndarray
    pcvr: np.ndarray
    pctcvr: np.ndarray


def blend_scores(
    relevance: np.ndarray | None,
    pctr: np.ndarray,
    pctcvr: np.ndarray,
    values: np.ndarray,
    config: BlendConfig,
) -> np.ndarray:
    """The final score of each candidate (see the module's formula)."""
    n = pctr.size
    rel = np.ones(n) if relevance is None else np.asarray(relevance, dtype=np.float64)
    if rel.shape != (n,):
        raise ValueError(f"{rel.size} relevance scores for {n} candidates")
    if (rel < 0).any():
        raise ValueError("relevance must be non-negative for the multiplicative blend")
    log_score = config.relevance_exponent * np.log(np.maximum(rel, TINY))
    if config.objective == "relevance":
        return np.exp(log_score)
    p = pctr if config.objective == "ctr" else pctcvr
    log_score = log_score + config.probability_exponent * np.log(np.maximum(p, TINY))
    if config.objective == "revenue":
        v = np.asarray(values, dtype=np.float64)
        known = np.isfinite(v) & (v > 0)
        fill = float(np.median(v[known])) if known.any() else 1.0
        log_score = log_score + config.value_exponent * np.log(np.where(known, v, fill))
    return np.exp(log_score)


class RankingStage:
    """Scores and orders candidates with a trained ranker."""

    def __init__(
        self, ranker: Ranker, encoder: QueryEncoder | None = None, blend: BlendConfig | None = None
    ) -> None:
        trained_with = ranker.spec.encoder_version
        if encoder is not None and trained_with is not None and encoder.version != trained_with:
            raise ValueError(
                f"ranker {ranker.version} was trained with encoder {trained_with}, "
                f"not {encoder.version}: train it again"
            )
        self.ranker, self.encoder, self.blend = ranker, encoder, blend or BlendConfig()

    @classmethod
    def load(
        cls,
        folder: Path,
        products: Sequence[Product],
        vectors: np.ndarray,
        encoder: QueryEncoder | None = None,
        user_features: UserFeatureProvider | None = None,
        blend: BlendConfig | None = None,
    ) -> RankingStage:
        return cls(Ranker.load(folder, products, vectors, user_features), encoder, blend)

    @classmethod
    def active(
        cls,
        data_dir: Path,
        products: Sequence[Product],
        vectors: np.ndarray,
        encoder: QueryEncoder | None = None,
        user_features: UserFeatureProvider | None = None,
        blend: BlendConfig | None = None,
    ) -> RankingStage | None:
        """The data folder's published ranker, or None before one is published."""
        path = active_ranker_path(data_dir)
        return None if path is None else cls.load(path, products, vectors, encoder, user_features, blend)

    def _query_vector(self, context: RankContext) -> np.ndarray | None:
        if context.query_vector is not None or not context.query:
            return context.query_vector
        if self.encoder is not None:
            return np.asarray(self.encoder.encode([context.query], kind="query")[0], np.float32)
        if self.ranker.spec.encoder_version is not None:
            raise ValueError(
                "this ranker reads query embeddings: give the context a query_vector or the stage an encoder"
            )
        return None

    def score(self, product_ids: Sequence[str], context: RankContext) -> RankScores:
        """pCTR, pCVR and pCTCVR of each candidate (unknown products are scored as new items)."""
        at = context.at or datetime.now(UTC)
        batch = self.ranker.builder.build_request(
            product_ids,
            context.actor,
            context.surface,
            at,
            self._query_vector(context),
            context.query,
        )
        predicted = self.ranker.predict(batch)
        return RankScores(tuple(product_ids), predicted.pctr, predicted.pcvr)

    def rank(
        self,
        product_ids: Sequence[str],
        context: RankContext,
        relevance: Sequence[float] | np.ndarray | None = None,
        blend: BlendConfig | None = None,
        values: Sequence[float] | np.ndarray | None = None,
    ) -> RankedCandidates:
        """The candidates ordered by the blend (ties keep the given order). `values` replaces
        the catalog price for the "revenue" objective (e.g. margins)."""
        scores = self.score(product_ids, context)
        if values is None:
            catalog = self.ranker.builder.catalog
            values = catalog.price[catalog.row_of(product_ids)]
        final = blend_scores(
            None if relevance is None else np.asarray(relevance, np.float64),
            scores.pctr,
            scores.pctcvr,
            np.asarray(values, np.float64),
            blend or self.blend,
        )
        order = np.argsort(-final, kind="stable")
        return RankedCandidates(
            tuple(scores.product_ids[i] for i in order),
            final[order],
            scores.pctr[order],
            scores.pcvr[order],
            scores.pctcvr[order],
        )
