"""Typed settings: one small config object per component, gathered in `Settings`.

Only the CLI (`shelfwise/cli/`) and `serve/app.py` build `Settings` from the environment (prefix SHELFWISE_,
nested fields with `__`, e.g. SHELFWISE_SEARCH__FUSION=weighted); components take their own part.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shelfwise.config.assistant import AssistantConfig
from shelfwise.config.reviews import ReviewRules
from shelfwise.config.search import (
    CatalogConfig,
    EncoderConfig,
    FusionConfig,
    IntentConfig,
    LexicalConfig,
    MatchFloorConfig,
    RerankConfig,
    UnderstandingConfig,
    VectorConfig,
)
from shelfwise.config.serving import (
    ExposureConfig,
    JobsConfig,
    PersonalizeConfig,
    PrivacyConfig,
    RankingConfig,
    RecommendServingConfig,
    ServeConfig,
)

__all__ = [
    "AssistantConfig",
    "CatalogConfig",
    "EncoderConfig",
    "FusionConfig",
    "IntentConfig",
    "JobsConfig",
    "LexicalConfig",
    "MatchFloorConfig",
    "PersonalizeConfig",
    "PrivacyConfig",
    "RankingConfig",
    "ExposureConfig",
    "RecommendServingConfig",
    "RerankConfig",
    "ReviewRules",
    "ServeConfig",
    "Settings",
    "UnderstandingConfig",
    "VectorConfig",
]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHELFWISE_", env_nested_delimiter="__")

    data_dir: Path = Path("shelfwise-data")
    database_url: str | None = Field(
        default=None,
        description="one database for every store (postgresql://USER@HOST/DB); a store's own URL "
        "below overrides it; default: SQLite files in data_dir",
    )
    store_url: str | None = Field(default=None, description="the catalog and its change feed; "
                                  "default: database_url, else SQLite data_dir/catalog.db")  # fmt: skip
    events_url: str | None = Field(default=None, description="default: database_url, else events.db")
    impressions_url: str | None = Field(
        default=None, description="default: database_url, else impressions.db"
    )
    exposures_url: str | None = Field(default=None, description="default: database_url, else experiments.db")
    embeddings_url: str | None = Field(default=None, description="default: database_url, else embeddings.db")
    answers_url: str | None = Field(default=None, description="default: database_url, else answers.db")
    keys_url: str | None = Field(default=None, description="default: database_url, else keys.db")
    forget_log_url: str | None = Field(
        default=None, description="forgotten shoppers; default: database_url, else privacy.db"
    )
    reviews_url: str | None = Field(default=None, description="shoppers' reviews; default: database_url, "
                                    "else reviews.db")  # fmt: skip
    descriptions_url: str | None = Field(
        default=None,
        description="generated product descriptions awaiting approval; default: database_url, "
        "else descriptions.db",
    )
    jobs_url: str | None = Field(
        default=None, description="the job queue `shelfwise worker` runs; default: database_url, else jobs.db"
    )
    artifact_root: Path | None = Field(
        default=None,
        description="a folder every node of a Ray cluster sees (shared storage), for the artifacts "
        "its jobs read and write (`shelfwise cluster up`, docs/scale.md); one machine needs none",
    )
    encoder: EncoderConfig = Field(default_factory=EncoderConfig)
    catalog: CatalogConfig = Field(default_factory=CatalogConfig)
    lexical: LexicalConfig = Field(default_factory=LexicalConfig)
    vector: VectorConfig = Field(default_factory=VectorConfig)
    fusion: FusionConfig = Field(default_factory=FusionConfig)
    rerank: RerankConfig = Field(default_factory=RerankConfig)
    understanding: UnderstandingConfig = Field(default_factory=UnderstandingConfig)
    serve: ServeConfig = Field(default_factory=ServeConfig)
    recommend: RecommendServingConfig = Field(default_factory=RecommendServingConfig)
    personalize: PersonalizeConfig = Field(default_factory=PersonalizeConfig)
    ranking: RankingConfig = Field(default_factory=RankingConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    jobs: JobsConfig = Field(default_factory=JobsConfig)
    reviews: ReviewRules = Field(default_factory=ReviewRules)
    assistant: AssistantConfig = Field(default_factory=AssistantConfig)

    def resolved_store_url(self) -> str:
        return self.store_url or self.database_url or f"sqlite:///{self.data_dir / 'catalog.db'}"

    @property
    def index_root(self) -> Path:
        return self.data_dir / "indexes"
