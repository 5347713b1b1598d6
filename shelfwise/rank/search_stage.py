"""The ranking model as the last stage of search and recommendations: re-order a result list's
first places by the blend of relevance with the model's pCTR / pCTCVR (and show the evidence on
each search hit)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shelfwise.personalize.profiles import Profiles
from shelfwise.rank.stage import BlendConfig, RankContext, RankingStage
from shelfwise.recommend.live import Recommended
from shelfwise.records import Explanation, Hit, PersonalEvidence

RELEVANCE_FLOOR = 0.05
"""Relevance is min-max scaled over the re-ordered places and floored, so the multiplicative
blend never zeroes the least relevant candidate: its probabilities can still lift it a little."""


def rank_hits(
    hits: Sequence[Hit],
    stage: RankingStage,
    context: RankContext,
    blend: BlendConfig,
    depth: int,
    profiles: Profiles | None = None,
    reasons: bool = True,
) -> list[Hit]:
    """`hits` (best first) with their first `depth` re-ordered by the model's blend; ranks are
    renumbered and each re-ordered hit's explanation gains its `personal` evidence."""
    head, tail = list(hits[:depth]), list(hits[depth:])
    if len(head) < 2:
        return list(hits)
    scores = np.array([hit.score for hit in head], dtype=np.float64)
    low, high = float(scores.min()), float(scores.max())
    relevance = (scores - low) / (high - low) if high > low else np.ones(len(head))
    relevance = RELEVANCE_FLOOR + (1 - RELEVANCE_FLOOR) * relevance
    ids = [hit.product.product_id for hit in head]
    prices = [np.nan if hit.product.price is None else hit.product.price for hit in head]
    model = stage.score(ids, context)
    ranked = stage.rank(ids, context, relevance.tolist(), blend, prices)
    at = {pid: i for i, pid in enumerate(ids)}
    out: list[Hit] = []
    for place, (pid, final) in enumerate(zip(ranked.product_ids, ranked.final.tolist(), strict=True)):
        index = at[pid]
        hit = head[index]
        words: list[str] = []
        if reasons and profiles is not None and context.actor is not None:
            words = [r.text for r in profiles.reasons(context.actor, hit.product)]
        evidence = PersonalEvidence(
            stage="model",
            relevance=round(float(relevance[index]), 4),
            p_click=round(float(model.pctr[index]), 5),
            p_conversion=round(float(model.pcvr[index]), 5),
            objective=blend.objective,
            final=float(f"{final:.6g}"),
            moved=index - place,
            reasons=words,
        )
        explanation = (hit.explanation or Explanation()).model_copy(update={"personal": evidence})
        out.append(hit.model_copy(update={"rank": head[0].rank + place, "explanation": explanation}))
    return out + tail


def rank_recommendations(
    found: Sequence[Recommended], stage: RankingStage, context: RankContext, blend: BlendConfig, k: int
) -> list[Recommended]:
    """Recommendations (best first) re-ordered by the model's blend with their channel score,
    cut to `k`; each keeps its reason."""
    if len(found) < 2:
        return list(found)[:k]
    scores = np.array([item.score for item in found], dtype=np.float64)
    low, high = float(scores.min()), float(scores.max())
    relevance = (scores - low) / (high - low) if high > low else np.ones(len(found))
    relevance = RELEVANCE_FLOOR + (1 - RELEVANCE_FLOOR) * relevance
    ids = [item.product_id for item in found]
    prices = [np.nan if item.product.price is None else item.product.price for item in found]
    ranked = stage.rank(ids, context, relevance.tolist(), blend, prices)
    by_id = {item.product_id: item for item in found}
    return [by_id[pid] for pid in ranked.product_ids[:k]]
