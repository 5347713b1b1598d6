"""Files of the next-item benchmark: sequences, items, truth, predictions, and the holdout split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shelfwise.evaluate.sequences import (
    Holdout,
    column_names,
    leave_last_out,
    read_items_tsv,
    read_predictions_jsonl,
    read_sequences_tsv,
    read_truth_tsv,
    write_holdout,
    write_predictions_jsonl,
    write_sequences_tsv,
    write_truth_tsv,
)
from shelfwise.evaluate.tables import FormatError


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


# --- sequences -------------------------------------------------------------------------------


def test_read_sequences_keeps_order_repeats_and_tolerates_bom_crlf_and_blank_lines(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path / "s.tsv", "\ufeffuser_id\titems\r\nu1\ta b  a\r\n\r\nu2\tc\r\n")
    assert read_sequences_tsv(path) == {"u1": ["a", "b", "a"], "u2": ["c"]}
    assert list(read_sequences_tsv(path)) == ["u1", "u2"]


def test_read_sequences_with_other_column_names_and_extra_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.tsv", "when\tbasket\tshopper\n2024\tx y\tu9\n")
    assert read_sequences_tsv(path, user_column="shopper", items_column="basket") == {"u9": ["x", "y"]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("user\titems\nu1\ta\n", r"s\.tsv:1: missing column 'user_id'; header has: user, items"),
        ("user_id\titems\nu1\ta\nu2\t  \n", r"s\.tsv:3: empty items for user 'u2'"),
        ("user_id\titems\nu1\ta\n\nu1\tb\n", r"s\.tsv:4: duplicate user_id 'u1' \(first at line 2\)"),
        ("user_id\titems\nu1\ta\tb\n", r"s\.tsv:2: expected 2 tab-separated fields, found 3"),
        ("user_id\titems\n\tb\n", r"s\.tsv:2: empty user_id"),
        ("", r"s\.tsv:1: empty file"),
    ],
)
def test_malformed_sequences_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        read_sequences_tsv(_write(tmp_path / "s.tsv", text))


def test_on_problem_reports_bad_rows_and_keeps_the_good_ones(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.tsv", "user_id\titems\nu1\ta\nu2\t\nu1\tb\nu3\tc d\nonly-one-field\n")
    problems: list[FormatError] = []
    assert read_sequences_tsv(path, on_problem=problems.append) == {"u1": ["a"], "u3": ["c", "d"]}
    assert [(p.line, p.reason.split(" ")[0]) for p in problems] == [
        (3, "empty"),
        (4, "duplicate"),
        (6, "expected"),
    ]


def test_a_missing_column_raises_even_with_on_problem(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="missing column 'items'"):
        read_sequences_tsv(_write(tmp_path / "s.tsv", "user_id\tx\nu\ta\n"), on_problem=print)


def test_sequences_round_trip_and_writer_refuses_what_the_reader_rejects(tmp_path: Path) -> None:
    sequences = {"u1": ["a", "b", "a"], "ü2": ["c"]}
    write_sequences_tsv(tmp_path / "out" / "s.tsv", sequences)
    assert read_sequences_tsv(tmp_path / "out" / "s.tsv") == sequences
    with pytest.raises(ValueError, match="user 'u2' has no items"):
        write_sequences_tsv(tmp_path / "bad.tsv", {"u1": ["a"], "u2": []})
    with pytest.raises(ValueError, match="whitespace"):
        write_sequences_tsv(tmp_path / "bad.tsv", {"u1": ["a b"]})
    with pytest.raises(ValueError, match="TSV field"):
        write_sequences_tsv(tmp_path / "bad.tsv", {"u\t1": ["a"]})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no partial file left behind


def test_column_names_rejects_unknown_fields() -> None:
    assert column_names({"items": "basket"}, ("user_id", "items")) == ["user_id", "basket"]
    with pytest.raises(ValueError, match="unknown column name"):
        column_names({"item": "basket"}, ("user_id", "items"))


# --- items and truth -------------------------------------------------------------------------


def test_read_items_keeps_empty_texts_and_rejects_bad_ids(tmp_path: Path) -> None:
    path = _write(tmp_path / "i.tsv", 'item_id\ttext\ni1\tLip "Gloss" 5ml\ni2\t\n')
    assert read_items_tsv(path) == {"i1": 'Lip "Gloss" 5ml', "i2": ""}
    with pytest.raises(FormatError, match=r"i\.tsv:3: duplicate item_id 'i1' \(first at line 2\)"):
        read_items_tsv(_write(tmp_path / "i.tsv", "item_id\ttext\ni1\ta\ni1\tb\n"))
    with pytest.raises(FormatError, match=r"i\.tsv:2: item_id 'i 1' contains whitespace"):
        read_items_tsv(_write(tmp_path / "i.tsv", "item_id\ttext\ni 1\ta\n"))
    with pytest.raises(FormatError, match=r"i\.tsv:1: missing column 'text'"):
        read_items_tsv(_write(tmp_path / "i.tsv", "item_id\ttitle\ni1\ta\n"))
    renamed = _write(tmp_path / "r.tsv", "asin\ttitle\ni1\ta\n")
    assert read_items_tsv(renamed, id_column="asin", text_column="title") == {"i1": "a"}


def test_truth_round_trip_and_errors(tmp_path: Path) -> None:
    write_truth_tsv(tmp_path / "t.tsv", {"u1": "a", "u2": "b"})
    assert (tmp_path / "t.tsv").read_text() == "user_id\titem_id\nu1\ta\nu2\tb\n"
    assert read_truth_tsv(tmp_path / "t.tsv") == {"u1": "a", "u2": "b"}
    with pytest.raises(FormatError, match=r"t\.tsv:3: duplicate user_id 'u1'"):
        read_truth_tsv(_write(tmp_path / "t.tsv", "user_id\titem_id\nu1\ta\nu1\tb\n"))
    with pytest.raises(FormatError, match=r"t\.tsv:2: empty user_id or item_id"):
        read_truth_tsv(_write(tmp_path / "t.tsv", "user_id\titem_id\nu1\t\n"))


# --- predictions -----------------------------------------------------------------------------


def test_predictions_round_trip(tmp_path: Path) -> None:
    predictions = {"u1": ["b", "a"], "ü2": [], "u3": ["c"]}
    write_predictions_jsonl(tmp_path / "p.jsonl", predictions)
    lines = (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {"user_id": "u1", "items": ["b", "a"]}
    assert read_predictions_jsonl(tmp_path / "p.jsonl") == predictions
    with pytest.raises(ValueError, match="repeat an item"):
        write_predictions_jsonl(tmp_path / "q.jsonl", {"u1": ["a", "a"]})


def test_predictions_ignore_blank_lines_and_extra_keys(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.jsonl", '\n{"user_id": "u1", "items": ["a"], "scores": [0.5]}\n  \n')
    assert read_predictions_jsonl(path) == {"u1": ["a"]}


@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        ('{"user_id": "u2", "items": ["a",', r"p\.jsonl:2: invalid JSON"),
        ('["u2", ["a"]]', r"p\.jsonl:2: expected an object"),
        ('{"user_id": 7, "items": ["a"]}', r"p\.jsonl:2: user_id must be a non-empty string, got 7"),
        ('{"user_id": "u2"}', r"p\.jsonl:2: items of user 'u2' must be a list"),
        ('{"user_id": "u2", "items": ["a", 3]}', r"p\.jsonl:2: items of user 'u2' must be a list"),
        ('{"user_id": "u2", "items": ["a", "b", "a"]}', r"p\.jsonl:2: item 'a' listed twice for user 'u2'"),
        ('{"user_id": "u1", "items": ["b"]}', r"p\.jsonl:2: duplicate user_id 'u1' \(first at line 1\)"),
    ],
)
def test_malformed_predictions_name_the_line(tmp_path: Path, second_line: str, message: str) -> None:
    path = _write(tmp_path / "p.jsonl", '{"user_id": "u1", "items": ["a"]}\n' + second_line + "\n")
    with pytest.raises(FormatError, match=message):
        read_predictions_jsonl(path)


# --- the split -------------------------------------------------------------------------------


def test_leave_last_out_known_answer() -> None:
    sequences = {"u1": ["a", "b", "c"], "u2": ["d"], "u3": ["e", "f"]}
    split = leave_last_out(sequences)
    assert split == Holdout(train={"u1": ["a", "b"], "u2": ["d"], "u3": ["e"]}, truth={"u1": "c", "u3": "f"})
    train, truth = split  # a named tuple: unpacks as (train, truth)
    assert list(train) == ["u1", "u2", "u3"] and truth is split.truth
    assert sequences == {"u1": ["a", "b", "c"], "u2": ["d"], "u3": ["e", "f"]}  # input unchanged
    longer = leave_last_out(sequences, min_length=3)
    assert longer.truth == {"u1": "c"}
    assert longer.train == {"u1": ["a", "b"], "u2": ["d"], "u3": ["e", "f"]}
    with pytest.raises(ValueError, match="min_length must be at least 2"):
        leave_last_out(sequences, min_length=1)


def test_write_holdout_writes_both_parts_and_summarises(tmp_path: Path) -> None:
    source = _write(tmp_path / "s.tsv", "shopper\tbasket\nu1\ta b c\nu2\td\nu3\t\nu4\te f\n")
    problems: list[FormatError] = []
    summary = write_holdout(
        source,
        tmp_path / "train.tsv",
        tmp_path / "truth.tsv",
        columns={"user_id": "shopper", "items": "basket"},
        on_problem=problems.append,
    )
    assert read_sequences_tsv(tmp_path / "train.tsv") == {"u1": ["a", "b"], "u2": ["d"], "u4": ["e"]}
    assert read_truth_tsv(tmp_path / "truth.tsv") == {"u1": "c", "u4": "f"}
    assert (summary.users, summary.users_evaluated, summary.users_too_short) == (3, 2, 1)
    assert (summary.train_interactions, summary.rows_skipped) == (4, 1)
    assert [p.line for p in problems] == [4]
    with pytest.raises(FormatError, match=r"s\.tsv:4: empty items for user 'u3'"):
        write_holdout(
            source,
            tmp_path / "t2.tsv",
            tmp_path / "h2.tsv",
            columns={"user_id": "shopper", "items": "basket"},
        )
