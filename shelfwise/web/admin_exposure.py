"""The admin console's coverage and diversity report: what the shop actually showed, read from
the impression log of the last `days`. Per surface (search, home feed, similar items, bought
together): how much of the catalog was ever shown (coverage), how concentrated the slots were
on the most shown products (the top 1%'s share of every slot), and how varied one answer was
(distinct categories and brands per answer, as a share of its items)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from markupsafe import Markup

from shelfwise.impressions import Impression
from shelfwise.records import Product
from shelfwise.serving import Serving
from shelfwise.web.plots import bar_chart

SURFACE_NAMES = {"search": "search", "recommend": "home feed", "similar": "similar items",
                 "bought_together": "bought together"}  # fmt: skip


@dataclass(frozen=True)
class SurfaceExposure:
    surface: str
    answers: int
    slots: int
    coverage: float  # distinct products shown / catalog size
    top_share: float  # share of the slots taken by the most shown 1% of the catalog
    category_diversity: float  # mean over answers of distinct categories / items
    brand_diversity: float


@dataclass(frozen=True)
class ExposureReport:
    days: int
    catalog_size: int
    surfaces: list[SurfaceExposure]
    charts: list[Markup] = field(default_factory=list)


def exposure(
    impressions: Iterable[Impression], products: Mapping[str, Product], catalog_size: int
) -> list[SurfaceExposure]:
    """Coverage, concentration and diversity per surface (in SURFACE_NAMES order)."""
    shown: dict[str, Counter[str]] = defaultdict(Counter)
    diversity: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for impression in impressions:
        ids = [item.product_id for item in impression.items]
        if not ids:
            continue
        shown[impression.surface].update(ids)
        known = [products[i] for i in ids if i in products]
        if known:
            categories = {p.category_path for p in known}
            brands = {p.brand for p in known if p.brand}
            diversity[impression.surface].append((len(categories) / len(known), len(brands) / len(known)))
    out = []
    top = max(1, catalog_size // 100)
    for surface in [s for s in SURFACE_NAMES if s in shown] + sorted(set(shown) - set(SURFACE_NAMES)):
        counts = shown[surface]
        slots = sum(counts.values())
        pairs = diversity[surface]
        out.append(SurfaceExposure(
            surface=surface, answers=len(pairs), slots=slots,
            coverage=len(counts) / max(1, catalog_size),
            top_share=sum(c for _, c in counts.most_common(top)) / max(1, slots),
            category_diversity=sum(c for c, _ in pairs) / max(1, len(pairs)),
            brand_diversity=sum(b for _, b in pairs) / max(1, len(pairs)),
        ))  # fmt: skip
    return out


def exposure_report(shelfwise: Serving, days: int = 30, now: datetime | None = None) -> ExposureReport | None:
    """The report over the last `days` of the impression log; None before any answer."""
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    recent = list(shelfwise.impressions.iter_impressions(since=since))
    if not recent:
        return None
    ids = list({item.product_id for impression in recent for item in impression.items})
    products = shelfwise.store.get_many(ids)
    size = shelfwise.store.count()
    surfaces = exposure(recent, products, size)
    names = [SURFACE_NAMES.get(s.surface, s.surface) for s in surfaces]
    charts = [
        bar_chart(
            "Share of the catalog ever shown", list(zip(names, [s.coverage for s in surfaces], strict=True))
        ),
        bar_chart(
            "Share of all slots taken by the most shown 1% of products",
            list(zip(names, [s.top_share for s in surfaces], strict=True)),
        ),
        bar_chart(
            "Distinct categories per answer, as a share of its items",
            list(zip(names, [s.category_diversity for s in surfaces], strict=True)),
        ),
    ]
    return ExposureReport(days=days, catalog_size=size, surfaces=surfaces, charts=charts)
