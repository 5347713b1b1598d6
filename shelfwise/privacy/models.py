"""Forgetting shoppers in trained models. The CTR/CVR ranking model keeps the 64-bit digests of
the shoppers it learned an embedding for (`known_users.npy`); a forgotten shopper's digest is
removed from every saved version and from a loaded model, so they are ranked as a new shopper
at once (their trace in the shared embedding bucket goes with the next training). The
recommender keeps no shopper ids at all."""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

RANKER_VERSIONS = Path("models") / "ranker" / "versions"
USERS_FILE = "known_users.npy"  # as shelfwise.rank.artifacts.USERS_FILE


def without_digests(known: np.ndarray, digests: Collection[int]) -> np.ndarray:
    wanted = np.array(sorted(digests), dtype=np.uint64)
    return known[~np.isin(known, wanted)]


def forget_in_saved_rankers(data_dir: Path, digests: Collection[int]) -> int:
    """Rewrite each saved ranker's known shoppers without these digests (atomically); returns how
    many versions held any of them."""
    changed = 0
    root = Path(data_dir) / RANKER_VERSIONS
    if not digests or not root.is_dir():
        return 0
    for path in sorted(root.glob(f"*/{USERS_FILE}")):
        known = np.load(path, allow_pickle=False)
        kept = without_digests(known, digests)
        if len(kept) == len(known):
            continue
        staging = path.with_name(f".{USERS_FILE}.{os.getpid()}.tmp")
        with staging.open("wb") as handle:
            np.save(handle, kept.astype(np.uint64), allow_pickle=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staging, path)
        changed += 1
    return changed


def forget_in_loaded_ranker(stage: Any, digests: Collection[int]) -> int:
    """Drop the digests from a loaded `RankingStage`'s known shoppers; returns how many went."""
    builder = getattr(getattr(stage, "ranker", None), "builder", None)
    if builder is None or not digests:
        return 0
    known = builder.known_users
    kept = without_digests(known, digests)
    builder.known_users = kept
    return int(len(known) - len(kept))
