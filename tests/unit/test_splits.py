"""Query splits: deterministic, seeded, stable as the query set grows."""

from __future__ import annotations

import pytest

from shelfwise.evaluate import (
    Judgments,
    QuerySplit,
    is_validation_query,
    split_judgments,
    split_queries,
)

IDS = [f"q{i:05d}" for i in range(1, 21)]


def test_known_split_is_pinned() -> None:
    # The hash must never change: trained models record which queries they held out.
    # (10 of 20 is within binomial noise for a fraction of 0.3.)
    assert split_queries(IDS, 0.3, seed=13) == QuerySplit(
        tuning=("q00002", "q00004", "q00005", "q00008", "q00011", "q00012", "q00014", "q00015",
                "q00018", "q00020"),
        validation=("q00001", "q00003", "q00006", "q00007", "q00009", "q00010", "q00013",
                    "q00016", "q00017", "q00019"),
    )  # fmt: skip


def test_parts_are_disjoint_cover_the_input_and_keep_its_order() -> None:
    ids = [f"query-{i}" for i in range(500)]
    tuning, validation = split_queries(ids, 0.3, seed=1)
    assert not set(tuning) & set(validation)
    assert sorted(tuning + validation) == sorted(ids)
    assert list(tuning) == [q for q in ids if q in set(tuning)]


def test_same_seed_same_split_other_seed_other_split() -> None:
    ids = [f"query-{i}" for i in range(500)]
    assert split_queries(ids, 0.3, seed=5) == split_queries(list(ids), 0.3, seed=5)
    assert split_queries(ids, 0.3, seed=5) != split_queries(ids, 0.3, seed=6)


def test_stable_when_the_query_set_grows() -> None:
    small = [f"query-{i}" for i in range(300)]
    grown = [f"query-{i}" for i in range(1000)][::-1]
    before = split_queries(small, 0.3, seed=13)
    after = split_queries(grown, 0.3, seed=13)
    assert set(before.validation) == set(after.validation) & set(small)
    assert set(before.tuning) == set(after.tuning) & set(small)


def test_share_is_close_to_the_fraction() -> None:
    ids = [str(i) for i in range(20_000)]
    share = len(split_queries(ids, 0.3, seed=0).validation) / len(ids)
    # binomial standard deviation: sqrt(0.3 * 0.7 / 20000) = 0.0032; allow 5 of them
    assert abs(share - 0.3) < 0.016


def test_edge_fractions_and_duplicates() -> None:
    assert split_queries(IDS, 0.0, seed=1) == QuerySplit(tuple(IDS), ())
    assert split_queries(IDS, 1.0, seed=1) == QuerySplit((), tuple(IDS))
    assert split_queries(["a", "b", "a"], 0.0, seed=1).tuning == ("a", "b")
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="validation_fraction"):
            split_queries(IDS, bad, seed=1)


def test_is_validation_query_agrees_with_split_queries() -> None:
    validation = split_queries(IDS, 0.3, seed=13).validation
    assert tuple(q for q in IDS if is_validation_query(q, 0.3, seed=13)) == validation


def test_split_judgments_by_query() -> None:
    grades = {q: {f"p{i}": 1.0 + i % 3, "shared": 2.0} for i, q in enumerate(IDS)}
    judgments = Judgments.from_grades(grades, {q: f"text {q}" for q in IDS})
    tuning, validation = split_judgments(judgments, 0.3, seed=13)
    expected = split_queries(IDS, 0.3, seed=13)
    assert (tuning.query_ids, validation.query_ids) == (expected.tuning, expected.validation)
    assert tuning.num_pairs + validation.num_pairs == judgments.num_pairs
    assert validation.queries["q00001"] == "text q00001"
    assert dict(validation.grades["q00001"]) == grades["q00001"]
