"""`shelfwise demo`: generate, ingest, index, simulate shoppers, train and serve the demo shop."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shelfwise.cli.common import Bars, DataDir, console, log_line, open_shop, settings_of
from shelfwise.cli.demo_reviews import build_demo_reviews
from shelfwise.cli.errors import InputError
from shelfwise.cli.serve import serve

if TYPE_CHECKING:
    from shelfwise.keys import KeyStore
    from shelfwise.service import Shelfwise


class DemoLanguage(enum.StrEnum):
    en = "en"
    zh = "zh"


def demo(
    products: Annotated[int | None, typer.Option(help="demo catalog size [default: 6000; zh: 2000]")] = None,
    seed: Annotated[int, typer.Option()] = 7,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    serve_it: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    shoppers: Annotated[
        int | None,
        typer.Option(help="simulated shoppers whose events train the recommender [default: 2000; zh: 1000]"),
    ] = None,
    loop_shoppers: Annotated[
        int | None,
        typer.Option(
            help="closed-loop shoppers who then search the shop; their impressions train the ranker "
            "[default: 1000; zh: 500]"
        ),
    ] = None,
    language: Annotated[
        DemoLanguage, typer.Option(help="en, or zh: a Chinese catalog whose shoppers search in Chinese")
    ] = DemoLanguage.en,
    write_queries: Annotated[
        Path | None,
        typer.Option(
            help="zh only: write the judged Chinese query set (queries.tsv, judgments.tsv, "
            "products.tsv) over this catalog to this folder, and stop"
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Generate the demo shop's feed, ingest it like a real shop's, index it, simulate shoppers
    (their events train the recommender), let simulated shoppers use the shop (what it showed
    them and what they did train the ranking model), and serve it."""
    from shelfwise.catalog import format_report
    from shelfwise.demo import demo_field_mapping, write_demo_feed

    products, shoppers, loop_shoppers = _demo_sizes(language, products, shoppers, loop_shoppers)
    if write_queries is not None:
        _write_demo_queries(language, products, seed, write_queries)
        return
    settings = settings_of(data_dir)
    feed = settings.data_dir / "demo-feed.jsonl"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    write_demo_feed(feed, n=products, seed=seed, language=language.value)
    shop = open_shop(data_dir)
    with Bars() as bars:
        report = shop.ingest(feed, mapping=demo_field_mapping(), progress=bars)
        typer.echo(format_report(report, max_errors=5))
        manifest = shop.open_index(bars)
    typer.echo(f"index {manifest.version}: {manifest.product_count} products")
    build_demo_reviews(shop, seed)  # when the shop has no reviews yet
    if shoppers and shop.events.count() == 0:
        _demo_shoppers(shop, shoppers, loop_shoppers, seed)
    note = writes_note(settings.serve.api_key, shop.data.keys)
    shop.close()
    if serve_it:
        if note:
            console.print(note)
        serve(host=host, port=port, data_dir=settings.data_dir, public_reviews=True)


def writes_note(api_key: str | None, keys: KeyStore) -> str | None:
    """What the demo says before serving when no key can write (no master key, none stored)."""
    if api_key or keys.list():
        return None
    return "writes are disabled until SHELFWISE_SERVE__API_KEY is set or `shelfwise keys create` makes a key"


def _demo_sizes(
    language: DemoLanguage, products: int | None, shoppers: int | None, loop_shoppers: int | None
) -> tuple[int, int, int]:
    """The demo's catalog size and shopper counts: the given ones, else the language's defaults."""
    zh = language is DemoLanguage.zh
    return (
        products if products is not None else 2000 if zh else 6000,
        shoppers if shoppers is not None else 1000 if zh else 2000,
        loop_shoppers if loop_shoppers is not None else 500 if zh else 1000,
    )


def _demo_recommender(shop: Shelfwise, n_shoppers: int, seed: int) -> None:
    """Simulated shoppers' events recorded, and the recommender trained on them."""
    from shelfwise.recommend import ChannelsConfig, RecommenderTrainingConfig, SequentialConfig
    from shelfwise.simulate import ShopperSimulation, simulate_shoppers

    history = simulate_shoppers(
        list(shop.store.iter_products()), ShopperSimulation(n_shoppers=n_shoppers, seed=seed)
    )
    shop.record_events(list(history.events))
    typer.echo(f"{len(history.events)} simulated shopper events recorded")
    config = RecommenderTrainingConfig(
        channels=ChannelsConfig(
            enabled=("cooccurrence", "sequential", "content", "popularity"),
            sequential=SequentialConfig(epochs=10),
        )
    )
    version, _ = shop.train_recommender(config, log=log_line)
    typer.echo(f"recommender {version} trained on them")


def _demo_shoppers(shop: Shelfwise, shoppers: int, loop_shoppers: int, seed: int) -> None:
    """Simulated shoppers' events train the recommender, closed-loop shoppers' the ranking model,
    and all of them make the product graph."""
    _demo_recommender(shop, shoppers, seed)
    if loop_shoppers:
        _demo_ranker(shop, loop_shoppers, seed)
    _demo_graph(shop)


def _demo_graph(shop: Shelfwise) -> None:
    """The product graph from the demo's catalog and every recorded event (`GET /graph/...`)."""
    from shelfwise.graph import build_and_publish

    report = build_and_publish(shop.store, shop.events, shop.settings.data_dir)
    links = ", ".join(f"{count} {kind.replace('_', '-')}" for kind, count in report.links.items())
    typer.echo(f"product graph {report.version}: {report.entities} entities, links: {links}")


def _write_demo_queries(language: DemoLanguage, products: int, seed: int, folder: Path) -> None:
    if language is not DemoLanguage.zh:
        raise InputError("--write-queries: the judged query set is built for --language zh")
    from shelfwise.demo.catalog_zh import generate_demo_catalog_zh
    from shelfwise.demo.queries_zh import build_zh_query_set, write_zh_query_set

    catalog = generate_demo_catalog_zh(products, seed)
    queries, judgments = build_zh_query_set(catalog)
    paths = write_zh_query_set(folder, catalog, queries, judgments)
    typer.echo(
        f"{len(queries)} queries, {len(judgments)} judgments over {len(catalog)} products: "
        + ", ".join(str(p) for p in paths)
    )


def _demo_ranker(shop: Shelfwise, n_shoppers: int, seed: int) -> None:
    """For the 30 days after the simulated history, closed-loop shoppers search the demo shop and
    browse its home feed; the shop logs the impressions, records their events and trains the
    CTR/CVR ranking model on them."""
    from datetime import timedelta

    from shelfwise.rank.train import CtrCvrRankerConfig, TrainingConfig
    from shelfwise.simulate.loop import (
        ClosedLoopSimulation,
        ShelfwiseRanker,
        TextMatchRanker,
        shop_catalog,
        simulate_closed_loop,
    )

    products = list(shop.store.iter_products())
    history_end = ClosedLoopSimulation(seed=seed).window()[1]  # where the open-loop history ends
    config = ClosedLoopSimulation(
        n_shoppers=n_shoppers, days=30, seed=seed, end=history_end + timedelta(days=30)
    )
    ranker = ShelfwiseRanker(
        shop, fallback=TextMatchRanker(shop_catalog(products, config)), settings={"ranking": "off"}
    )
    result = simulate_closed_loop(products, config, ranker)
    shop.record_events(list(result.events))
    typer.echo(f"{len(result.impressions)} answers shown to {n_shoppers} closed-loop shoppers, "
               f"{len(result.events)} events")  # fmt: skip
    try:
        ranker_config = CtrCvrRankerConfig(training=TrainingConfig(seed=seed))
        artifact = shop.train_ranker(ranker_config, log=lambda _: None)
    except ValueError as error:  # too few impressions to split: the demo still serves
        typer.echo(f"no ranking model: {error}")
        return
    tasks = artifact.report.tasks
    typer.echo(f"ranking model {artifact.version}: test click AUC {tasks['ctr'].auc}, "
               f"click-and-purchase AUC {tasks['ctcvr'].auc}")  # fmt: skip
