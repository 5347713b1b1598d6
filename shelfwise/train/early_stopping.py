"""Early stopping shared by the trainers: the best validation score so far and its weights."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any


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
