"""Early stopping shared by the trainers: the held-out queries, and the best validation score so
far with its weights."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from shelfwise.evaluate.splits import split_judgments
from shelfwise.evaluate.trec import Judgments

SPLIT_SEED_OFFSET = 7919
"""added to a trainer's seed for its held-out split, so that splits made upstream with the same
seed (benchmarks/split_judgments.py uses 13) do not decide this one"""


def hold_out_queries(judgments: Judgments, fraction: float, seed: int) -> tuple[Judgments, Judgments]:
    """(training, validation) judgments, split by query; both must be non-empty."""
    parts = split_judgments(judgments, fraction, seed + SPLIT_SEED_OFFSET)
    if not len(parts.validation) or not len(parts.tuning):
        raise ValueError(
            f"{len(judgments)} judged queries are too few to hold out {fraction:.0%} for validation"
        )
    return parts.tuning, parts.validation


@dataclass
class BestWeights:
    """Keeps a copy of the weights that gave the best validation score; `waited` counts the
    evaluations since the last gain (stop when it reaches the patience)."""

    score: float
    step: int = 0
    steps: int = 0
    waited: int = 0
    state: dict | None = None
    history: list[dict[str, float]] = field(default_factory=list)

    def improve(self, score: float, network: Any) -> bool:
        if score <= self.score:
            self.waited += 1
            return False
        self.score, self.step, self.waited = score, self.steps, 0
        self.state = copy.deepcopy(network.state_dict())
        return True

    def restore(self, network: Any) -> None:
        if self.state is not None:
            network.load_state_dict(self.state)
