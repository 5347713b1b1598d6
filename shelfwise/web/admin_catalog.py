"""What the admin console's overview shows: catalog health (counts, the last ingestion's rejected
rows, attribute coverage) and the versions of the index and the models, read from the store,
the event log and the artifact folders."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.catalog import IngestReport
from shelfwise.index import IndexVersions
from shelfwise.records import Product
from shelfwise.serving import Health, Serving

CORE_FIELDS = ("brand", "category", "price", "description", "rating", "stock", "image_url")
MAX_ATTRIBUTES = 20


class Coverage(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(description="a product field or attr:<name>")
    present: int
    share: float


class CatalogHealth(BaseModel):
    model_config = ConfigDict(frozen=True)

    health: Health
    events_by_type: dict[str, int]
    events_total: int
    shoppers: int
    last_ingest: IngestReport | None
    fields: list[Coverage]
    attributes: list[Coverage] = Field(description="the most common attributes, most covered first")


class ArtifactVersion(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str = Field(description="index, recommender or ranker")
    version: str
    current: bool
    details: dict[str, Any] = Field(default_factory=dict, description="from the version's manifest")


def _has(product: Product, name: str) -> bool:
    value = getattr(product, name)
    return value is not None and value != "" and value != ()


def coverage(products: Iterable[Product]) -> tuple[list[Coverage], list[Coverage]]:
    """How many products have each core field and each attribute, and what share."""
    fields: Counter[str] = Counter()
    attributes: Counter[str] = Counter()
    total = 0
    for product in products:
        total += 1
        fields.update(name for name in CORE_FIELDS if _has(product, name))
        attributes.update({name.lower() for name, value in product.attributes.items() if value})
    share = (lambda n: round(n / total, 4)) if total else (lambda n: 0.0)
    core = [Coverage(name=name, present=fields[name], share=share(fields[name])) for name in CORE_FIELDS]
    common = [
        Coverage(name=f"attr:{name}", present=count, share=share(count))
        for name, count in sorted(attributes.items(), key=lambda item: (-item[1], item[0]))[:MAX_ATTRIBUTES]
    ]
    return core, common


def catalog_health(shelfwise: Serving) -> CatalogHealth:
    stats = shelfwise.events.stats()
    fields, attributes = coverage(shelfwise.store.iter_products())
    return CatalogHealth(
        health=shelfwise.health(),
        events_by_type=dict(sorted(stats.by_type.items())),
        events_total=stats.total,
        shoppers=stats.actors,
        last_ingest=shelfwise.last_ingest_report(),
        fields=fields,
        attributes=attributes,
    )


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        loaded = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _index_details(manifest: dict[str, Any]) -> dict[str, Any]:
    keys = ("created_at", "product_count", "encoder", "build_seconds")
    return {key: manifest[key] for key in keys if key in manifest}


def _recommender_details(manifest: dict[str, Any]) -> dict[str, Any]:
    fit = manifest.get("fit", {})
    ndcg = fit.get("validation_ndcg") or {}
    return {
        "events": manifest.get("events"), "products": manifest.get("products"),
        "channels": ", ".join(fit.get("channels") or []) or None, "fused_by": fit.get("fused_by"),
        "held-out NDCG@10": ", ".join(f"{name} {value:.3f}" for name, value in ndcg.items()) or None,
    }  # fmt: skip


def _versions(kind: str, registry: IndexVersions, details: Any) -> list[ArtifactVersion]:
    try:
        current = registry.current()
    except FileNotFoundError:
        current = None
    current_version = None if current is None else current[0]
    return [
        ArtifactVersion(kind=kind, version=version, current=version == current_version,
                        details=details(_manifest(registry.path_of(version))))
        for version in reversed(registry.versions())
    ]  # fmt: skip


def artifact_versions(data_dir: Path, index_root: Path) -> list[ArtifactVersion]:
    """Every version of the index, the recommender and the ranking model, newest first."""
    from shelfwise.rank import ranker_registry
    from shelfwise.recommend.live import recommender_registry

    return [
        *_versions("index", IndexVersions(index_root), _index_details),
        *_versions("recommender", recommender_registry(data_dir), _recommender_details),
        *_versions("ranker", ranker_registry(data_dir), lambda manifest: {}),
    ]
