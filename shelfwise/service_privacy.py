"""Shoppers' data in the serving role: forgetting a shopper, retention purges, following
the forget log that other processes write, and pseudonymous ids.

A mixin of `Serving` (serving.py), beside `PersonalStages`; it uses the serving role's settings,
stores, answer cache, profiles and ranking model.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shelfwise.config import Settings
from shelfwise.events import EventStore
from shelfwise.experiments import Experiments
from shelfwise.impressions import ImpressionLog
from shelfwise.personalize import Profiles
from shelfwise.privacy import (
    ForgetReport,
    Pseudonymizer,
    PurgeReport,
    ShopperData,
    actor_digest,
    forget_shopper,
    purge_before,
)
from shelfwise.privacy.models import forget_in_loaded_ranker
from shelfwise.recommend.answer_cache import AnswerCache
from shelfwise.shop_data import ShopData

logger = logging.getLogger("shelfwise.service")

LATE_MARGIN = timedelta(minutes=10)  # how far back a forget looks for impressions stored late


class ShopperPrivacy:
    """Forgetting, retention and pseudonyms over the facade's data (see the module)."""

    settings: Settings
    data: ShopData
    events: EventStore
    impressions: ImpressionLog
    experiments: Experiments
    _answers: AnswerCache[Any]
    _profiles: Profiles | None
    _profiles_lock: threading.Lock
    _ranking: Any
    rebuild_profiles: Callable[[], None]  # PersonalStages

    def _init_privacy(self) -> None:
        privacy = self.settings.privacy
        key = privacy.pseudonymize_key
        self.pseudonyms = Pseudonymizer(None if key is None else key.get_secret_value())
        self.forget_log = self.data.forget_log
        self._forget_seq = self.forget_log.last_seq()  # what this process has applied
        self._forget_lock = threading.Lock()  # one forgetting, purge rebuild or log catch-up at a time

    def _shopper_data(self) -> ShopperData:
        return ShopperData(self.events, self.impressions, self.experiments.log, self._answers,
                           self.forget_log, self.settings.data_dir, self.data.reviews,
                           self.settings.reviews)  # fmt: skip

    def forget_shopper(self, user_id: str) -> ForgetReport:
        """Delete a signed-in shopper (raw id: pseudonymized here when that is on) from every
        store and from this process's memory; other processes follow through the forget log."""
        stored = self.pseudonyms.id(user_id)
        with self._forget_lock:
            report, actors = forget_shopper(self._shopper_data(), stored)
            profiles = self._drop_from_memory(set(actors), {actor_digest(a) for a in actors})
            if self._forget_seq == report.log_seq - len(actors):  # nothing else logged meanwhile
                self._forget_seq = report.log_seq
        logger.info("forgot a shopper: %d events, %d impressions, %d exposures, %d sessions",
                    report.events, report.impressions, report.exposures, report.sessions)  # fmt: skip
        return dataclasses.replace(report, profiles=profiles)

    def apply_forgotten(self) -> int:
        """Drop from memory the shoppers other processes forgot since the last call (the server's
        catch-up loop calls it); returns how many profiles went."""
        with self._forget_lock:
            found = self.forget_log.since(self._forget_seq)
            dropped = 0
            if found.digests:
                with self._profiles_lock:
                    known = [] if self._profiles is None else self._profiles.actors
                actors = {actor for actor in known if actor_digest(actor) in found.digests}
                dropped = self._drop_from_memory(actors, found.digests)
                self._answers.forget(self._answers.owners(lambda owner: actor_digest(owner) in found.digests))
                if found.earliest is not None:
                    self._forget_late_impressions(found.digests, found.earliest - LATE_MARGIN)
            self._forget_seq = found.last_seq
        return dropped

    def _forget_late_impressions(self, digests: frozenset[int], since: datetime) -> None:
        """Impressions this process served the shopper before they were forgotten elsewhere but
        stored after (they wait up to `serve.impression_flush_seconds` in its queue) are deleted
        too: what it has queued is stored, then the recent log is searched for them."""
        flush = getattr(self.impressions, "flush", None)
        if flush is not None:
            flush()
        users: set[str] = set()
        sessions: set[str] = set()
        for impression in self.impressions.iter_impressions(since=since):
            user, session = impression.user_id, impression.session_id
            if user is not None and actor_digest(f"user:{user}") in digests:
                users.add(user)
            elif user is None and session is not None and actor_digest(f"session:{session}") in digests:
                sessions.add(session)
        for user in users or {""}:  # "" is no shopper's id (ids are never empty)
            self.impressions.forget_user(user, sessions)

    def _drop_from_memory(self, actors: set[str], digests: set[int] | frozenset[int]) -> int:
        with self._profiles_lock:
            profiles = 0 if self._profiles is None else self._profiles.forget(actors)
        if self._ranking:
            forget_in_loaded_ranker(self._ranking, digests)
        return profiles

    def purge_expired(self, now: datetime | None = None) -> PurgeReport | None:
        """Retention (`privacy.retention_days`): delete events, impressions and exposures older
        than that; None when retention is off. Profiles that still hold a purged event are
        rebuilt from the log (in this thread, swapped in when ready)."""
        days = self.settings.privacy.retention_days
        if days is None:
            return None
        now = now or datetime.now(UTC)
        cutoff = now - timedelta(days=days)
        report = purge_before(self._shopper_data(), cutoff, now)
        with self._profiles_lock:
            oldest = None if self._profiles is None else self._profiles.oldest_time()
        if oldest is not None and oldest < cutoff.timestamp():
            with self._forget_lock:
                self.rebuild_profiles()
        return report
