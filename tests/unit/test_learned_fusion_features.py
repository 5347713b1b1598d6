"""Learned fusion's features from fused candidates (known answers), and its model folder."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from shelfwise.search.coverage import TitleTerms
from shelfwise.search.fusion import FusedCandidate
from shelfwise.search.learned_fusion import FEATURES, LearnedFusion, QueryEvidence, candidate_features


def _terms() -> TitleTerms:
    terms = TitleTerms(lambda text: text.lower().split())
    from shelfwise.records import Product

    terms.update([Product(product_id="a", title="red wool coat"), Product(product_id="b", title="coat")])
    return terms


CANDIDATES = [
    FusedCandidate(
        "a", 1.2, lexical_score=8.0, lexical_rank=1, vector_similarity=0.5, vector_rank=2, coverage=1.0
    ),
    FusedCandidate(
        "b", 0.4, lexical_score=None, lexical_rank=None, vector_similarity=0.7, vector_rank=1, coverage=0.5
    ),
]


def test_features_have_known_values() -> None:
    x = candidate_features(CANDIDATES, QueryEvidence(("wool", "coat"), _terms()))
    col = {name: x[:, i] for i, name in enumerate(FEATURES)}
    assert x.shape == (2, len(FEATURES))
    np.testing.assert_allclose(col["weighted_score"], [1.2, 0.4])
    np.testing.assert_allclose(col["bm25_scaled"], [1.0, 0.0])
    np.testing.assert_allclose(col["lexical_log_rank"], np.log1p([1, 1000]), rtol=1e-6)
    np.testing.assert_allclose(col["cosine_gap"], [0.2, 0.0], atol=1e-6)
    np.testing.assert_allclose(col["title_terms"], [3, 1])
    np.testing.assert_allclose(col["found_by_both"], [1, 0])
    np.testing.assert_allclose(col["best_cosine"], [0.7, 0.7], atol=1e-6)
    np.testing.assert_allclose(col["query_terms"], [2, 2])
    np.testing.assert_allclose(col["head_term_in_title"], [1, 1])
    np.testing.assert_allclose(col["first_term_in_title"], [1, 0])
    np.testing.assert_allclose(col["numbers_in_title"], [-1, -1])  # the query has no numbers
    np.testing.assert_allclose(col["title_precision"], [2 / 3, 1.0], rtol=1e-6)
    np.testing.assert_allclose(col["query_pairs_in_title"], [1, 0])  # "wool coat" is a phrase of a only
    np.testing.assert_allclose(col["fuzzy_coverage"], [1, 0.5])  # the title-match columns are filled
    np.testing.assert_allclose(col["head_position"], [1, 0])
    sized = candidate_features(CANDIDATES[:1], QueryEvidence(("coat", "40"), _terms()))
    assert sized[0, FEATURES.index("numbers_in_title")] == 0.0
    assert candidate_features([], QueryEvidence((), None)).shape == (0, len(FEATURES))


def _booster_preferring_cosine() -> lgb.Booster:
    rng = np.random.default_rng(0)
    x = rng.random((400, len(FEATURES))).astype(np.float32)
    y = (x[:, FEATURES.index("cosine")] > 0.5).astype(int)
    data = lgb.Dataset(x, y, group=[10] * 40, feature_name=list(FEATURES))
    return lgb.train({"objective": "lambdarank", "verbose": -1, "min_data_in_leaf": 5}, data, 20)


def test_fuse_orders_by_the_model_and_keeps_the_weighted_score(tmp_path: Path) -> None:
    model = LearnedFusion(_booster_preferring_cosine(), "enc-1")
    fused = model.fuse(CANDIDATES, QueryEvidence(("wool", "coat"), _terms()))
    assert [c.product_id for c in fused] == ["b", "a"]
    assert all(0 < c.score < 1 for c in fused)
    assert {c.product_id: c.fused_score for c in fused} == {"a": 1.2, "b": 0.4}
    model.save(tmp_path / "v1", {"note": "test"})
    loaded = LearnedFusion.load(tmp_path / "v1")
    assert loaded.encoder_version == "enc-1" and loaded.version == "v1"
    features = candidate_features(CANDIDATES, QueryEvidence(("wool", "coat"), _terms()))
    np.testing.assert_allclose(loaded.scores(features), model.scores(features))


def test_a_model_with_other_features_is_refused(tmp_path: Path) -> None:
    LearnedFusion(_booster_preferring_cosine(), "enc-1").save(tmp_path / "v1", {})
    manifest = tmp_path / "v1" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"cosine_gap"', '"something_else"'))
    with pytest.raises(ValueError, match="train fusion"):
        LearnedFusion.load(tmp_path / "v1")


def test_candidates_past_the_learned_depth_follow_in_their_order() -> None:
    model = LearnedFusion(_booster_preferring_cosine(), "enc-1", depth=1)
    extra = FusedCandidate("c", 0.1, lexical_score=1.0, lexical_rank=2, vector_similarity=0.9, vector_rank=3)
    fused = model.fuse([*CANDIDATES, extra], QueryEvidence(("coat",), _terms()))
    assert [c.product_id for c in fused] == ["a", "b", "c"]  # only a was re-scored
    assert fused[0].score > fused[1].score > fused[2].score > 0
