"""The data folder's sentiment models: `models/sentiment/versions/<v>/` with `CURRENT` naming the
active one (the same `IndexVersions` mechanism as every other model kind)."""

from __future__ import annotations

from pathlib import Path

from shelfwise.index import IndexVersions
from shelfwise.sentiment.model import SentimentModel


class NoSentimentModelError(LookupError):
    """The data folder has no active sentiment model yet."""


def sentiment_registry(data_dir: Path) -> IndexVersions:
    return IndexVersions(data_dir / "models" / "sentiment")


def active_sentiment_path(data_dir: Path) -> Path | None:
    current = sentiment_registry(data_dir).current()
    return None if current is None else current[1]


def load_active_sentiment(data_dir: Path, threads: int = 2) -> SentimentModel:
    """The data folder's active sentiment model; NoSentimentModelError when there is none."""
    folder = active_sentiment_path(data_dir)
    if folder is None:
        raise NoSentimentModelError(
            f"{data_dir} has no sentiment model: train one with "
            "`shelfwise train sentiment --reviews R.tsv` (review_id, text, rating)"
        )
    return SentimentModel.load(folder, threads)
