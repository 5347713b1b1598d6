"""Jobs started from the admin console: a full index rebuild, or retraining the recommender on
every stored event, in a background thread with its progress; or serving another kept index,
recommender or ranking-model version (publish, then load it: an atomic swap). One job at a
time per server (they share its cores); the state lives in the `AdminJobs` its router holds."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace

from shelfwise.index import IndexVersions
from shelfwise.service import Shelfwise

logger = logging.getLogger("shelfwise.web")


@dataclass(frozen=True)
class JobState:
    kind: str
    started: float
    stage: str = "starting"
    done: int = 0
    total: int = 0
    finished: float | None = None
    outcome: str = ""
    error: str = ""

    @property
    def running(self) -> bool:
        return self.finished is None

    @property
    def seconds(self) -> float:
        return round((self.finished or time.time()) - self.started, 1)


DEFAULT_CHANNELS = "cooccurrence,sequential,popularity"  # as `shelfwise train recommender`


class AdminJobs:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: JobState | None = None

    def state(self) -> JobState | None:
        with self._lock:
            return self._state

    def _update(self, **changes: object) -> None:
        with self._lock:
            if self._state is not None:
                self._state = replace(self._state, **changes)  # type: ignore[arg-type]

    def _claim(self, kind: str) -> bool:
        with self._lock:
            if self._state is not None and self._state.running:
                return False
            self._state = JobState(kind=kind, started=time.time())
            return True

    def start_rebuild(self, shelfwise: Shelfwise) -> bool:
        """Build a new version from the whole catalog and serve it; False when a job runs."""
        if not self._claim("rebuild"):
            return False

        def progress(stage: str, done: int, total: int) -> None:
            self._update(stage=stage, done=done, total=total)

        def run() -> None:
            try:
                manifest = shelfwise.rebuild_index(progress)
            except Exception as error:  # the old version keeps serving; say why
                logger.exception("rebuilding the index failed")
                self._update(finished=time.time(), error=f"{type(error).__name__}: {error}")
                return
            self._update(finished=time.time(), outcome=f"serving {manifest.version} "
                         f"({manifest.product_count} products, built in {manifest.build_seconds:.1f} s)")

        threading.Thread(target=run, name="admin-index-rebuild", daemon=True).start()
        return True

    def start_retrain(self, shelfwise: Shelfwise, channels: str) -> bool:
        """Fit the recommender on every stored event with `channels` (comma-separated), publish
        it and serve it from this process at once; False when a job runs."""
        from shelfwise.recommend import recommender_config

        try:
            config = recommender_config(channels or DEFAULT_CHANNELS)
        except ValueError as error:  # an unknown channel
            if self._claim("retrain"):
                self._update(finished=time.time(), error=str(error))
            return False
        if not self._claim("retrain"):
            return False

        def progress(line: str) -> None:
            self._update(stage=line)

        def run() -> None:
            try:
                version, report = shelfwise.train_recommender(config, log=progress)
            except Exception as error:  # the previous recommender keeps serving
                logger.exception("retraining the recommender failed")
                self._update(finished=time.time(), error=f"{type(error).__name__}: {error}")
                return
            self._update(finished=time.time(), outcome=f"serving recommender {version} "
                         f"({', '.join(report.channels)} fused by {report.fused_by})")

        threading.Thread(target=run, name="admin-recommender-retrain", daemon=True).start()
        return True

    def serve_version(self, shelfwise: Shelfwise, version: str) -> bool:
        """Publish a kept version and load it at once (searches switch atomically)."""
        if not self._claim("swap"):
            return False
        try:
            IndexVersions(shelfwise.settings.index_root).publish(version)
            shelfwise.catch_up()
        except (OSError, ValueError) as error:
            self._update(finished=time.time(), error=str(error))
            return True
        self._update(finished=time.time(), outcome=f"serving {shelfwise.engine.version}")
        return True

    def serve_model(self, shelfwise: Shelfwise, kind: str, version: str) -> bool:
        """Publish a kept recommender or ranking-model version and serve it from this process."""
        if not self._claim("swap"):
            return False
        try:
            shelfwise.serve_model_version(kind, version)
        except (OSError, ValueError, LookupError) as error:  # LookupError: a version it cannot read
            self._update(finished=time.time(), error=str(error))
            return True
        self._update(finished=time.time(), outcome=f"serving {kind} {version}")
        return True
