"""In-memory ExposureLog for tests and throwaway runs: the SQLite contract, nothing on disk."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from shelfwise.experiments.exposure import Exposure, RecordOutcome


class MemoryExposureLog:
    def __init__(self) -> None:
        self._by_experiment: dict[str, list[Exposure]] = {}
        self._keys: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def record(self, exposures: Sequence[Exposure]) -> list[RecordOutcome]:
        outcomes: list[RecordOutcome] = []
        with self._lock:
            for exposure in exposures:
                key = (exposure.experiment, exposure.request_id)
                if key in self._keys:
                    outcomes.append(RecordOutcome.DUPLICATE)
                    continue
                self._keys.add(key)
                self._by_experiment.setdefault(exposure.experiment, []).append(exposure)
                outcomes.append(RecordOutcome.RECORDED)
        return outcomes

    def exposures(self, experiment: str) -> list[Exposure]:
        with self._lock:
            stored = list(self._by_experiment.get(experiment, []))
        return sorted(stored, key=lambda exposure: exposure.timestamp)  # stable: ties keep their order

    def count(self, experiment: str | None = None) -> int:
        with self._lock:
            if experiment is not None:
                return len(self._by_experiment.get(experiment, []))
            return len(self._keys)

    def experiments(self) -> list[str]:
        with self._lock:
            return sorted(self._by_experiment)

    def forget_user(self, user_id: str, session_ids: Collection[str] = ()) -> int:
        units = {user_id, *session_ids}
        return self._delete(lambda exposure: exposure.unit_id in units)

    def purge_before(self, cutoff: datetime) -> int:
        return self._delete(lambda exposure: exposure.timestamp < cutoff)

    def _delete(self, doomed: Callable[[Exposure], bool]) -> int:
        deleted = 0
        with self._lock:
            for name in list(self._by_experiment):
                kept = []
                for exposure in self._by_experiment[name]:
                    if doomed(exposure):
                        self._keys.discard((name, exposure.request_id))
                        deleted += 1
                    else:
                        kept.append(exposure)
                if kept:
                    self._by_experiment[name] = kept
                else:
                    del self._by_experiment[name]
        return deleted

    def close(self) -> None:
        """Nothing to release; the exposures stay readable."""
