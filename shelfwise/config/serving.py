"""Settings of serving, recommendations, ranking, privacy and the job queue (re-exported by
`shelfwise.config`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class ServeConfig(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    api_key: str | None = Field(
        default=None,
        description="the master key: every action, and it manages the stored API keys "
        "(`shelfwise keys`); with no key at all, writes are refused",
    )
    api_keys_previous: list[str] = Field(
        default_factory=list,
        description="master keys still accepted while a rotation is under way (JSON list)",
    )
    public_search: bool = Field(
        default=True,
        description="search, suggest, products, recommendations and profiles answer without a key; "
        "false: they need a key with the search action",
    )
    public_events: bool = Field(
        default=True, description="POST /events takes events without a key; false: it needs the events action"
    )
    public_reviews: bool = Field(
        default=False,
        description="POST /reviews takes reviews without a key (the storefront's review form; "
        "`shelfwise demo` serves with it on); false: it needs the reviews action",
    )
    rate_limit_per_key: float = Field(
        default=0.0, ge=0, description="requests a second each key may make (per worker process); 0 = off"
    )
    rate_limit_per_address: float = Field(
        default=0.0,
        ge=0,
        description="requests a second each client address may make (per worker process); 0 = off",
    )
    rate_limit_burst: int = Field(default=20, ge=1, description="requests a rate limit lets through at once")
    cors_origins: list[str] = Field(
        default_factory=list,
        description="browser origins (https://shop.example) allowed to call the API; empty = none",
    )
    max_body_bytes: int = 10 * 1024 * 1024
    catch_up_seconds: float = Field(
        default=1.0, gt=0, description="how often the server applies catalog changes made by other processes"
    )
    product_read_cache: int = Field(
        default=20_000,
        ge=0,
        description="products kept in memory per process for reads (a feed reads about 150, each "
        "from SQLite costs a JSON validation); dropped when the catalog changes them; 0 = off",
    )
    request_threads: int = Field(
        default=1,
        ge=1,
        description="requests a server process computes at once (FastAPI runs the rest of them "
        "queued): searches and recommendations are CPU-bound Python, so more threads only "
        "contend for the GIL (8 clients on 2 workers: see docs/benchmarks.md); scale with --workers",
    )
    impression_flush_seconds: float = Field(
        default=0.2,
        ge=0,
        description="impressions are stored in batches this often, off the request path; 0 stores "
        "each answer's before it returns",
    )
    storefront_language: Literal["auto", "en", "zh"] = Field(
        default="auto",
        description="language of the storefront's own labels; auto: the catalog's (Chinese titles: zh)",
    )


class ExposureConfig(BaseModel):
    """The exposure policy of recommendation lists (`shelfwise.recommend.exposure`): bounds on the
    places the most popular products take and places kept for the long tail and new products."""

    enabled: bool = False
    head_fraction: float = Field(
        default=0.01, gt=0, le=1, description="the head: this most popular share of the catalog (by events)"
    )
    head_cap: float = Field(default=0.3, ge=0, le=1, description="most share of a list's places for the head")
    tail_start: float = Field(
        default=0.2, gt=0, le=1, description="the long tail: items outside this most popular share"
    )
    tail_quota: float = Field(default=0.3, ge=0, le=1, description="least share of a list for the long tail")
    new_item_slots: int = Field(default=1, ge=0, description="least places for products without events")
    explore_share: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="last share of a list's places drawn at random, seeded per shopper, from deeper ones",
    )
    explore_without_history: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="share of the places exploring in a list for a shopper without history",
    )
    depth: int = Field(
        default=10, ge=1, le=50, description="candidates considered: this many times the list's length"
    )
    max_top_share: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="exposure budget: most share of recent lists' places on the most shown head_fraction "
        "of the catalog, each product at most its even part (recommend/exposure_ledger.py); 1 = off",
    )
    budget_half_life: int = Field(default=5000, ge=1, description="lists after which a list counts half")
    budget_warmup: int = Field(default=200, ge=0, description="lists counted before the budget binds")


class RecommendServingConfig(BaseModel):
    """How recommendations are served (the models come from `shelfwise train recommender`)."""

    history_events: int = Field(default=50, ge=1, description="latest events of a shopper that count")
    category_cap: int = Field(
        default=3, ge=1, description="most items of one category in a list, unless fewer would leave it short"
    )
    mmr_lambda: float = Field(
        default=0.9,
        ge=0,
        le=1,
        description="maximal marginal relevance over title vectors before the category cap; 1 = off",
    )
    in_stock_only: bool = True
    exposure: ExposureConfig = Field(default_factory=ExposureConfig)
    answer_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="a served recommendation answer is reused for the same request until the "
        "shopper's next event or for this long (catalog and trend changes wait at most this); 0 = off",
    )
    answer_cache_entries: int = Field(default=100_000, ge=0, description="answers kept per server process")
    shared_answer_cache: bool = Field(
        default=True,
        description="the server's worker processes share their answers through answers.db in the "
        "data folder (a worker reads one another computed instead of computing it again)",
    )


class PersonalizeConfig(BaseModel):
    """Personal re-ordering of a signed-in shopper's (or a known session's) search results."""

    enabled: bool = True
    depth: int = Field(default=50, ge=2, le=100, description="first places of a result list re-ordered")
    boost_weight: float = Field(
        default=0.3, ge=0, le=5, description="profile boost: relevance (0-1) + weight * fit (-1..1)"
    )
    half_life_days: float = Field(default=30.0, gt=0, description="how fast old events stop counting")


class RankingConfig(BaseModel):
    """The final ranking stage (a trained CTR/CVR model, `shelfwise train ranker`):
    final = relevance^a * p^b * price^c over the first `personalize.depth` places."""

    enabled: bool = True
    objective: Literal["relevance", "ctr", "conversion", "revenue"] = Field(
        default="conversion",
        description="p = pCTR (ctr) or pCTR x pCVR (conversion, revenue); revenue multiplies by the price",
    )
    relevance_exponent: float = Field(default=1.0, ge=0, description="a")
    probability_exponent: float = Field(default=1.0, ge=0, description="b")
    value_exponent: float = Field(default=1.0, ge=0, description="c (revenue only)")


class PrivacyConfig(BaseModel):
    """Shoppers' data: retention and pseudonymous ids (forgetting needs no setting)."""

    retention_days: int | None = Field(
        default=None,
        ge=1,
        description="events, impressions and exposures older than this are purged (`shelfwise "
        "shoppers purge`, and by the server every purge_every_seconds); None = kept",
    )
    purge_every_seconds: float = Field(default=3600.0, gt=0, description="the server's purge interval")
    pseudonymize_key: SecretStr | None = Field(
        default=None,
        description="when set, user and session ids are replaced by HMAC-SHA256(key, id) as they "
        "come in, so raw ids never reach the data folder (changing it makes every shopper new)",
    )


class JobsConfig(BaseModel):
    """The job queue: how long finished jobs (done, failed, cancelled) and their logs are kept."""

    keep_finished_days: int | None = Field(
        default=30,
        ge=1,
        description="finished jobs older than this are deleted with their logs (by the worker, at "
        "most hourly, and `shelfwise jobs prune`); None = kept",
    )
