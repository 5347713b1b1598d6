"""Building the product graph from a shop's catalog and events, and publishing it as a version
under `models/graph/` (a version folder, then the `CURRENT` pointer: the index's scheme), as
`shelfwise graph build` and the worker's `build-graph` job do. Serving processes load the new
version at their next catch-up (`PublishedGraph`)."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from shelfwise.events import EventStore
from shelfwise.graph.aspect_input import published_praise
from shelfwise.graph.entities import build_entities
from shelfwise.graph.graph import ProductGraph
from shelfwise.graph.links import learn_links
from shelfwise.graph.strings import Positions, StringTable
from shelfwise.graph.types import LINK_KINDS, AspectPraise, GraphBuildConfig
from shelfwise.index import IndexVersions
from shelfwise.records import Event, Product
from shelfwise.store import Store

Log = Callable[[str], None]


def graph_registry(data_dir: Path) -> IndexVersions:
    """Versioned graph folders with an atomic CURRENT pointer (the same mechanism as indexes)."""
    return IndexVersions(data_dir / "models" / "graph")


@dataclass(frozen=True)
class GraphBuildReport:
    version: str
    products: int
    entities: int
    links: dict[str, int]  # learned links by kind (each pair once)
    seconds: float
    graph_bytes: int
    peak_rss_mb: float


def build_graph(
    products: Sequence[Product],
    events: Iterable[Event],
    config: GraphBuildConfig | None = None,
    aspects: Sequence[AspectPraise] = (),
    version: str = "",
    facts: Mapping[str, object] | None = None,
) -> ProductGraph:
    """The graph of `products` with links learned from `events` (see links.py, entities.py)."""
    config = config or GraphBuildConfig()
    ids = StringTable.sorted_of([p.product_id for p in products])
    positions = Positions(ids)
    entities = build_entities(products, positions, config, aspects)
    links = learn_links(events, positions, config)
    return ProductGraph(
        version, ids, entities, links, {"config": config.model_dump(mode="json"), **(facts or {})}
    )


def build_and_publish(
    store: Store,
    events: EventStore,
    data_dir: Path,
    config: GraphBuildConfig | None = None,
    aspects: Sequence[AspectPraise] | None = None,
    log: Log | None = None,
) -> GraphBuildReport:
    """Build the shop's graph from its catalog and every stored event, save it as a new version
    and publish it. Praised-for edges come from `aspects`, else (None) from the data folder's
    published review summaries, when there are some."""
    started = time.perf_counter()
    products = list(store.iter_products())
    summaries = None
    if aspects is None:
        aspects, summaries = published_praise(data_dir)
    registry = graph_registry(data_dir)
    version, path = registry.new_version()
    facts = {"store_seq": store.last_seq(), "events_seq": events.last_seq(), "aspects": len(aspects),
             "review_summaries": summaries}  # fmt: skip
    graph = build_graph(
        products, (stored.event for stored in events.iter_events()), config, aspects, version, facts
    )
    graph.save(path)
    registry.publish(version)
    report = GraphBuildReport(
        version=version,
        products=len(graph.products),
        entities=len(graph.entities.keys),
        links={kind: graph.links[kind].matrix.nnz // 2 for kind in LINK_KINDS},
        seconds=round(time.perf_counter() - started, 3),
        graph_bytes=graph.nbytes,
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    )
    if log is not None:
        log(describe(report))
    return report


def describe(report: GraphBuildReport) -> str:
    links = ", ".join(f"{n:,} {kind}" for kind, n in report.links.items())
    return (
        f"graph {report.version}: {report.products:,} products, {report.entities:,} entities, {links}; "
        f"{report.graph_bytes / 2**20:.1f} MiB of arrays, built in {report.seconds:.1f} s "
        f"(peak RSS {report.peak_rss_mb:.0f} MiB)"
    )
