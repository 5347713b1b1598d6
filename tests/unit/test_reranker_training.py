"""Pieces of reranker training with known answers: batches, the ranking loss, pairs, labels."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
import torch

from shelfwise.config import LexicalConfig
from shelfwise.evaluate.tables import FormatError
from shelfwise.evaluate.trec import Judgments
from shelfwise.index import LexicalIndex
from shelfwise.records import Product
from shelfwise.train.jobs import read_relevance_labels
from shelfwise.train.reranker import (
    RerankerTrainingConfig,
    TrainingPair,
    build_pairs,
    pairwise_loss,
    query_batches,
)


def test_batches_hold_whole_queries_and_every_pair_once() -> None:
    pairs = [TrainingPair(f"q{q}", "x", f"t{q}-{i}", 2.0) for q in range(7) for i in range(q % 3 + 1)]
    batches = query_batches(pairs, 4, random.Random(1))
    assert sorted(p.text for b in batches for p in b) == sorted(p.text for p in pairs)
    for batch in batches:
        for qid in {p.query_id for p in batch}:
            assert sum(p.query_id == qid for p in batch) == sum(p.query_id == qid for p in pairs)
        assert len(batch) <= 4 or len({p.query_id for p in batch}) == 1


def test_pairwise_loss_counts_only_same_query_pairs_beyond_the_margin() -> None:
    scores = torch.tensor([2.0, 1.0, 3.0, 0.0])
    grades = torch.tensor([3.0, 1.0, 2.9, 1.0])
    queries = torch.tensor([0, 0, 0, 1])
    # valid pairs: (0,1) diff +1 and (2,1) diff +2; (0,2) is within the margin; q1 has one item
    expected = (math.log1p(math.exp(-1.0)) + math.log1p(math.exp(-2.0))) / 2
    assert float(pairwise_loss(scores, grades, queries, 0.3, 1.0)) == pytest.approx(expected, rel=1e-5)
    assert float(pairwise_loss(scores, torch.ones(4), queries, 0.3, 1.0)) == 0.0


def test_build_pairs_adds_unjudged_bm25_hits_as_mined_negatives() -> None:
    products = {str(i): Product(product_id=str(i), title=f"steel shelf bracket model {i}") for i in range(30)}
    lexical = LexicalIndex.create(None, LexicalConfig())
    lexical.upsert(list(products.values()))
    judgments = Judgments(queries={"q": "shelf bracket"}, grades={"q": {"1": 3.0, "2": 1.5, "x": 2}})
    config = RerankerTrainingConfig(mined_negatives=3, mined_from_rank=2)
    pairs = build_pairs(judgments, products, config, lexical, grade_min=1.0)
    judged = [p for p in pairs if not p.mined]
    mined = [p for p in pairs if p.mined]
    assert sorted(p.grade for p in judged) == [1.5, 3.0]  # "x" is not in the catalog
    assert len(mined) == 3 and all(p.grade == 1.0 and p.weight == 0.0 for p in mined)
    assert not {p.text for p in mined} & {products["1"].text(), products["2"].text()}


def test_labels_are_read_when_the_column_exists(tmp_path: Path) -> None:
    path = tmp_path / "j.tsv"
    path.write_text(
        "query_id\tquery\tproduct_id\trelevance\tlabel\nq\tx\t1\t3\tE\nq\tx\t2\t1\tirrelevant\nq\tx\t3\t2\t\n"
    )
    assert read_relevance_labels(path) == {("q", "1"): "exact", ("q", "2"): "irrelevant"}
    plain = tmp_path / "plain.tsv"
    plain.write_text("query_id\tquery\tproduct_id\trelevance\nq\tx\t1\t3\n")
    assert read_relevance_labels(plain) == {}
    bad = tmp_path / "bad.tsv"
    bad.write_text("query_id\tquery\tproduct_id\trelevance\tlabel\nq\tx\t1\t3\tmaybe\n")
    with pytest.raises(FormatError, match=r"bad.tsv:2: label 'maybe'"):
        read_relevance_labels(bad)
