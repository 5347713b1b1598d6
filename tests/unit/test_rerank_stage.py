"""The reranking stage with a scripted scorer: order, blending, cache, top_k."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from shelfwise.config import RerankConfig
from shelfwise.search.fusion import FusedCandidate
from shelfwise.search.rerank import Reranker


class ScriptedScorer:
    """Grades from a table keyed by product text; counts the texts it was asked about."""

    version = "scripted"

    def __init__(self, grades: dict[str, float]) -> None:
        self.grades = grades
        self.asked: list[str] = []

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        self.asked += list(texts)
        return np.array([self.grades[t] for t in texts])


def _candidates(*scores: float) -> list[FusedCandidate]:
    return [FusedCandidate(f"p{i}", s, s, i + 1, None, None) for i, s in enumerate(scores)]


TEXTS = {"p0": "a", "p1": "b", "p2": "c", "p3": "d"}


def test_reorders_by_predicted_grade_and_keeps_the_fused_score() -> None:
    scorer = ScriptedScorer({"a": 1.2, "b": 2.9, "c": 2.0, "d": 3.0})
    reranker = Reranker(scorer, RerankConfig(top_k=3, fused_weight=0.0))
    out = reranker.rerank("q", _candidates(0.9, 0.8, 0.7, 0.6), TEXTS)
    assert [c.product_id for c in out] == ["p1", "p2", "p0"]  # p3 is beyond top_k: not read
    assert out[0].rerank_grade == pytest.approx(2.9) and out[0].fused_score == pytest.approx(0.8)
    assert scorer.asked == ["a", "b", "c"]


def test_fused_weight_blends_the_min_max_normalised_fused_score() -> None:
    scorer = ScriptedScorer({"a": 2.0, "b": 2.2})
    # p0: 2.0 + 0.5 * 1.0 = 2.5 beats p1: 2.2 + 0.5 * 0.0
    out = Reranker(scorer, RerankConfig(fused_weight=0.5)).rerank("q", _candidates(0.9, 0.1), TEXTS)
    assert [c.product_id for c in out] == ["p0", "p1"]
    assert out[0].score == pytest.approx(2.5) and out[1].score == pytest.approx(2.2)


def test_repeated_query_reads_the_cache_and_a_changed_text_is_rescored() -> None:
    scorer = ScriptedScorer({"a": 1.0, "b": 2.0, "b2": 1.5})
    reranker = Reranker(scorer, RerankConfig(fused_weight=0.0))
    reranker.rerank("q", _candidates(0.9, 0.8), TEXTS)
    reranker.rerank("q", _candidates(0.9, 0.8), TEXTS)
    assert scorer.asked == ["a", "b"]
    reranker.rerank("q", _candidates(0.9, 0.8), {**TEXTS, "p1": "b2"})
    assert scorer.asked == ["a", "b", "b2"]


def test_cache_keeps_only_the_most_recent_queries() -> None:
    scorer = ScriptedScorer({"a": 1.0})
    reranker = Reranker(scorer, RerankConfig(cache_size=1, fused_weight=0.0))
    for query in ("q1", "q2", "q1"):
        reranker.rerank(query, _candidates(0.5), TEXTS)
    assert scorer.asked == ["a", "a", "a"]


def test_candidates_without_text_are_left_out() -> None:
    scorer = ScriptedScorer({"a": 1.0})
    out = Reranker(scorer, RerankConfig(fused_weight=0.0)).rerank("q", _candidates(0.9, 0.8), {"p0": "a"})
    assert [c.product_id for c in out] == ["p0"]


def test_hits_after_the_reranked_head_score_below_it() -> None:
    from shelfwise.search.engine_steps import below_reranked as _below_reranked

    head = [
        FusedCandidate("a", 1.2, None, None, None, None, rerank_grade=1.2, fused_score=0.4),
        FusedCandidate("b", 1.1, None, None, None, None, rerank_grade=1.1, fused_score=0.9),
    ]
    tail = _candidates(1.9, 0.5)  # fused scores, on another scale
    out = _below_reranked(head + tail, {"a", "b"})
    scores = [c.score for c in out]
    assert scores == sorted(scores, reverse=True) and scores[:2] == [1.2, 1.1]
    assert out[2].fused_score == pytest.approx(1.9) and out[2].score < 1.1
