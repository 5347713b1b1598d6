"""Fusion known answers, worked by hand."""

from __future__ import annotations

import pytest

from shelfwise.search.fusion import reciprocal_rank_fusion, weighted_score_fusion


def test_rrf_known_scores() -> None:
    lexical = [("a", 9.0), ("b", 5.0)]
    vector = [("b", 0.9), ("c", 0.8)]
    fused = reciprocal_rank_fusion(lexical, vector, k=60)
    scores = {c.product_id: c.score for c in fused}
    # b: 1/(60+2) + 1/(60+1); a: 1/61; c: 1/62
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["c"] == pytest.approx(1 / 62)
    assert [c.product_id for c in fused] == ["b", "a", "c"]
    b = fused[0]
    assert (b.lexical_rank, b.vector_rank, b.lexical_score, b.vector_similarity) == (2, 1, 5.0, 0.9)


def test_rrf_weights_shift_order() -> None:
    fused = reciprocal_rank_fusion([("a", 1.0)], [("c", 0.5)], k=60, lexical_weight=1, vector_weight=3)
    assert [c.product_id for c in fused] == ["c", "a"]


def test_weighted_known_scores_and_exact_similarities() -> None:
    lexical = [("a", 10.0), ("b", 5.0)]
    vector = [("c", 0.8), ("b", 0.6)]
    fused = weighted_score_fusion(
        lexical, vector, lexical_weight=0.5, vector_weight=0.5, similarities={"a": 0.4}
    )
    scores = {c.product_id: c.score for c in fused}
    # bm25 / 10 and cos / 0.8: a = .5*1 + .5*.5 = .75; b = .5*.5 + .5*.75 = .625; c = .5*1 = .5
    assert scores == pytest.approx({"a": 0.75, "b": 0.625, "c": 0.5})
    assert fused[0].vector_similarity == 0.4
    assert fused[0].vector_rank is None


def test_weighted_similarity_floor() -> None:
    fused = weighted_score_fusion([], [("a", 0.9), ("b", 0.3)], 0.5, 0.5, similarity_floor=0.5)
    scores = {c.product_id: c.score for c in fused}
    # (0.9 - 0.5) / 0.4 = 1 -> .5 ; b below the floor -> 0
    assert scores == pytest.approx({"a": 0.5, "b": 0.0})


def test_empty_lists() -> None:
    assert reciprocal_rank_fusion([], []) == []
    assert weighted_score_fusion([], []) == []


def test_ties_break_by_id() -> None:
    fused = reciprocal_rank_fusion([("b", 1.0)], [("a", 1.0)], k=60)
    assert [c.product_id for c in fused] == ["a", "b"]
