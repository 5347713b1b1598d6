"""Profiles of many shoppers over one catalog: the personalization subsystem's entry point.

    profiles = build_profiles(store_events, products, vectors)      # a batch over the log
    profiles.update(new_events)                                     # real time, same result
    x = profiles.features("user:42", candidates)                    # (n, len(FEATURE_NAMES))
    profiles.reasons("user:42", product)                            # "you often buy Brand X"
    profiles.profile("user:42").summary()                           # for the API

Time: weights decay with the config's half-life towards a reference time. `Profiles.as_of` is
the build's `now` (default: the latest event), moved on by every update; `at=` asks for a
profile as it was at that time, from the shopper's events strictly before it (exact while their
kept window of `max_events` still reaches back that far), which is what training on logged
impressions needs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from shelfwise.personalize.aggregate import (
    Compact,
    EventRows,
    ProfileTable,
    compute_table,
    parse_events,
    windows,
)
from shelfwise.personalize.catalog import ProfileCatalog, VectorLookup
from shelfwise.personalize.config import ProfileConfig
from shelfwise.personalize.features import profile_features
from shelfwise.personalize.profile import UserProfile, decay_scale, make_profile, to_datetime
from shelfwise.personalize.reasons import Reason, profile_reasons
from shelfwise.personalize.storage import SavedProfiles, read_profiles, write_profiles
from shelfwise.records import Event, Product

Candidates = Sequence[Product | str]
CONSOLIDATE_AT = 10_000  # updated profiles kept beside the batch table before both are merged
Who = str | UserProfile


@dataclass(frozen=True, eq=False)
class _Base:
    """The batch part: actors, their windows (rows by actor, offsets) and profile table."""

    actors: tuple[str, ...]
    index: dict[str, int]
    rows: EventRows
    offsets: np.ndarray
    table: ProfileTable

    @classmethod
    def compute(
        cls,
        actors: Sequence[str],
        rows: EventRows,
        offsets: np.ndarray,
        catalog: ProfileCatalog,
        config: ProfileConfig,
    ) -> _Base:
        table = compute_table(rows, offsets, catalog, config)
        return cls(tuple(actors), {actor: i for i, actor in enumerate(actors)}, rows, offsets, table)


class Profiles:
    """Every known shopper's event window and profile. One writer (`update`) and many readers:
    an update replaces one shopper's profile at a time (a dictionary write) and the batch part
    as one object, so a reader sees a shopper's old profile or the new one, never a mix."""

    def __init__(
        self,
        catalog: ProfileCatalog,
        config: ProfileConfig,
        actors: Sequence[str],
        rows: EventRows,
        offsets: np.ndarray,
        as_of: float | None,
    ) -> None:
        if catalog.n_bands != config.price_bands:
            raise ValueError(
                f"the catalog has {catalog.n_bands} price bands, the config {config.price_bands}"
            )
        self.catalog = catalog
        self.config = config
        self.as_of = as_of
        self._base = _Base.compute(actors, rows, offsets, catalog, config)
        self._fresh: dict[str, tuple[EventRows, Compact]] = {}

    # ----- who is known ------------------------------------------------------------------------

    def __len__(self) -> int:
        base = self._base.index
        return len(base) + sum(1 for actor in list(self._fresh) if actor not in base)

    def __contains__(self, actor: object) -> bool:
        return actor in self._fresh or actor in self._base.index

    @property
    def actors(self) -> tuple[str, ...]:
        base = self._base
        return (*base.actors, *(a for a in list(self._fresh) if a not in base.index))

    @property
    def as_of_time(self) -> datetime | None:
        return to_datetime(self.as_of)

    def window(self, actor: str) -> EventRows | None:
        """The actor's kept events (time order), or None for an unknown actor."""
        fresh = self._fresh.get(actor)
        if fresh is not None:
            return fresh[0]
        base = self._base
        i = base.index.get(actor)
        return None if i is None else base.rows.take(np.arange(base.offsets[i], base.offsets[i + 1]))

    def _compact(self, actor: str) -> Compact | None:
        fresh = self._fresh.get(actor)
        if fresh is not None:
            return fresh[1]
        base = self._base
        i = base.index.get(actor)
        return None if i is None else base.table.row(i)

    # ----- keeping current ---------------------------------------------------------------------

    def update(self, events: Iterable[Event], now: datetime | None = None) -> tuple[str, ...]:
        """Fold new events in (each event once: pass what the event store accepted); returns the
        actors whose profiles changed. Equal, within float rounding, to rebuilding from all events."""
        names: dict[str, int] = {}
        new = parse_events(events, self.catalog, self.config, names)
        if len(new):
            latest = float(new.time.max())
            self.as_of = latest if self.as_of is None else max(self.as_of, latest)
        if now is not None:
            self.as_of = now.timestamp()
        if not len(new):
            return ()
        old = [self.window(name) for name in names]
        parts = [_relabel(w, j) for j, w in enumerate(old) if w is not None]
        rows, offsets = windows(EventRows.concat([*parts, new]), len(names), self.config.max_events)
        table = compute_table(rows, offsets, self.catalog, self.config)
        for j, name in enumerate(names):
            self._fresh[name] = (rows.take(np.arange(offsets[j], offsets[j + 1])), table.row(j))
        if len(self._fresh) >= max(CONSOLIDATE_AT, len(self._base.actors) // 2):
            self._consolidate()
        return tuple(names)

    def snapshot(self) -> tuple[list[str], EventRows, np.ndarray]:
        """Every actor's window as one array set (actors in order, rows by actor, offsets)."""
        actors = self.actors
        kept = [self.window(actor) for actor in actors]
        parts = [_relabel(w, j) for j, w in enumerate(kept) if w is not None]  # every known actor has one
        rows = EventRows.concat(parts)
        counts = np.array([len(p) for p in parts], dtype=np.int64)
        return list(actors), rows, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def forget(self, actors: Collection[str]) -> int:
        """Drop these shoppers' windows and profiles (a forgotten shopper is unknown afterwards);
        returns how many of them were known."""
        gone = {actor for actor in actors if actor in self}
        base = self._base
        dropped = sorted(base.index[actor] for actor in gone if actor in base.index)
        if dropped:
            keep = np.ones(len(base.actors), bool)
            keep[dropped] = False
            label = np.cumsum(keep) - 1
            rows = base.rows.take(np.flatnonzero(keep[base.rows.actor]))
            rows = EventRows(label[rows.actor], rows.product, rows.weight, rows.time)
            offsets = np.concatenate([[0], np.cumsum(np.diff(base.offsets)[keep])]).astype(np.int64)
            actors_kept = [actor for actor, kept in zip(base.actors, keep, strict=True) if kept]
            self._base = _Base.compute(actors_kept, rows, offsets, self.catalog, self.config)
        for actor in gone:
            self._fresh.pop(actor, None)
        return len(gone)

    def oldest_time(self) -> float | None:
        """Epoch seconds of the oldest event kept in any window (None when none is)."""
        times = [self._base.rows.time, *(rows.time for rows, _ in list(self._fresh.values()))]
        found = [float(t.min()) for t in times if len(t)]
        return min(found, default=None)

    def adopt(self, other: Profiles) -> None:
        """Take over the shoppers of another build over the same catalog (a rebuild after a
        retention purge), in place, so that whoever holds this object reads the new profiles."""
        if other.catalog is not self.catalog or other.config != self.config:
            raise ValueError("only profiles built over this catalog and config can be adopted")
        self._base, self._fresh, self.as_of = other._base, dict(other._fresh), other.as_of

    def _consolidate(self) -> None:
        actors, rows, offsets = self.snapshot()
        self._base = _Base.compute(actors, rows, offsets, self.catalog, self.config)
        self._fresh = {}  # a reader in between finds the same profiles in both

    # ----- reading -----------------------------------------------------------------------------

    def profile(self, actor: str, at: datetime | None = None) -> UserProfile:
        """The actor's profile (an empty one for an unknown actor) at `at` (default: `as_of`)."""
        compact, reference = self._resolve(actor, at)
        return make_profile(actor, compact, self.catalog, self.config, reference)

    def live(self, actor: str, events: Iterable[Event], now: datetime | None = None) -> UserProfile:
        """A profile from events read live (e.g. `EventStore.recent(actor, config.max_events)`)."""
        return profile_from_events(actor, events, self.catalog, self.config, now)

    def features(self, who: Who, products: Candidates, at: datetime | None = None) -> np.ndarray:
        """Features of the candidates for the shopper, shape (n, len(FEATURE_NAMES)); an unknown
        actor gets zeros with `profile_empty` set."""
        compact, reference = self._resolve(who, at)
        scale = 1.0 if compact is None or reference is None else decay_scale(compact, reference, self.config)
        located = self.catalog.locate(products)
        return profile_features(compact, located, self.catalog, self.config.smoothing, scale)

    def reasons(self, who: Who, product: Product | str, at: datetime | None = None) -> list[Reason]:
        """Why the product suits the shopper, strongest first; empty when the evidence is weak."""
        compact, reference = self._resolve(who, at)
        scale = 1.0 if compact is None or reference is None else decay_scale(compact, reference, self.config)
        located = self.catalog.locate([product])
        return profile_reasons(compact, located, self.catalog, self.config, scale)

    def _resolve(self, who: Who, at: datetime | None) -> tuple[Compact | None, float | None]:
        """The compact profile and its reference time for a request."""
        if isinstance(who, UserProfile):
            reference = at or who.as_of
            return who.compact, None if reference is None else reference.timestamp()
        compact = self._compact(who)
        if at is None:
            return compact, self.as_of
        moment = at.timestamp()
        if compact is None or compact.last_time < moment:
            return compact, moment
        window = self.window(who)
        assert window is not None
        earlier = window.take(np.flatnonzero(window.time < moment))
        if not len(earlier):
            return None, moment
        table = compute_table(_relabel(earlier, 0), np.array([0, len(earlier)]), self.catalog, self.config)
        return table.row(0), moment

    # ----- artifacts ---------------------------------------------------------------------------

    def save(self, folder: str | Path) -> None:
        """Write a folder (manifest.json, .json, .npy; no pickle), replacing any old one atomically."""
        actors, rows, offsets = self.snapshot()
        write_profiles(
            Path(folder), SavedProfiles(self.catalog, self.config, actors, rows, offsets, self.as_of)
        )

    @classmethod
    def load(cls, folder: str | Path) -> Profiles:
        saved = read_profiles(Path(folder))
        return cls(saved.catalog, saved.config, saved.actors, saved.rows, saved.offsets, saved.as_of)


def _relabel(rows: EventRows, actor: int) -> EventRows:
    return EventRows(np.full(len(rows), actor, np.int64), rows.product, rows.weight, rows.time)


def build_profiles(
    events: Iterable[Event],
    products: Sequence[Product] | ProfileCatalog,
    vectors: VectorLookup | None = None,
    config: ProfileConfig | None = None,
    now: datetime | None = None,
) -> Profiles:
    """Profiles of every actor in `events` over the catalog (events of unknown products and
    searches are ignored). `now` is the reference time of the decay (default: the latest event)."""
    config = config or ProfileConfig()
    if isinstance(products, ProfileCatalog):
        if vectors is not None:
            raise ValueError("pass item vectors when building the catalog, not with a built one")
        catalog = products
    else:
        catalog = ProfileCatalog.from_products(products, config, vectors)
    names: dict[str, int] = {}
    rows = parse_events(events, catalog, config, names)
    kept, offsets = windows(rows, len(names), config.max_events)
    as_of = now.timestamp() if now is not None else (float(rows.time.max()) if len(rows) else None)
    return Profiles(catalog, config, list(names), kept, offsets, as_of)


def profile_from_events(
    actor: str,
    events: Iterable[Event],
    catalog: ProfileCatalog,
    config: ProfileConfig | None = None,
    now: datetime | None = None,
) -> UserProfile:
    """One actor's profile from their events (others' events are skipped), as of `now`
    (default: their latest event)."""
    config = config or ProfileConfig()
    rows = parse_events((e for e in events if e.actor == actor), catalog, config, {actor: 0})
    kept, offsets = windows(rows, 1, config.max_events)
    compact = compute_table(kept, offsets, catalog, config).row(0) if len(kept) else None
    return make_profile(actor, compact, catalog, config, None if now is None else now.timestamp())
