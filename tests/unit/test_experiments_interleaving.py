"""Team-draft interleaving and the sign test, with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from shelfwise.experiments.interleaving import LoggedQuery, interleave, sign_test, team_draft


def test_team_draft_alternates_skips_duplicates_and_balances_teams() -> None:
    merged = team_draft(["x", "y", "z", "w"], ["y", "q", "x", "r"], 6, np.random.default_rng(3))
    assert len(set(merged.products)) == 6
    assert abs(merged.teams.count("a") - merged.teams.count("b")) <= 1
    for i in range(0, 6, 2):  # each round one pick from each team
        assert set(merged.teams[i : i + 2]) == {"a", "b"}
    # every product came from its team's list, at that team's best remaining place
    assert set(merged.products) <= {"x", "y", "z", "w", "q", "r"}


def test_identical_rankers_tie_in_expectation() -> None:
    ranking = [f"p{i}" for i in range(10)]
    queries = [LoggedQuery(f"q{i}", frozenset({f"p{i % 10}"})) for i in range(2000)]
    result = interleave(queries, lambda q: ranking, lambda q: ranking, k=10, seed=1)
    assert result.ties == 0 and result.no_clicks == 0  # one click each, credited to one team
    assert abs(result.preference_b) < 0.06 and result.winner == "none"


def test_the_ranker_that_puts_the_clicked_product_first_wins() -> None:
    queries = [LoggedQuery(f"q{i}", frozenset({f"good{i}"})) for i in range(60)]

    def good(query: LoggedQuery) -> list[str]:
        return [f"good{query.query[1:]}", "filler1", "filler2"]

    def poor(query: LoggedQuery) -> list[str]:
        return ["filler1", "filler2", "filler3"]

    result = interleave(queries, poor, good, k=4, seed=2)
    assert result.wins_b == 60 and result.wins_a == 0 and result.winner == "b"
    assert result.preference_b == 1.0 and result.p_value < 1e-9


@pytest.mark.parametrize(("a", "b"), [(0, 0), (3, 9), (20, 20), (1, 30), (47, 61)])
def test_sign_test_matches_scipy(a: int, b: int) -> None:
    expected = 1.0 if a + b == 0 else scipy_stats.binomtest(b, a + b, 0.5).pvalue
    assert math.isclose(sign_test(a, b), expected, rel_tol=1e-9, abs_tol=1e-12)
