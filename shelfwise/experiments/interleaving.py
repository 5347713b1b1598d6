"""Offline interleaving: which of two rankers do shoppers prefer, judged on logged queries.

Team-draft interleaving (Radlinski, Kurup and Joachims, 2008): for each query the two rankers'
lists are merged by turns (a coin decides who picks first in each round; each picks its best
result not already taken), remembering which ranker contributed each result. A click on a result
credits its team; the query's winner is the team with more credited clicks. Over many queries
the share of wins is tested against 1/2 with a two-sided sign test (ties left out).

Offline, the clicks come from the log: a logged query's clicked products (attribution gives
them) are clicked again if the interleaved list shows them within its first `k` places; in
simulation, a click model can stand in (`clicks` is any callable).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

Ranker = Callable[["LoggedQuery"], Sequence[str]]
"""A logged query (its text and who searched) -> product ids, best first."""
ClickModel = Callable[["LoggedQuery", Sequence[str]], set[str]]
"""(the logged query, the interleaved list shown) -> the product ids clicked."""


@dataclass(frozen=True)
class LoggedQuery:
    query: str
    clicked: frozenset[str]
    request_id: str = ""
    user_id: str | None = None
    session_id: str | None = None


@dataclass(frozen=True)
class Interleaved:
    products: tuple[str, ...]
    teams: tuple[str, ...]  # "a" or "b", one per product


def team_draft(a: Sequence[str], b: Sequence[str], k: int, rng: np.random.Generator) -> Interleaved:
    """Merge two rankings into `k` results by team draft."""
    products: list[str] = []
    teams: list[str] = []
    taken: set[str] = set()
    at = {"a": 0, "b": 0}
    lists = {"a": list(a), "b": list(b)}
    picked = {"a": 0, "b": 0}

    def pick(team: str) -> bool:
        ranking = lists[team]
        while at[team] < len(ranking) and ranking[at[team]] in taken:
            at[team] += 1
        if at[team] >= len(ranking):
            return False
        product = ranking[at[team]]
        taken.add(product)
        products.append(product)
        teams.append(team)
        picked[team] += 1
        return True

    while len(products) < k:
        if picked["a"] < picked["b"]:
            order = ("a", "b")
        elif picked["b"] < picked["a"]:
            order = ("b", "a")
        else:
            order = ("a", "b") if rng.random() < 0.5 else ("b", "a")
        if not pick(order[0]) and not pick(order[1]):
            break
    return Interleaved(tuple(products), tuple(teams))


class InterleavingResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    queries: int
    wins_a: int
    wins_b: int
    ties: int = Field(description="queries where both teams got as many clicks (none included)")
    no_clicks: int
    preference_b: float = Field(description="(wins_b - wins_a) / (wins_a + wins_b + ties): > 0 favours b")
    p_value: float = Field(description="two-sided sign test of wins_b against wins_a")
    winner: str = Field(description="a, b, or none when p >= alpha")


def sign_test(wins_a: int, wins_b: int) -> float:
    """Two-sided exact binomial test of wins_b ~ Binomial(wins_a + wins_b, 1/2)."""
    n = wins_a + wins_b
    if n == 0:
        return 1.0
    low = min(wins_a, wins_b)
    log_half = n * math.log(0.5)
    tail = sum(math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + log_half)
               for i in range(low + 1))  # fmt: skip
    return min(1.0, 2.0 * tail)


def logged_clicks(query: LoggedQuery, shown: Sequence[str]) -> set[str]:
    """The log's clicks on this query, wherever the interleaved list shows them."""
    return {product for product in shown if product in query.clicked}


def interleave(
    queries: Sequence[LoggedQuery],
    ranker_a: Ranker,
    ranker_b: Ranker,
    *,
    k: int = 10,
    seed: int = 0,
    alpha: float = 0.05,
    clicks: ClickModel = logged_clicks,
) -> InterleavingResult:
    """Team-draft interleave the two rankers on every query and count the wins."""
    rng = np.random.default_rng(seed)
    wins = {"a": 0, "b": 0}
    ties = no_clicks = 0
    for query in queries:
        merged = team_draft(ranker_a(query), ranker_b(query), k, rng)
        clicked = clicks(query, merged.products)
        credit = {"a": 0, "b": 0}
        for product, team in zip(merged.products, merged.teams, strict=True):
            if product in clicked:
                credit[team] += 1
        if credit["a"] == credit["b"]:
            ties += 1
            no_clicks += credit["a"] == 0
        else:
            wins["a" if credit["a"] > credit["b"] else "b"] += 1
    decided = wins["a"] + wins["b"] + ties
    p_value = sign_test(wins["a"], wins["b"])
    winner = "none" if p_value >= alpha else ("b" if wins["b"] > wins["a"] else "a")
    return InterleavingResult(
        queries=len(queries),
        wins_a=wins["a"],
        wins_b=wins["b"],
        ties=ties,
        no_clicks=no_clicks,
        preference_b=0.0 if decided == 0 else (wins["b"] - wins["a"]) / decided,
        p_value=p_value,
        winner=winner,
    )
