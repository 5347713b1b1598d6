"""`ShopData`: every store of one shop, opened from its settings, one URL per store.

By default each store is a SQLite file in the data folder, the same files as always (catalog.db,
events.db, impressions.db, experiments.db, embeddings.db, answers.db, keys.db, privacy.db, jobs.db,
reviews.db, descriptions.db).
`SHELFWISE_DATABASE_URL=postgresql://...` puts every store in one PostgreSQL database, and a
store's own setting (`SHELFWISE_STORE_URL`, `SHELFWISE_EVENTS_URL`, ...) overrides it. Stores on
the same PostgreSQL database share one connection pool. Each store is opened on first use, so a
command that never reads one creates nothing for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from types import TracebackType
from typing import Protocol, TypeVar

from shelfwise.config import Settings
from shelfwise.describe.store import DRAFTS_FILE, DraftStore, open_draft_store
from shelfwise.events import EVENTS_FILE, EventStore, open_event_store
from shelfwise.experiments import ExposureLog, open_exposure_log
from shelfwise.experiments.exposure_sqlite import EXPOSURES_FILE
from shelfwise.impressions import IMPRESSIONS_FILE, ImpressionLog, open_impression_log
from shelfwise.jobs import JOBS_FILE, JobQueue, open_job_queue
from shelfwise.keys import KEYS_FILE, KeyStore, open_key_store
from shelfwise.privacy.forget_log import FORGET_LOG_FILE, ForgetLogStore, open_forget_log
from shelfwise.recommend.shared_answers import FILE_NAME as ANSWERS_FILE
from shelfwise.recommend.shared_answers import AnswerStore, open_shared_answers
from shelfwise.reviews import REVIEWS_FILE, ReviewStore, open_review_store
from shelfwise.storage.postgres import Databases
from shelfwise.storage.urls import parse_url
from shelfwise.store import EmbeddingCache, Store, open_embedding_cache, open_store

CATALOG_FILE = "catalog.db"
EMBEDDINGS_FILE = "embeddings.db"


class _Closable(Protocol):
    def close(self) -> None: ...


_T = TypeVar("_T", bound=_Closable)


@dataclass(frozen=True)
class ShopUrls:
    """One URL per store, each checked (`ValueError` naming the setting of a bad one)."""

    store: str
    events: str
    impressions: str
    exposures: str
    embeddings: str
    answers: str
    keys: str
    forget_log: str
    jobs: str
    reviews: str
    descriptions: str

    @classmethod
    def from_settings(cls, settings: Settings) -> ShopUrls:
        folder, shared = settings.data_dir, settings.database_url
        chosen: dict[str, str] = {}
        for name, own, file_name in (
            ("store", settings.store_url, CATALOG_FILE),
            ("events", settings.events_url, EVENTS_FILE),
            ("impressions", settings.impressions_url, IMPRESSIONS_FILE),
            ("exposures", settings.exposures_url, EXPOSURES_FILE),
            ("embeddings", settings.embeddings_url, EMBEDDINGS_FILE),
            ("answers", settings.answers_url, ANSWERS_FILE),
            ("keys", settings.keys_url, KEYS_FILE),
            ("forget_log", settings.forget_log_url, FORGET_LOG_FILE),
            ("jobs", settings.jobs_url, JOBS_FILE),
            ("reviews", settings.reviews_url, REVIEWS_FILE),
            ("descriptions", settings.descriptions_url, DRAFTS_FILE),
        ):
            url = own or shared or f"sqlite:///{folder / file_name}"
            setting = f"SHELFWISE_{name.upper()}_URL" if own else "SHELFWISE_DATABASE_URL"
            parse_url(url, f"{name} store", setting)  # refused here, naming the setting
            chosen[name] = url
        return cls(**chosen)

    def uses_postgresql(self) -> bool:
        return any(parse_url(url).scheme == "postgresql" for url in vars(self).values())


class ShopData:
    """The stores of one shop; `close` closes those opened and the shared connection pools."""

    def __init__(self, urls: ShopUrls) -> None:
        self.urls = urls
        self._databases = Databases()
        self._opened: list[_Closable] = []

    @classmethod
    def open(cls, settings: Settings) -> ShopData:
        return cls(ShopUrls.from_settings(settings))

    def _keep(self, opened: _T) -> _T:
        self._opened.append(opened)
        return opened

    @cached_property
    def store(self) -> Store:
        """The catalog and its change feed."""
        return self._keep(open_store(self.urls.store, self._databases))

    @cached_property
    def embeddings(self) -> EmbeddingCache:
        return self._keep(open_embedding_cache(self.urls.embeddings, self._databases))

    @cached_property
    def events(self) -> EventStore:
        return self._keep(open_event_store(self.urls.events, self._databases))

    @cached_property
    def impressions(self) -> ImpressionLog:
        return self._keep(open_impression_log(self.urls.impressions, self._databases))

    @cached_property
    def exposures(self) -> ExposureLog:
        return self._keep(open_exposure_log(self.urls.exposures, self._databases))

    @cached_property
    def keys(self) -> KeyStore:
        return self._keep(open_key_store(self.urls.keys, self._databases))

    @cached_property
    def forget_log(self) -> ForgetLogStore:
        """Forgotten shoppers, for every server process to drop from memory."""
        return self._keep(open_forget_log(self.urls.forget_log, self._databases))

    @cached_property
    def jobs(self) -> JobQueue:
        """Training jobs queued by the CLI and the admin console, run by `shelfwise worker`."""
        return self._keep(open_job_queue(self.urls.jobs, self._databases))

    @cached_property
    def reviews(self) -> ReviewStore:
        """Shoppers' reviews (`shelfwise.reviews`)."""
        return self._keep(open_review_store(self.urls.reviews, self._databases))

    @cached_property
    def descriptions(self) -> DraftStore:
        """Generated product descriptions awaiting the admin (`shelfwise.describe`)."""
        return self._keep(open_draft_store(self.urls.descriptions, self._databases))

    def answers(self, ttl_seconds: float) -> AnswerStore | None:
        """The recommendation answers shared by the server's processes (None for memory://)."""
        found = open_shared_answers(self.urls.answers, ttl_seconds, self._databases)
        return None if found is None else self._keep(found)

    def close(self) -> None:
        for opened in reversed(self._opened):
            opened.close()
        self._opened.clear()
        self._databases.close()

    def __enter__(self) -> ShopData:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
