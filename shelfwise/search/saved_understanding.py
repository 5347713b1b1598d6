"""The query understanding kept with an index version: built and saved into the version's
folder, loaded at open while it is fresh enough, and a writer's newer one taken by a reading
process (the files are query/understanding_snapshot.py's)."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

from shelfwise.config import UnderstandingConfig
from shelfwise.query.understand import QueryUnderstanding
from shelfwise.query.understanding_snapshot import (
    UnderstandingSnapshot,
    load_understanding,
    save_understanding,
)
from shelfwise.records import Product

logger = logging.getLogger("shelfwise.search")
UNDERSTANDING_DIR = "understanding"
"""the version's saved query understanding (understanding_snapshot.py)"""


def understanding_interval(config: UnderstandingConfig, persist_every: int, products: int) -> int:
    """Changes after which the catalog-derived understanding is rebuilt: `persist_every`, or the
    configured share of a catalog of `products` when that is more."""
    return max(persist_every, math.ceil(config.rebuild_fraction * products))


def build_understanding(
    products: list[Product], config: UnderstandingConfig, save_to: Path | None, store_seq: int
) -> QueryUnderstanding | None:
    """Build the understanding of `products` (read at `store_seq`) and save it into the
    version folder `save_to`, if given; None when understanding is off."""
    if not config.enabled:
        return None
    understanding = QueryUnderstanding.build(products, config)
    if save_to is not None:
        try:
            save_understanding(understanding, save_to / UNDERSTANDING_DIR, store_seq)
        except OSError as error:  # a full disk costs the next start-up time, nothing else
            logger.warning("index %s: query understanding not saved (%s)", save_to.name, error)
    return understanding


def saved_understanding(path: Path, config: UnderstandingConfig) -> UnderstandingSnapshot | None:
    """The understanding saved in the version folder `path`; None when there is none or it
    cannot be used (said in the log: it is rebuilt)."""
    try:
        return load_understanding(path / UNDERSTANDING_DIR, config)
    except (OSError, ValueError, KeyError) as error:
        logger.warning("index %s: saved query understanding unusable (%s); rebuilding it",
                       path.name, error)  # fmt: skip
        return None


def newer_understanding(
    path: Path, config: UnderstandingConfig, seen_seq: int
) -> UnderstandingSnapshot | None:
    """The understanding saved in the version folder `path` when it was built after store
    sequence number `seen_seq`; None when it was not, or cannot be read now (mid-replace, or
    damaged: the next call tries again)."""
    folder = path / UNDERSTANDING_DIR
    try:
        saved_at = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["store_seq"]
        if int(saved_at) <= seen_seq:
            return None
        return load_understanding(folder, config)
    except (OSError, ValueError, KeyError) as error:
        logger.debug("index %s: newer query understanding not loaded (%s)", path.name, error)
        return None
