"""Next-item scoring: hand-worked answers, cross-checks with ranx and scipy, and the CLI."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.evaluate.recommend_eval import (
    ItemPopularity,
    ItemVectors,
    RecommendReport,
    catalog_coverage,
    evaluate_recommendations,
    format_recommend_report,
    intra_list_diversity,
    ndcg_at_k,
    novelty,
    recall_at_k,
)
from shelfwise.evaluate.sequences import read_truth_tsv

LOG2_3 = math.log2(3)

# --- accuracy, one user ----------------------------------------------------------------------


def test_recall_and_ndcg_known_answers() -> None:
    ranked = ["a", "b", "c", "d"]
    assert [recall_at_k(ranked, "c", k) for k in (1, 2, 3, 10)] == [0.0, 0.0, 1.0, 1.0]
    assert ndcg_at_k(ranked, "a", 10) == 1.0  # rank 1: 1 / log2(2)
    assert ndcg_at_k(ranked, "b", 10) == pytest.approx(1 / LOG2_3, abs=1e-12)  # 0.6309...
    assert ndcg_at_k(ranked, "c", 3) == pytest.approx(0.5, abs=1e-12)  # 1 / log2(4)
    assert ndcg_at_k(ranked, "c", 2) == 0.0  # below the cut
    assert ndcg_at_k(ranked, "z", 10) == 0.0 and recall_at_k(ranked, "z", 10) == 0.0
    assert recall_at_k([], "a", 10) == 0.0 and ndcg_at_k([], "a", 10) == 0.0


def test_a_repeated_item_is_an_error_and_k_must_be_positive() -> None:
    with pytest.raises(ValueError, match="item 'a' appears twice"):
        recall_at_k(["a", "b", "a"], "b", 3)
    with pytest.raises(ValueError, match="appears twice"):
        ndcg_at_k(["a", "a"], "a", 2)
    # only the first k items are read: a repeat below the cut is not looked at
    assert recall_at_k(["a", "b", "a"], "b", 2) == 1.0
    with pytest.raises(ValueError, match="k must be at least 1"):
        recall_at_k(["a"], "a", 0)


# --- beyond accuracy -------------------------------------------------------------------------


def test_catalog_coverage_known_answer() -> None:
    lists = [["a", "b", "x"], ["b", "c"]]  # x is not in the catalog
    catalog = ["a", "b", "c", "d", "e"]
    assert catalog_coverage(lists, catalog, 1) == pytest.approx(2 / 5)  # a, b
    assert catalog_coverage(lists, catalog, 3) == pytest.approx(3 / 5)  # a, b, c; x ignored
    assert catalog_coverage([], catalog, 3) == 0.0
    with pytest.raises(ValueError, match="catalog is empty"):
        catalog_coverage(lists, [], 3)


VECTORS = {"a": [1.0, 0.0], "b": [0.0, 1.0], "c": [2.0, 2.0], "z": [0.0, 0.0]}


def test_intra_list_diversity_known_answer() -> None:
    # cos(a, b) = 0, cos(a, c) = cos(b, c) = 1/sqrt(2) (c is not unit length: it is normalised)
    # ILD = mean of the three pair distances = (1 + 2 * (1 - 1/sqrt(2))) / 3 = 0.5380711874576983
    expected = (1 + 2 * (1 - 1 / math.sqrt(2))) / 3
    assert intra_list_diversity(["a", "b", "c"], VECTORS, 3) == pytest.approx(expected, abs=1e-12)
    assert intra_list_diversity(["a", "b", "c"], VECTORS, 2) == pytest.approx(1.0, abs=1e-12)
    as_matrix = ItemVectors(["c", "a", "b"], np.array([[2.0, 2.0], [1.0, 0.0], [0.0, 1.0]]))
    assert intra_list_diversity(["a", "b", "c"], as_matrix, 3) == pytest.approx(expected, abs=1e-12)
    # identical items are at distance 0
    assert intra_list_diversity(["a", "x"], {"a": [1.0, 0.0], "x": [3.0, 0.0]}, 2) == pytest.approx(0.0)


def test_items_without_a_vector_are_left_out_of_their_list() -> None:
    # "q" has no vector and "z" a zero one: the list is scored on a and b alone
    assert intra_list_diversity(["a", "q", "z", "b"], VECTORS, 4) == pytest.approx(1.0)
    assert intra_list_diversity(["a", "q", "z"], VECTORS, 3) is None
    assert intra_list_diversity([], VECTORS, 3) is None
    assert "z" not in ItemVectors.from_mapping(VECTORS) and "a" in ItemVectors.from_mapping(VECTORS)
    with pytest.raises(ValueError, match="shape"):
        ItemVectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="repeat"):
        ItemVectors(["a", "a"], np.ones((2, 2)))


def test_intra_list_diversity_agrees_with_scipy_on_a_random_case() -> None:
    from scipy.spatial.distance import pdist

    rng = np.random.default_rng(3)
    ids = [f"i{n}" for n in range(40)]
    vectors = ItemVectors(ids, rng.normal(size=(40, 16)))
    raw = dict(zip(ids, rng.normal(size=(40, 16)), strict=True))
    for _ in range(20):
        ranked = list(rng.choice(ids, size=12, replace=False))
        rows = np.stack([raw[i] for i in ranked[:10]])
        assert intra_list_diversity(ranked, raw, 10) == pytest.approx(
            float(pdist(rows, metric="cosine").mean()), abs=1e-9
        )
        assert intra_list_diversity(ranked, vectors, 10) == pytest.approx(
            float(pdist(vectors.rows(ranked[:10]), metric="cosine").mean()), abs=1e-9
        )


def test_novelty_known_answer_with_add_one_smoothing() -> None:
    # counts a: 2, b: 2, c: 1 -> N = 5 interactions, V = 3 items
    train = {"u1": ["a", "b", "a"], "u2": ["b", "c"]}
    popularity = ItemPopularity.from_sequences(train)
    assert (popularity.interactions, popularity.vocabulary) == (5, 3)
    assert popularity.probability("a") == pytest.approx(3 / 8)  # (2 + 1) / (5 + 3)
    assert popularity.probability("never-seen") == pytest.approx(1 / 8)
    # novelty of [a, x] = (log2(8/3) + log2(8)) / 2
    expected = (math.log2(8 / 3) + 3.0) / 2
    assert novelty(["a", "x", "c"], popularity, 2) == pytest.approx(expected, abs=1e-12)
    assert novelty([], popularity, 10) is None
    # the catalog widens the vocabulary: V = 5 with d and e
    wider = ItemPopularity.from_sequences(train, catalog=["a", "b", "c", "d", "e"])
    assert wider.probability("a") == pytest.approx(3 / 10)
    assert wider.self_information("d") == pytest.approx(math.log2(10))


# --- the report ------------------------------------------------------------------------------

TRUTH = {"u1": "a", "u2": "b", "u3": "c", "u5": "d"}
PREDICTIONS = {
    "u1": ["a", "x"],  # hit at rank 1
    "u2": ["x", "b", "c"],  # hit at rank 2
    "u5": ["x"],  # miss, and shorter than k
    "u4": ["a", "b"],  # not in the truth: ignored
    # u3 has no prediction: scored 0
}


def test_evaluate_recommendations_known_answer() -> None:
    report = evaluate_recommendations(PREDICTIONS, TRUTH, ks=(2, 1))
    assert [s.k for s in report.per_k] == [1, 2]
    at1, at2 = report.at(1), report.at(2)
    assert at1.recall == pytest.approx(1 / 4) and at2.recall == pytest.approx(2 / 4)
    assert at1.hit_rate == at1.recall and at2.hit_rate == at2.recall
    assert at1.ndcg == pytest.approx(1 / 4)
    assert at2.ndcg == pytest.approx((1 + 1 / LOG2_3) / 4)  # 0.4077324383928644
    assert report.users_evaluated == 4 and report.users_missing == 1
    assert report.missing_user_examples == ["u3"]
    assert report.prediction_users_not_evaluated == 1
    assert report.short_lists == 1  # u5: 1 item, largest k 2
    assert at2.coverage is None and at2.diversity is None and at2.novelty is None
    with pytest.raises(KeyError, match="not 5"):
        report.at(5)


def test_beyond_accuracy_figures_cover_the_evaluated_lists() -> None:
    catalog = {"a": "", "b": "", "c": "", "d": "", "e": ""}
    vectors = {"a": [1.0, 0.0], "x": [0.0, 1.0], "b": [1.0, 0.0]}
    train = {"u1": ["a", "b"], "u2": ["a"]}  # N = 3, V = |{a, b, c, d, e}| = 5
    report = evaluate_recommendations(PREDICTIONS, TRUTH, (2,), train, catalog, vectors)
    at2 = report.at(2)
    # top 2 of u1, u2, u5 (not u4): a, x, b -> catalog items a and b
    assert at2.coverage == pytest.approx(2 / 5)
    assert report.unknown_predicted_items == 1 and report.truth_items_not_in_catalog == 0
    # u1 [a, x]: 1 - 0 = 1; u2 [x, b]: 1; u5 [x]: one item, left out
    assert at2.diversity == pytest.approx(1.0) and at2.diversity_lists == 2
    assert report.items_without_vector == 0
    # p(a) = 3/8, p(b) = 2/8, p(x) = 1/8: u1 (log2 8/3 + 3)/2, u2 (3 + 2)/2, u5 3
    expected = ((math.log2(8 / 3) + 3) / 2 + 5 / 2 + 3) / 3
    assert at2.novelty == pytest.approx(expected, abs=1e-12)
    assert report.training_interactions == 3
    same = evaluate_recommendations(
        PREDICTIONS, TRUTH, (2,), train, catalog, ItemVectors.from_mapping(vectors)
    )
    assert same.at(2).diversity == at2.diversity


def test_report_table_and_json() -> None:
    report = evaluate_recommendations(PREDICTIONS, TRUTH, (1, 2), {"u1": ["a"]}, ["a", "b", "c", "d"])
    table = format_recommend_report(report)
    assert table.splitlines()[0] == "| metric | @1 | @2 |"
    assert "| Recall | 0.2500 | 0.5000 |" in table
    assert "| NDCG | 0.2500 | 0.4077 |" in table
    assert "| ILD | - | - |" in table and "ILD needs item vectors" in table
    assert "4 users evaluated; 1 without a prediction (scored 0)" in table
    assert "Missing users, e.g.: u3" in table
    assert "Recall" in format_recommend_report(report, style="text")
    assert RecommendReport.model_validate_json(report.model_dump_json()) == report


def test_evaluate_rejects_what_it_cannot_score() -> None:
    with pytest.raises(ValueError, match="truth holds no user"):
        evaluate_recommendations(PREDICTIONS, {})
    with pytest.raises(ValueError, match="cut-offs must be at least 1"):
        evaluate_recommendations(PREDICTIONS, TRUTH, ks=(0, 10))
    with pytest.raises(ValueError, match="cut-offs"):
        evaluate_recommendations(PREDICTIONS, TRUTH, ks=())
    with pytest.raises(ValueError, match="item 'a' appears twice"):
        evaluate_recommendations({"u1": ["a", "a"]}, TRUTH)


def test_nobody_predicted_scores_zero() -> None:
    report = evaluate_recommendations({}, TRUTH, ks=(10,), catalog=["a"])
    assert report.at(10).recall == 0.0 and report.at(10).ndcg == 0.0
    assert report.users_missing == 4 and report.at(10).coverage == 0.0
    # no list to describe: diversity and novelty are undefined, not 0
    empty = evaluate_recommendations(
        {}, TRUTH, ks=(10,), train_sequences={"u1": ["a"]}, item_vectors={"a": [1.0]}
    )
    assert empty.at(10).diversity is None and empty.at(10).diversity_lists == 0
    assert empty.at(10).novelty is None


# --- cross-check with ranx -------------------------------------------------------------------


def _random_case(seed: int, users: int = 300, catalog: int = 500) -> tuple[dict, dict]:
    rng = random.Random(seed)
    items = [f"i{n}" for n in range(catalog)]
    predictions, truth = {}, {}
    for u in range(users):
        ranked = rng.sample(items, rng.randint(1, 40))
        user = f"u{u}"
        predictions[user] = ranked
        # about half the time the held-out item is somewhere in the list
        truth[user] = rng.choice(ranked) if rng.random() < 0.5 else rng.choice(items)
    return predictions, truth


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:unsafe cast")
def test_recall_ndcg_and_hit_rate_agree_with_ranx() -> None:
    ranx = pytest.importorskip("ranx")
    predictions, truth = _random_case(seed=11)
    report = evaluate_recommendations(predictions, truth, ks=(10, 20))
    qrels = ranx.Qrels.from_dict({u: {item: 1} for u, item in truth.items()})
    scores = {u: {item: float(len(r) - i) for i, item in enumerate(r)} for u, r in predictions.items()}
    metrics = ["recall@10", "ndcg@10", "hit_rate@10", "recall@20", "ndcg@20", "hit_rate@20"]
    run = ranx.Run.from_dict(scores)
    ranx.evaluate(qrels, run, metrics)
    for k in (10, 20):
        ours = report.at(k)
        assert ours.recall == pytest.approx(run.mean_scores[f"recall@{k}"], abs=1e-9)
        assert ours.ndcg == pytest.approx(run.mean_scores[f"ndcg@{k}"], abs=1e-9)
        assert ours.hit_rate == pytest.approx(run.mean_scores[f"hit_rate@{k}"], abs=1e-9)
        for user, item in truth.items():
            assert ndcg_at_k(predictions[user], item, k) == pytest.approx(
                run.scores[f"ndcg@{k}"][user], abs=1e-9
            )
    assert 0.1 < report.at(20).recall < 0.9  # the case is not trivial
    # a user without a prediction counts as 0 in the mean over all users
    dropped = {u: r for u, r in predictions.items() if u != "u0"}
    partial = evaluate_recommendations(dropped, truth, ks=(10,))
    without = {u: r for u, r in scores.items() if u != "u0"}
    run_without = ranx.Run.from_dict(without)
    ranx.evaluate(ranx.Qrels.from_dict({u: {truth[u]: 1} for u in without}), run_without, "ndcg@10")
    assert partial.at(10).ndcg == pytest.approx(
        run_without.mean_scores["ndcg@10"] * (len(truth) - 1) / len(truth), abs=1e-9
    )
    assert partial.users_missing == 1


# --- the CLI ---------------------------------------------------------------------------------

ITEMS = (
    "item_id\ttext\n"
    "i1\tRed lipstick matte\ni2\tPink lipstick gloss\ni3\tShampoo for dry hair\n"
    "i4\tConditioner for dry hair\ni5\tNail polish red\ni6\t\n"
)
SEQUENCES = "user_id\titems\nu1\ti1 i2 i5\nu2\ti3 i4\nu3\ti3\nu4\ti2 i1 i2 i6\n"


def _cli_data(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "items.tsv").write_text(ITEMS, encoding="utf-8")
    (tmp_path / "sequences.tsv").write_text(SEQUENCES, encoding="utf-8")
    return tmp_path / "items.tsv", tmp_path / "sequences.tsv"


def test_cli_holdout_then_recommend_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELFWISE_ENCODER__NAME", "hashing")
    items, sequences = _cli_data(tmp_path)
    runner = CliRunner()
    split = runner.invoke(
        app,
        [
            "eval",
            "holdout",
            "--sequences",
            str(sequences),
            "--out-sequences",
            str(tmp_path / "train.tsv"),
            "--out-truth",
            str(tmp_path / "truth.tsv"),
        ],
    )
    assert split.exit_code == 0, split.output
    assert read_truth_tsv(tmp_path / "truth.tsv") == {"u1": "i5", "u2": "i4", "u4": "i6"}
    summary = json.loads(split.stdout)
    assert (summary["users"], summary["users_evaluated"], summary["users_too_short"]) == (4, 3, 1)

    predictions = tmp_path / "pred.jsonl"
    predictions.write_text(
        '{"user_id": "u1", "items": ["i5", "i1"]}\n'  # hit at rank 1
        '{"user_id": "u2", "items": ["i3", "i2", "i4"]}\n'  # hit at rank 3
        '{"user_id": "u3", "items": ["i4"]}\n',  # not evaluated; u4 is missing
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        [
            "eval",
            "recommend",
            "--predictions",
            str(predictions),
            "--truth",
            str(tmp_path / "truth.tsv"),
            "--sequences",
            str(tmp_path / "train.tsv"),
            "--items",
            str(items),
            "--k",
            "1",
            "--k",
            "3",
            "--json",
            str(tmp_path / "report.json"),
            "--data-dir",
            str(tmp_path / "data"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "| Recall | 0.3333 | 0.6667 |" in result.stdout
    report = RecommendReport.model_validate_json((tmp_path / "report.json").read_text())
    assert report.users_missing == 1 and report.missing_user_examples == ["u4"]
    assert report.at(3).ndcg == pytest.approx((1 + 0.5) / 3)
    assert report.at(3).coverage == pytest.approx(5 / 6)  # i5, i1, i3, i2, i4; not i6
    assert report.encoder == "hashing-trigram-256"
    assert report.at(3).diversity is not None and report.at(3).diversity_lists == 2
    assert report.at(1).diversity is None and report.at(1).diversity_lists == 0
    assert report.at(3).novelty is not None and report.training_interactions == 7
    assert (tmp_path / "data" / "embeddings.db").exists()


def test_cli_recommend_without_diversity_and_its_errors(tmp_path: Path) -> None:
    items, _ = _cli_data(tmp_path)
    truth = tmp_path / "truth.tsv"
    truth.write_text("user_id\titem_id\nu1\ti1\n", encoding="utf-8")
    good = tmp_path / "good.jsonl"
    good.write_text('{"user_id": "u1", "items": ["i2", "i1"]}\n', encoding="utf-8")
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "data")]
    quick = runner.invoke(
        app,
        [
            "eval",
            "recommend",
            "--predictions",
            str(good),
            "--truth",
            str(truth),
            "--items",
            str(items),
            "--no-diversity",
            *data,
        ],
    )
    assert quick.exit_code == 0, quick.output
    assert "| NDCG | 0.6309 | 0.6309 |" in quick.stdout and "ILD needs item vectors" in quick.stdout
    assert not (tmp_path / "data").exists()  # no encoder was loaded

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"user_id": "u1", "items": ["i2"]}\n{"user_id": "u1", "items": []}\n', encoding="utf-8")
    failed = runner.invoke(app, ["eval", "recommend", "--predictions", str(bad), "--truth", str(truth)])
    assert failed.exit_code == 2
    assert "bad.jsonl:2: duplicate user_id 'u1' (first at line 1)" in failed.output
    no_items = runner.invoke(
        app, ["eval", "recommend", "--predictions", str(good), "--truth", str(truth), "--diversity"]
    )
    assert no_items.exit_code == 2 and "--diversity needs --items" in no_items.output
    bad_rows = tmp_path / "rows.tsv"
    bad_rows.write_text("user_id\titems\nu1\ta b\nu2\t\n", encoding="utf-8")
    out = ["--out-sequences", str(tmp_path / "t.tsv"), "--out-truth", str(tmp_path / "h.tsv")]
    strict = runner.invoke(app, ["eval", "holdout", "--sequences", str(bad_rows), *out])
    assert strict.exit_code == 2 and "rows.tsv:3: empty items for user 'u2'" in strict.output
    lenient = runner.invoke(app, ["eval", "holdout", "--sequences", str(bad_rows), "--skip-bad-rows", *out])
    assert lenient.exit_code == 0 and json.loads(lenient.stdout)["rows_skipped"] == 1
