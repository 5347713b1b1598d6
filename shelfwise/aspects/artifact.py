"""Every product's review summary, precomputed into a versioned artifact folder.

    <data>/models/review-summaries/
      CURRENT
      versions/<version>/manifest.json   format, counts, config, the aspects' digest, file digests
      versions/<version>/summaries.jsonl one `ReviewSummary` a line, by product id
      versions/<version>/review-features.json  the products' review features (`features.py`)

Why a versioned folder and not a store table: summaries derive from three inputs (the reviews,
the accepted aspects, the sentiment model) and are recomputed whole, in batch, like the query
understanding and the models; a folder published atomically (`IndexVersions`, as every other
artifact) never shows half a recomputation, keeps the previous version to go back to, needs no
schema migration in either database, and servers read it once per publish. A product's summary is
small (a few statements and review ids), so one JSON-lines file holds a shop's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from shelfwise.artifact_files import check_digests, folder_digests
from shelfwise.aspects.features import (
    ReviewFeatureConfig,
    ReviewFeatureSet,
    review_features,
    review_text_stars,
)
from shelfwise.aspects.mentions import AspectMatcher, find_mentions
from shelfwise.aspects.records import AspectMention, AspectReview, ReviewSummary
from shelfwise.aspects.review import Aspect
from shelfwise.aspects.sentiment import SentenceSentiment
from shelfwise.aspects.summary import SummaryConfig, summary_from_mentions
from shelfwise.index.artifacts import IndexVersions, utc_now_iso

SUMMARIES_FORMAT = "shelfwise-review-summaries/1"
SUMMARIES_FILE = "summaries.jsonl"
FEATURES_FILE = "review-features.json"
MANIFEST_FILE = "manifest.json"


class SummariesManifest(BaseModel):
    model_config = ConfigDict(frozen=True)

    format: str = SUMMARIES_FORMAT
    version: str
    created_at: str
    products: int
    reviews: int
    mentions: int
    aspects: int
    aspects_digest: str
    sentiment: str
    config: dict[str, Any]
    files: dict[str, str]


def summaries_root(data_dir: Path) -> Path:
    """Where a data folder keeps its review summaries."""
    return data_dir / "models" / "review-summaries"


def summarize_all(
    reviews: Iterable[AspectReview],
    aspects: Sequence[Aspect],
    sentiment: SentenceSentiment,
    config: SummaryConfig | None = None,
) -> tuple[list[ReviewSummary], int]:
    """The summary of every product with reviews, by product id, and how many mentions were read;
    one sentiment pass over all clauses."""
    summaries, mentions, _ = _summarize(reviews, aspects, sentiment, config or SummaryConfig())
    return summaries, len(mentions)


def summarize_with_features(
    reviews: Iterable[AspectReview],
    aspects: Sequence[Aspect],
    sentiment: SentenceSentiment,
    config: SummaryConfig | None = None,
    features: ReviewFeatureConfig | None = None,
) -> tuple[list[ReviewSummary], int, ReviewFeatureSet]:
    """`summarize_all` and every product's review features (`aspects.features`), from the same
    mentions; the whole texts get one more sentiment pass for the sentiment-weighted rating."""
    summaries, mentions, kept = _summarize(reviews, aspects, sentiment, config or SummaryConfig())
    stars = review_text_stars(kept, sentiment)
    found = review_features(kept, mentions, stars, aspects, features)
    return summaries, len(mentions), found


def _summarize(
    reviews: Iterable[AspectReview],
    aspects: Sequence[Aspect],
    sentiment: SentenceSentiment,
    config: SummaryConfig,
) -> tuple[list[ReviewSummary], list[AspectMention], list[AspectReview]]:
    by_product: dict[str, list[AspectReview]] = {}
    for review in reviews:
        if not review.flagged:
            by_product.setdefault(review.product_id, []).append(review)
    kept = [review for product in sorted(by_product) for review in by_product[product]]
    mentions = find_mentions(kept, AspectMatcher(aspects), sentiment, rating_backoff=config.rating_backoff)
    grouped: dict[str, list[AspectMention]] = {}
    for mention in mentions:
        grouped.setdefault(mention.product_id, []).append(mention)
    summaries = [
        summary_from_mentions(product, by_product[product], grouped.get(product, []), config)
        for product in sorted(by_product)
    ]
    return summaries, mentions, kept


def aspects_digest(aspects: Sequence[Aspect]) -> str:
    """A digest of the accepted aspects, so a manifest says which ones a version was built with."""
    text = json.dumps([[a.category, a.name, list(a.terms), a.language] for a in aspects], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_summaries(
    root: Path,
    summaries: Sequence[ReviewSummary],
    aspects: Sequence[Aspect],
    sentiment_name: str,
    config: SummaryConfig,
    mentions: int,
    features: ReviewFeatureSet | None = None,
) -> str:
    """Write a new version of the summaries (and the review features, when given) and publish
    it; returns the version."""
    versions = IndexVersions(root)
    version, folder = versions.new_version()
    with (folder / SUMMARIES_FILE).open("w", encoding="utf-8") as handle:
        for summary in summaries:
            handle.write(summary.model_dump_json() + "\n")
    if features is not None:
        (folder / FEATURES_FILE).write_text(features.model_dump_json() + "\n", encoding="utf-8")
    manifest = SummariesManifest(
        version=version,
        created_at=utc_now_iso(),
        products=len(summaries),
        reviews=sum(summary.reviews for summary in summaries),
        mentions=mentions,
        aspects=len(aspects),
        aspects_digest=aspects_digest(aspects),
        sentiment=sentiment_name,
        config=config.model_dump(),
        files=folder_digests(folder, skip=(MANIFEST_FILE,)),
    )
    (folder / MANIFEST_FILE).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    versions.publish(version)
    return version


def read_manifest(root: Path) -> SummariesManifest | None:
    """The published version's manifest, or None before the first publish."""
    current = IndexVersions(root).current()
    if current is None:
        return None
    manifest = SummariesManifest.model_validate_json((current[1] / MANIFEST_FILE).read_text(encoding="utf-8"))
    if manifest.format != SUMMARIES_FORMAT:
        raise ValueError(
            f"{current[1]}: format {manifest.format!r}, this Shelfwise reads {SUMMARIES_FORMAT!r}"
        )
    return manifest


def load_summaries(root: Path) -> dict[str, ReviewSummary]:
    """The published summaries by product id (empty before the first publish); files checked
    against the manifest's digests."""
    current = IndexVersions(root).current()
    manifest = read_manifest(root)
    if current is None or manifest is None:
        return {}
    check_digests(current[1], manifest.files)
    out = {}
    path = current[1] / SUMMARIES_FILE
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                summary = ReviewSummary.model_validate_json(line)
            except ValueError as error:
                raise ValueError(f"{path}:{number}: not a review summary: {error}") from error
            out[summary.product_id] = summary
    return out


def load_features(root: Path) -> ReviewFeatureSet | None:
    """The published version's review features (None before the first publish, or for a version
    written without them); files checked against the manifest's digests."""
    current = IndexVersions(root).current()
    manifest = read_manifest(root)
    if current is None or manifest is None or FEATURES_FILE not in manifest.files:
        return None
    check_digests(current[1], manifest.files)
    path = current[1] / FEATURES_FILE
    try:
        return ReviewFeatureSet.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{path}: not review features: {error}") from error
