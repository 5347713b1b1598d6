"""Ranking metrics and run scoring: hand-worked answers, edge cases, and a cross-check with ranx."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from shelfwise.evaluate import (
    Judgments,
    MeanScore,
    dcg_at_k,
    distinct_top_k,
    evaluate_run,
    format_search_comparison,
    format_search_report,
    hit_rate_at_k,
    ideal_dcg_at_k,
    mean_score,
    ndcg_at_k,
    precision_at_k,
    read_run,
    recall_at_k,
    reciprocal_rank,
    relevant_ids,
    write_run,
)

LOG2_3 = math.log2(3)  # 1.5849625007211562

# One query, Home Depot scale. Gains (grade - 1): a = 2, b = 1, c = 0, d = 1.5.
# Relevant at threshold 2.33: a (3.0) and d (2.5); b (2.0) and c (1.0) are not.
GRADES = {"a": 3.0, "b": 2.0, "c": 1.0, "d": 2.5}
# x is unjudged (gain 0, not relevant).
RANKING = ["b", "x", "a", "c"]


# --- DCG / NDCG ----------------------------------------------------------------------------


def test_dcg_known_answer() -> None:
    # rank 1: b, gain 1 / log2(2) = 1
    # rank 2: x, unjudged           = 0
    # rank 3: a, gain 2 / log2(4)   = 1
    # DCG@3 = 2.0; rank 4 (c, gain 0) adds nothing to DCG@4
    assert dcg_at_k(RANKING, GRADES, 3) == pytest.approx(2.0, abs=1e-12)
    assert dcg_at_k(RANKING, GRADES, 4) == pytest.approx(2.0, abs=1e-12)
    # DCG@1 = 1 / log2(2) = 1
    assert dcg_at_k(RANKING, GRADES, 1) == pytest.approx(1.0, abs=1e-12)


def test_ideal_dcg_uses_every_judged_grade_of_the_query() -> None:
    # ideal order a (2), d (1.5), b (1), c (0):
    # IDCG@3 = 2/log2(2) + 1.5/log2(3) + 1/log2(4) = 2 + 0.9463946303571861 + 0.5
    assert ideal_dcg_at_k(GRADES, 3) == pytest.approx(2.5 + 1.5 / LOG2_3, abs=1e-12)
    # d was never retrieved, yet it is in the ideal ranking
    assert ideal_dcg_at_k(GRADES, 3) == pytest.approx(3.4463946303571861, abs=1e-12)


def test_ndcg_known_answer() -> None:
    # NDCG@3 = 2.0 / 3.4463946303571861 = 0.5803165958950902
    assert ndcg_at_k(RANKING, GRADES, 3) == pytest.approx(0.5803165958950902, abs=1e-12)
    assert ndcg_at_k(["a", "d", "b", "c"], GRADES, 3) == pytest.approx(1.0, abs=1e-12)
    # k = 1: b (gain 1) against a (gain 2): 1 / 2
    assert ndcg_at_k(RANKING, GRADES, 1) == pytest.approx(0.5, abs=1e-12)


def test_ndcg_gain_offset_is_a_parameter() -> None:
    # offset 0: gains are the grades themselves, a = 3, b = 2
    # DCG@2 of [b, a] = 2/1 + 3/log2(3); IDCG@2 = 3/1 + 2/log2(3)
    grades = {"a": 3.0, "b": 2.0}
    expected = (2 + 3 / LOG2_3) / (3 + 2 / LOG2_3)
    assert ndcg_at_k(["b", "a"], grades, 2, gain_offset=0.0) == pytest.approx(expected, abs=1e-12)
    # with the default offset 1 the gains are 2 and 1: (1 + 2/log2(3)) / (2 + 1/log2(3))
    default = (1 + 2 / LOG2_3) / (2 + 1 / LOG2_3)
    assert ndcg_at_k(["b", "a"], grades, 2) == pytest.approx(default, abs=1e-12)


def test_ndcg_is_undefined_when_no_judged_product_has_gain() -> None:
    assert ndcg_at_k(["c"], {"c": 1.0, "e": 1.0}, 10) is None
    assert ndcg_at_k([], {}, 10) is None


def test_grade_below_the_offset_is_an_error() -> None:
    with pytest.raises(ValueError, match="below gain_offset"):
        ndcg_at_k(["a"], {"a": 0.5}, 10)


# --- recall, precision, reciprocal rank, hit rate -------------------------------------------


def test_recall_known_answer() -> None:
    # relevant {a, d}; top 3 = b, x, a holds a: 1/2
    assert recall_at_k(RANKING, GRADES, 3) == 0.5
    assert recall_at_k(RANKING, GRADES, 2) == 0.0
    assert recall_at_k(["d", "a"], GRADES, 2) == 1.0
    # threshold is a parameter: at 2.0, b counts too -> relevant {a, b, d}; top 3 holds a, b
    assert recall_at_k(RANKING, GRADES, 3, threshold=2.0) == pytest.approx(2 / 3)


def test_threshold_is_inclusive() -> None:
    assert relevant_ids({"p": 2.33, "q": 2.32, "r": 2.67}) == {"p", "r"}


def test_precision_reciprocal_rank_and_hit_rate_known_answers() -> None:
    # top 3 = b, x, a: one relevant of three
    assert precision_at_k(RANKING, GRADES, 3) == pytest.approx(1 / 3)
    # first relevant (a) is at rank 3
    assert reciprocal_rank(RANKING, GRADES) == pytest.approx(1 / 3)
    assert reciprocal_rank(RANKING, GRADES, k=2) == 0.0
    assert hit_rate_at_k(RANKING, GRADES, 2) == 0.0
    assert hit_rate_at_k(RANKING, GRADES, 3) == 1.0


def test_metrics_of_a_query_without_relevant_products_are_undefined() -> None:
    grades = {"b": 2.0, "c": 1.0}  # nothing at 2.33
    assert recall_at_k(["b"], grades, 10) is None
    assert precision_at_k(["b"], grades, 10) is None
    assert reciprocal_rank(["b"], grades) is None
    assert hit_rate_at_k(["b"], grades, 10) is None
    # NDCG is still defined: b has gain 1
    assert ndcg_at_k(["b"], grades, 10) == pytest.approx(1.0)


def test_empty_run_scores_zero() -> None:
    assert dcg_at_k([], GRADES, 10) == 0.0
    assert ndcg_at_k([], GRADES, 10) == 0.0
    assert recall_at_k([], GRADES, 100) == 0.0
    assert precision_at_k([], GRADES, 10) == 0.0
    assert reciprocal_rank([], GRADES) == 0.0
    assert hit_rate_at_k([], GRADES, 10) == 0.0


def test_k_larger_than_the_run() -> None:
    # the whole run counts; NDCG's ideal still has all four judged products
    # DCG = 2.0 (as above); IDCG@10 = 2 + 1.5/log2(3) + 1/2 + 0/log2(5) = 3.4463946303571861
    assert ndcg_at_k(RANKING, GRADES, 10) == pytest.approx(0.5803165958950902, abs=1e-12)
    assert recall_at_k(RANKING, GRADES, 100) == 0.5
    # precision divides by k, as trec_eval's P@k does: 1 relevant / 10
    assert precision_at_k(RANKING, GRADES, 10) == pytest.approx(0.1)


def test_duplicate_ids_are_counted_once_at_their_first_position() -> None:
    # [b, b, a] is read as [b, a]: DCG@2 = 1/1 + 2/log2(3)
    assert dcg_at_k(["b", "b", "a"], GRADES, 2) == pytest.approx(1 + 2 / LOG2_3, abs=1e-12)
    # a relevant product retrieved twice is found once: [a, a, a] -> 1 of 2 relevant
    assert recall_at_k(["a", "a", "a"], GRADES, 3) == 0.5
    assert precision_at_k(["a", "a", "a"], GRADES, 3) == pytest.approx(1 / 3)
    assert distinct_top_k(["a", "b", "a", "c", "b"], 2) == ["a", "b"]
    assert distinct_top_k(["a", "b", "a", "c"], None) == ["a", "b", "c"]


@pytest.mark.parametrize("k", [0, -1])
def test_k_must_be_positive(k: int) -> None:
    for metric in (dcg_at_k, ndcg_at_k, recall_at_k, precision_at_k, hit_rate_at_k):
        with pytest.raises(ValueError, match="k must be at least 1"):
            metric(RANKING, GRADES, k)


def test_mean_score_leaves_out_and_counts_undefined_queries() -> None:
    assert mean_score([0.5, None, 1.0]) == MeanScore(0.75, queries_scored=2, queries_undefined=1)
    assert mean_score([]) == MeanScore(0.0, 0, 0)
    assert mean_score([None]) == MeanScore(0.0, 0, 1)


# --- evaluate_run ------------------------------------------------------------------------------

# q1: gains a = 2, b = 1, c = 0; relevant {a}.
# q2: every product graded 1.0: no gain, nothing relevant -> left out of every mean.
# q3: judged but missing from the run -> scored 0.
# q9: in the run, not judged -> ignored.
JUDGMENTS = Judgments(
    queries={"q1": "angle bracket", "q2": "l bracket", "q3": "deck paint"},
    grades={"q1": {"a": 3.0, "b": 2.0, "c": 1.0}, "q2": {"d": 1.0, "e": 1.0}, "q3": {"f": 2.67}},
)
# q1's list is not in score order: evaluate_run ranks it c (0.9), a (0.8), z (0.7).
RUN = {"q1": [("a", 0.8), ("c", 0.9), ("z", 0.7)], "q2": [("d", 1.0)], "q9": [("a", 1.0)]}
# q1 NDCG@10 = (0/1 + 2/log2(3)) / (2/1 + 1/log2(3)) = 1.2618595071 / 2.6309297536
Q1_NDCG = (2 / LOG2_3) / (2 + 1 / LOG2_3)


def test_evaluate_run_known_answer() -> None:
    report = evaluate_run(RUN, JUDGMENTS)
    # NDCG over q1 and q3: (0.4796249 + 0) / 2
    assert report.ndcg == pytest.approx(Q1_NDCG / 2, abs=1e-12)
    assert report.ndcg_at_10 == report.ndcg
    assert report.queries_scored == 2
    assert report.queries_without_gain == 1
    # Recall@100 over q1 (a found: 1) and q3 (0): 0.5
    assert report.recall_at_100 == pytest.approx(0.5)
    # MRR over q1 (a at rank 2: 1/2) and q3 (0): 0.25
    assert report.mrr == pytest.approx(0.25)
    assert report.queries_without_relevant == 1
    assert report.queries_scored_recall == 2
    assert report.queries_judged == 3
    assert report.queries_missing_from_run == 1
    assert report.missing_query_ids == ["q3"]
    assert report.run_queries_not_judged == 1
    by_id = {q.query_id: q for q in report.per_query}
    assert by_id["q1"].ndcg == pytest.approx(Q1_NDCG, abs=1e-12)
    assert by_id["q1"].reciprocal_rank == 0.5
    assert (by_id["q1"].retrieved, by_id["q1"].judged, by_id["q1"].relevant) == (3, 3, 1)
    assert by_id["q2"].ndcg is None and by_id["q2"].recall is None
    assert not by_id["q3"].in_run and by_id["q3"].ndcg == 0.0 and by_id["q3"].recall == 0.0


def test_evaluate_run_other_cut_offs_are_named_as_such() -> None:
    report = evaluate_run(RUN, JUDGMENTS, k_ndcg=1, k_recall=1)
    # q1 at k = 1: c has gain 0 -> NDCG 0; a is not in the top 1 -> recall 0
    assert (report.ndcg, report.recall) == (0.0, 0.0)
    with pytest.raises(AttributeError, match="ndcg@1, not @10"):
        _ = report.ndcg_at_10


def test_evaluate_run_is_the_same_after_a_trec_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "run.trec"
    write_run(path, RUN, tag="test")
    assert evaluate_run(read_run(path), JUDGMENTS) == evaluate_run(RUN, JUDGMENTS)


def test_report_tables() -> None:
    report = evaluate_run(RUN, JUDGMENTS)
    markdown = format_search_report(report)
    assert "| NDCG@10 | 0.2398 | 2 |" in markdown
    assert "| Recall@100 | 0.5000 | 2 |" in markdown
    assert "| MRR | 0.2500 | 2 |" in markdown
    assert "1 missing from the run" in markdown
    text = format_search_report(report, style="text")
    assert text.splitlines()[0].split() == ["metric", "value", "queries"]
    assert "Recall@100  0.5000" in text
    both = format_search_comparison({"bm25": report, "hybrid": report})
    assert both.splitlines()[0] == "| system | NDCG@10 | Recall@100 | MRR | missing |"
    assert "| hybrid | 0.2398 | 0.5000 | 0.2500 | 1 |" in both
    with pytest.raises(ValueError, match="other cut-offs"):
        format_search_comparison({"a": report, "b": evaluate_run(RUN, JUDGMENTS, k_ndcg=5)})


# --- cross-check with ranx ----------------------------------------------------------------------


def _random_benchmark(seed: int, queries: int = 50) -> tuple[dict, dict, dict]:
    """Random graded judgments on the thirds scale and random runs.

    Grades are 1 + r/3 for integer r in 0..6 (1, 1.33.., 1.67.., 2, 2.33.., 2.67.., 3), so our
    gain grade - 1 = r/3 is exactly proportional to ranx's integer relevance r, and NDCG is
    scale invariant. The first three queries have only r = 0 (no gain at all).
    """
    rng = random.Random(seed)
    levels: dict[str, dict[str, int]] = {}
    runs: dict[str, dict[str, float]] = {}
    for i in range(queries):
        qid = f"q{i}"
        judged = rng.sample(range(300), rng.randint(1, 12))
        levels[qid] = {f"p{p}": 0 if i < 3 else rng.randint(0, 6) for p in judged}
        pool = judged + rng.sample(range(300), rng.randint(0, 150))
        retrieved = list(dict.fromkeys(rng.sample(pool, rng.randint(1, len(pool)))))
        runs[qid] = {f"p{p}": rng.random() for p in retrieved}
    grades = {q: {p: 1.0 + r / 3.0 for p, r in lv.items()} for q, lv in levels.items()}
    return levels, grades, runs


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:unsafe cast")
def test_ndcg_and_recall_agree_with_ranx() -> None:
    ranx = pytest.importorskip("ranx")
    levels, grades, runs = _random_benchmark(seed=7)
    ours = evaluate_run({q: list(r.items()) for q, r in runs.items()}, Judgments.from_grades(grades))
    per_query = {q.query_id: q for q in ours.per_query}

    run = ranx.Run.from_dict(runs)
    ranx.evaluate(ranx.Qrels.from_dict(levels), run, "ndcg@10")
    for qid in levels:
        theirs = run.scores["ndcg@10"][qid]
        if all(r == 0 for r in levels[qid].values()):
            assert per_query[qid].ndcg is None and theirs == 0.0  # ranx scores it 0
        else:
            assert per_query[qid].ndcg == pytest.approx(theirs, abs=1e-9)
    assert ours.queries_without_gain >= 3
    # ranx's mean counts the no-gain queries as 0; ours leaves them out
    assert ours.ndcg * ours.queries_scored / len(levels) == pytest.approx(
        run.mean_scores["ndcg@10"], abs=1e-9
    )

    # recall@100: binarised qrels (grade >= 2.33, i.e. r >= 4), positives only, and only the
    # queries that have one (ranx counts every qrels entry with relevance > 0 as relevant)
    positives = {
        q: {p: 1 for p, r in lv.items() if r >= 4} for q, lv in levels.items() if max(lv.values()) >= 4
    }
    recall_run = ranx.Run.from_dict({q: runs[q] for q in positives})
    ranx.evaluate(ranx.Qrels.from_dict(positives), recall_run, "recall@100")
    # the cut-off bites: some relevant products sit below rank 100
    deep = evaluate_run(
        {q: list(r.items()) for q, r in runs.items()}, Judgments.from_grades(grades), k_recall=1000
    )
    assert deep.recall > ours.recall
    for qid in levels:
        if qid in positives:
            assert per_query[qid].recall == pytest.approx(recall_run.scores["recall@100"][qid], abs=1e-9)
        else:
            assert per_query[qid].recall is None
    assert ours.recall == pytest.approx(recall_run.mean_scores["recall@100"], abs=1e-9)
    assert ours.queries_without_relevant == len(levels) - len(positives)
