"""TREC run files and graded judgments: writing, reading, ordering, and errors that name file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.evaluate import FormatError, Judgments, ScoredId, read_judgments, read_run, write_run


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- write_run ---------------------------------------------------------------------------------


def test_write_run_sorts_by_score_ranks_from_one_and_cuts_at_depth(tmp_path: Path) -> None:
    run = {"q2": [("b", 0.5), ("a", 2.0), ("c", 0.5), ("d", 0.1)], "q1": [("x", 1.0)]}
    lines = write_run(tmp_path / "run.trec", run, tag="bm25", depth=3)
    assert lines == 4
    # q2 ranked a (2.0), then the tie b, c in the given order; d cut by depth 3; mapping order kept
    assert (tmp_path / "run.trec").read_text().splitlines() == [
        "q2 Q0 a 1 2.0 bm25",
        "q2 Q0 b 2 0.5 bm25",
        "q2 Q0 c 3 0.5 bm25",
        "q1 Q0 x 1 1.0 bm25",
    ]


def test_write_run_default_depth_is_100_and_empty_queries_write_nothing(tmp_path: Path) -> None:
    run = {"q1": [(f"p{i}", float(-i)) for i in range(150)], "q2": []}
    assert write_run(tmp_path / "run.trec", run, tag="t") == 100
    read = read_run(tmp_path / "run.trec")
    assert list(read) == ["q1"]
    assert read["q1"][-1] == ScoredId("p99", -99.0)


def test_write_run_keeps_scores_exactly(tmp_path: Path) -> None:
    scores = [0.1 + 0.2, 1e-300, -3.5, 123456789.123456789]
    run = {"q": [(f"p{i}", s) for i, s in enumerate(scores)]}
    write_run(tmp_path / "run.trec", run, tag="t")
    assert sorted(s for _, s in read_run(tmp_path / "run.trec")["q"]) == sorted(scores)


@pytest.mark.parametrize(
    ("run", "tag", "depth", "message"),
    [
        ({"q": [("a", 1.0), ("a", 0.5)]}, "t", 100, "appears twice"),
        ({"q": [("a b", 1.0)]}, "t", 100, "product id must be non-empty"),
        ({"q 1": [("a", 1.0)]}, "t", 100, "query id must be non-empty"),
        ({"q": [("a", float("nan"))]}, "t", 100, "not finite"),
        ({"q": [("a", 1.0)]}, "my tag", 100, "tag must be"),
        ({"q": [("a", 1.0)]}, "t", 0, "depth must be at least 1"),
    ],
)
def test_write_run_rejects_what_trec_cannot_hold(
    tmp_path: Path, run: dict, tag: str, depth: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        write_run(tmp_path / "run.trec", run, tag=tag, depth=depth)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


# --- read_run ----------------------------------------------------------------------------------


def test_read_run_sorts_by_score_then_file_rank(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "run.txt",
        "q1 Q0 c 3 0.5 sys\n\nq1 Q0 a 1 0.9 sys\nq1 Q0 b 2 0.5 sys\nq2\tQ0\tz\t1\t-1e-3\tsys\n",
    )
    assert read_run(path) == {
        "q1": [ScoredId("a", 0.9), ScoredId("b", 0.5), ScoredId("c", 0.5)],
        "q2": [ScoredId("z", -0.001)],
    }


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("q1 Q0 b 2 0.5", "expected 6 fields 'qid Q0 product_id rank score tag', found 5"),
        ("q1 Q0 b two 0.5 sys", "rank is not an integer: 'two'"),
        ("q1 Q0 b 2 high sys", "score is not a number: 'high'"),
        ("q1 Q0 b 2 nan sys", "score is not finite: 'nan'"),
        ("q1 Q0 a 2 0.5 sys", "product 'a' appears twice for query 'q1' (first at line 1)"),
    ],
)
def test_read_run_errors_name_file_and_line(tmp_path: Path, line: str, reason: str) -> None:
    path = _write(tmp_path / "bad.run", f"q1 Q0 a 1 0.9 sys\n{line}\n")
    with pytest.raises(FormatError) as caught:
        read_run(path)
    assert str(caught.value) == f"{path}:2: {reason}"
    assert caught.value.line == 2


# --- judgments ---------------------------------------------------------------------------------

JUDGMENTS_TSV = (
    "query_id\tquery\tproduct_id\trelevance\n"
    "q1\tangle bracket\t100001\t3\n"
    "q2\tl bracket\t100001\t2.5\n"
    "q1\tangle bracket\t100002\t1.67\n"
)


def test_read_judgments(tmp_path: Path) -> None:
    judgments = read_judgments(_write(tmp_path / "j.tsv", JUDGMENTS_TSV))
    assert judgments.query_ids == ("q1", "q2")
    assert dict(judgments.queries) == {"q1": "angle bracket", "q2": "l bracket"}
    assert dict(judgments.grades["q1"]) == {"100001": 3.0, "100002": 1.67}
    assert len(judgments) == 2 and judgments.num_pairs == 3


def test_read_judgments_with_a_column_mapping(tmp_path: Path) -> None:
    text = "qid\tproduct\tgrade\tsearch_term\nq1\tp1\t2.33\t1/2 in. pipe\n"
    judgments = read_judgments(
        _write(tmp_path / "j.tsv", text),
        columns={"query_id": "qid", "product_id": "product", "relevance": "grade", "query": "search_term"},
    )
    assert judgments.queries["q1"] == "1/2 in. pipe"
    assert judgments.grades["q1"]["p1"] == 2.33


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("q1\tangle bracket\t100003\thigh", "relevance is not a number: 'high'"),
        ("q1\tangle bracket\t100003\tinf", "relevance is not a number: 'inf'"),
        ("q1\tangle brackets\t100003\t2", "query 'q1' has text 'angle brackets' here but"),
        ("q1\tangle bracket\t100001\t2", "pair (q1, 100001) judged twice (first at line 2)"),
        ("q1\tangle bracket\t100003", "expected 4 tab-separated fields"),
        ("\tangle bracket\t100003\t2", "empty query_id or product_id"),
    ],
)
def test_read_judgments_errors_name_file_and_line(tmp_path: Path, line: str, reason: str) -> None:
    path = _write(tmp_path / "j.tsv", JUDGMENTS_TSV + line + "\n")
    with pytest.raises(FormatError, match=r"j\.tsv:5: ") as caught:
        read_judgments(path)
    assert reason in str(caught.value)


def test_read_judgments_missing_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "j.tsv", "query_id\tquery\tproduct_id\tscore\nq1\tx\tp\t2\n")
    with pytest.raises(FormatError, match=r"j\.tsv:1: missing column 'relevance'"):
        read_judgments(path)


def test_judgments_are_read_only_and_subset_keeps_order() -> None:
    judgments = Judgments.from_grades({"q1": {"a": 3.0}, "q2": {"b": 1.0}, "q3": {"c": 2.0}})
    with pytest.raises(TypeError):
        judgments.grades["q1"]["a"] = 1.0  # type: ignore[index]
    with pytest.raises(TypeError):
        judgments.queries["q9"] = "new"  # type: ignore[index]
    part = judgments.subset({"q3", "q1"})
    assert part.query_ids == ("q1", "q3")
    assert part.queries == {"q1": "", "q3": ""}
    with pytest.raises(KeyError, match="unknown query ids: q7"):
        judgments.subset(["q7"])
    with pytest.raises(ValueError, match="same query ids"):
        Judgments(queries={"q1": "x"}, grades={"q2": {}})
