"""A fine-tuning run's state in a folder, safetensors plus JSON (no pickle), for checkpoints a run
resumes from: the network's weights, the optimizer's moments and settings, the learning-rate
schedule's position, the best weights so far with the early-stopping record, torch's random
state, and what the caller adds as JSON (its shuffling generator's state, say).

`load_training_state` into a run built alike (same model, config and data) restores all of it, so
that the remaining steps give the weights the uninterrupted run gives.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from shelfwise.train.early_stopping import BestWeights

STATE_FILE = "state.safetensors"
RECORD_FILE = "state.json"


def save_training_state(
    folder: Path, network: Any, optimizer: Any, scheduler: Any, best: BestWeights, extra: dict[str, Any]
) -> None:
    """Write the state to `folder` (made if missing)."""
    import torch
    from safetensors.torch import save_file

    tensors = {f"model.{k}": v for k, v in network.state_dict().items()}
    optimizer_state = optimizer.state_dict()
    for index, moments in optimizer_state["state"].items():
        for name, value in moments.items():
            tensors[f"optimizer.{index}.{name}"] = value if torch.is_tensor(value) else torch.tensor(value)
    for name, value in (best.state or {}).items():
        tensors[f"best.{name}"] = value
    tensors["random.torch"] = torch.get_rng_state()
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().clone().contiguous() for k, v in tensors.items()}, str(folder / STATE_FILE))
    schedule = {k: v for k, v in scheduler.state_dict().items() if k != "lr_lambdas"}
    record = {
        "param_groups": optimizer_state["param_groups"],
        "scheduler": schedule,
        "best": {
            "score": best.score,
            "step": best.step,
            "steps": best.steps,
            "waited": best.waited,
            "history": best.history,
            "has_state": best.state is not None,
        },  # fmt: skip
        "extra": extra,
    }
    (folder / RECORD_FILE).write_text(json.dumps(record), encoding="utf-8")


def load_training_state(
    folder: Path, network: Any, optimizer: Any, scheduler: Any
) -> tuple[BestWeights, dict]:
    """Restore the network, optimizer, schedule and torch's random state from `folder`; the best
    weights record and the caller's extra JSON."""
    import torch
    from safetensors.torch import load_file

    tensors = load_file(str(folder / STATE_FILE))
    record = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
    network.load_state_dict(_prefixed(tensors, "model."))
    moments: dict[int, dict[str, Any]] = {}
    for key, value in _prefixed(tensors, "optimizer.").items():
        index, name = key.split(".", 1)
        moments.setdefault(int(index), {})[name] = value
    optimizer.load_state_dict({"state": moments, "param_groups": record["param_groups"]})
    scheduler.load_state_dict({**scheduler.state_dict(), **record["scheduler"]})
    best_record = record["best"]
    has_state = best_record.pop("has_state")
    best = BestWeights(**best_record, state=_prefixed(tensors, "best.") if has_state else None)
    torch.set_rng_state(tensors["random.torch"])
    return best, record["extra"]


def load_network_weights(folder: Path, network: Any) -> None:
    """Only the network's weights of a saved state (a finished run's, say)."""
    from safetensors.torch import load_file

    network.load_state_dict(_prefixed(load_file(str(folder / STATE_FILE)), "model."))


def random_state(rng: random.Random) -> list[Any]:
    """A Python generator's state as JSON."""
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def restore_random(state: list[Any]) -> random.Random:
    rng = random.Random()
    rng.setstate((state[0], tuple(state[1]), state[2]))
    return rng


def _prefixed(tensors: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
