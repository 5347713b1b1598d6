"""The relevance benchmark's files: pairs in, scores out, RMSE against judgments."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.evaluate.relevance import evaluate_relevance, read_pairs
from shelfwise.evaluate.tables import FormatError


def test_rmse_and_mae_over_judged_pairs(tmp_path: Path) -> None:
    judgments = tmp_path / "j.tsv"
    judgments.write_text("query_id\tquery\tproduct_id\trelevance\nq1\ta\tp1\t3\nq1\ta\tp2\t1\nq2\tb\tp1\t2\n")
    scores = tmp_path / "s.tsv"
    scores.write_text("query_id\tproduct_id\tscore\nq1\tp1\t2.5\nq1\tp2\t1.5\nq9\tp1\t2\n")
    report = evaluate_relevance(judgments, scores)
    assert report.pairs == 2 and report.missing == 1
    assert report.rmse == pytest.approx(0.5) and report.mae == pytest.approx(0.5)
    assert report.mean_baseline_rmse == pytest.approx(1.0)


def test_pairs_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.tsv"
    path.write_text("query_id\tquery\tproduct_id\nq1\ta\tp1\nq1\ta\tp1\n")
    with pytest.raises(FormatError, match=r"c.tsv:3: pair \('q1', 'p1'\) listed twice"):
        read_pairs(path)
    scores = tmp_path / "s.tsv"
    scores.write_text("query_id\tproduct_id\tscore\nq1\tp1\tnan\n")
    judgments = tmp_path / "j.tsv"
    judgments.write_text("query_id\tquery\tproduct_id\trelevance\nq1\ta\tp1\t3\n")
    with pytest.raises(FormatError, match="s.tsv:2: score is not a number"):
        evaluate_relevance(judgments, scores)
