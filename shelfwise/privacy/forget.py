"""Forgetting a shopper and purging old rows, over the stores that hold shoppers' data.

`forget_shopper` deletes a signed-in shopper's events, impressions and experiment exposures, and
those of the anonymous sessions seen on them (a visit before signing in), their reviews, the
recommendation answers cached for them and their place among a ranking model's known shoppers, then logs the
forgotten actors (`ForgetLog`) for the server processes to drop what they hold in memory.
The trained recommender keeps no shopper ids (its ALS user factors are dropped after fitting),
so the next training simply leaves their deleted events out. `purge_before` is retention: every
event, impression and exposure older than the cutoff goes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from shelfwise.config import ReviewRules
from shelfwise.events import EventStore
from shelfwise.experiments import ExposureLog
from shelfwise.impressions import ImpressionLog
from shelfwise.privacy.forget_log import ForgetLogStore
from shelfwise.privacy.forgotten import actor_digest
from shelfwise.privacy.models import forget_in_saved_rankers
from shelfwise.reviews import ReviewStore, forget_shopper_reviews

FORGET_LOG_DAYS = 1  # forget-log rows older than this are pruned with every purge


class AnswerStore(Protocol):
    """Cached answers that can drop a shopper's (`AnswerCache`, `SharedAnswers`)."""

    def forget(self, owners: Collection[str]) -> int: ...


@dataclass(frozen=True)
class ShopperData:
    """The stores that hold shoppers' ids, and the data folder of the saved models."""

    events: EventStore
    impressions: ImpressionLog
    exposures: ExposureLog
    answers: AnswerStore | None
    forget_log: ForgetLogStore
    data_dir: Path
    reviews: ReviewStore | None = None
    """their reviews (signed-in shoppers' only); None: a shop without a review store here"""
    review_rules: ReviewRules | None = None
    """the shop's duplicate rules, for the copies of a forgotten review's text left behind"""


@dataclass(frozen=True)
class ForgetReport:
    """What forgetting one shopper removed, by count."""

    user_id: str
    """as stored: the pseudonym when ids are pseudonymized"""
    sessions: int
    """anonymous sessions found on their events and impressions, forgotten with them"""
    events: int
    impressions: int
    exposures: int
    cached_answers: int
    ranking_models: int
    """saved ranking-model versions that had learned an embedding for them"""
    profiles: int = 0
    """profiles dropped from this process's memory (the user's and their sessions')"""
    log_seq: int = 0
    """the forget log's seq of this forgetting"""
    reviews: int = 0
    """reviews they wrote"""


@dataclass(frozen=True)
class PurgeReport:
    """What a retention purge removed, by count."""

    cutoff: datetime
    events: int
    impressions: int
    exposures: int


def shopper_actors(user_id: str, sessions: Collection[str]) -> list[str]:
    return [f"user:{user_id}", *(f"session:{s}" for s in sorted(sessions))]


def forget_shopper(data: ShopperData, user_id: str) -> tuple[ForgetReport, list[str]]:
    """Delete the shopper from every store; returns the report and the actors forgotten (for
    the caller to drop from what it holds in memory). Forgetting an unknown id removes nothing
    and still succeeds."""
    sessions = data.events.sessions_of(user_id) | data.impressions.sessions_of(user_id)
    actors = shopper_actors(user_id, sessions)
    events = data.events.forget_user(user_id, sessions)
    impressions = data.impressions.forget_user(user_id, sessions)
    exposures = data.exposures.forget_user(user_id, sessions)
    answers = data.answers.forget(actors) if data.answers is not None else 0
    models = forget_in_saved_rankers(data.data_dir, {actor_digest(a) for a in actors})
    reviews = 0 if data.reviews is None else forget_shopper_reviews(data.reviews, user_id, data.review_rules)
    seq = data.forget_log.record(actors)
    report = ForgetReport(user_id, len(sessions), events, impressions, exposures, answers, models,
                          log_seq=seq, reviews=reviews)  # fmt: skip
    return report, actors


def purge_before(data: ShopperData, cutoff: datetime, now: datetime) -> PurgeReport:
    """Delete every event, impression and exposure from before `cutoff`; prune the forget log's
    rows older than a day (`now`)."""
    report = PurgeReport(
        cutoff,
        data.events.purge_before(cutoff),
        data.impressions.purge_before(cutoff),
        data.exposures.purge_before(cutoff),
    )
    data.forget_log.prune(now - timedelta(days=FORGET_LOG_DAYS))
    return report
