"""The `shelfwise` command: ingest, index, search, serve, demo, bench and eval."""

from __future__ import annotations

import enum
import logging
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from shelfwise.cli_ab import ab_app
from shelfwise.cli_errors import EXIT_CODES_HELP, InputError, ShelfwiseGroup, fail
from shelfwise.cli_events import events_app
from shelfwise.cli_jobs import jobs_app, worker
from shelfwise.cli_keys import keys_app
from shelfwise.cli_shoppers import shoppers_app
from shelfwise.cli_synonyms import synonyms_app
from shelfwise.config import Settings

app = typer.Typer(
    cls=ShelfwiseGroup,
    help="Shelfwise: e-commerce search driven by language models.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
)
bench_app = typer.Typer(help="Write benchmark runs from data files.", no_args_is_help=True)
eval_app = typer.Typer(help="Score benchmark runs.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
train_app = typer.Typer(help="Fine-tune models on the shop's own data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")
app.add_typer(synonyms_app, name="synonyms")
app.add_typer(events_app, name="events")
app.add_typer(ab_app, name="ab")
app.add_typer(keys_app, name="keys")
app.add_typer(shoppers_app, name="shoppers")
app.add_typer(jobs_app, name="jobs")
app.command("worker")(worker)
console = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", "-d", help="shop data folder [env SHELFWISE_DATA_DIR]"),
]


class DemoLanguage(enum.StrEnum):
    en = "en"
    zh = "zh"


@app.callback()
def _offline() -> None:
    """Models load from local folders only; never from a hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # idle OpenMP threads sleep instead of spinning: spinning starves the other threads on a
    # small machine (a 15 ms search took 480 ms beside a busy process)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _settings(data_dir: Path | None) -> Settings:
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    if settings.data_dir.exists() and not settings.data_dir.is_dir():
        raise InputError(f"{settings.data_dir}: the data folder is a file")
    from shelfwise.language.catalog import settings_for_data_dir

    return settings_for_data_dir(settings)  # the encoder a Chinese shop runs, for every command


def _shelfwise(data_dir: Path | None):  # noqa: ANN202 - heavy import kept lazy
    from shelfwise.service import Shelfwise

    return Shelfwise(_settings(data_dir))


class _Bars:
    """Rich progress bars keyed by stage name; usable as a Progress callback."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _Bars:
        return self  # started by the first stage: a command that fails first prints no blank line

    def __exit__(self, *_: object) -> None:
        if self._tasks:
            self._progress.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self._tasks:
            self._progress.start()
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)


@app.command()
def ingest(
    feed: Annotated[Path, typer.Argument(help="CSV, TSV, JSONL or Parquet file", exists=True)],
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="FIELD=COLUMN, e.g. --map product_id=sku (repeatable)"),
    ] = None,
    mapping_file: Annotated[
        Path | None, typer.Option("--mapping", help="JSON file {field: column}", exists=True)
    ] = None,
    show_errors: Annotated[int, typer.Option(help="how many row errors to print")] = 20,
    extract_attributes: Annotated[
        bool, typer.Option(help="read missing attributes (brand, colour, material, sizes) from titles")
    ] = False,
    strict: Annotated[
        bool, typer.Option(help="reject a row with a bad optional field instead of leaving the field out")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Validate a feed and upsert its products; an existing index catches up. Bad rows are
    listed (file:line) and the others go in; a bad optional value is left out with a warning."""
    from shelfwise.catalog import FieldMapping, detect_format, format_report, read_mapping

    detect_format(feed)  # an unknown format fails here, before any progress bar
    mapping: FieldMapping = read_mapping(map_ or [], mapping_file)
    shop = _shelfwise(data_dir)
    with _Bars() as bars:
        report = shop.ingest(
            feed, mapping=mapping, progress=bars, extract_attributes=extract_attributes, strict=strict
        )
    typer.echo(format_report(report, max_errors=show_errors))
    shop.close()


@app.command()
def delete(
    product_ids: Annotated[list[str], typer.Argument(help="ids to delete")],
    data_dir: DataDir = None,
) -> None:
    """Delete products by id."""
    shop = _shelfwise(data_dir)
    gone = shop.delete_products(product_ids)
    missing = sorted(set(product_ids) - set(gone))
    typer.echo(f"deleted {len(gone)}" + (f"; not found: {', '.join(missing)}" if missing else ""))
    shop.close()


@app.command()
def index(
    rebuild: Annotated[bool, typer.Option(help="build a new version from scratch")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the whole index manifest as JSON")] = False,
    data_dir: DataDir = None,
) -> None:
    """Bring the search index up to date with the catalog (or rebuild it); print a summary."""
    import time

    from shelfwise.index.summary import index_summary, published_manifest

    shop = _shelfwise(data_dir)
    started = time.perf_counter()
    before = published_manifest(shop.engine.registry)
    with _Bars() as bars:
        manifest = shop.rebuild_index(bars) if rebuild else shop.open_index(bars)
    seconds = time.perf_counter() - started
    typer.echo(manifest.model_dump_json(indent=2) if as_json else index_summary(manifest, before, seconds))
    shop.close()


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="what a shopper typed")],
    category: Annotated[str | None, typer.Option(help="category path prefix")] = None,
    brand: Annotated[list[str] | None, typer.Option(help="brand (repeatable)")] = None,
    min_price: Annotated[float | None, typer.Option()] = None,
    max_price: Annotated[float | None, typer.Option()] = None,
    in_stock: Annotated[bool | None, typer.Option("--in-stock/--any-stock")] = None,
    page: int = 1,
    page_size: int = 10,
    mode: Annotated[str, typer.Option(help="hybrid, lexical or vector")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="print the whole result as JSON")] = False,
    data_dir: DataDir = None,
) -> None:
    """Search the catalog and print the hits with their explanations."""
    from shelfwise.records import Filters, PriceRange, SearchRequest

    price = None
    if min_price is not None or max_price is not None:
        price = PriceRange(min=min_price, max=max_price)
    request = SearchRequest(
        query=query,
        filters=Filters(category=category, brands=tuple(brand or ()), price=price, in_stock=in_stock),
        page=page,
        page_size=page_size,
        mode=mode,  # type: ignore[arg-type]
    )
    shop = _shelfwise(data_dir)
    shop.open_index()
    result = shop.search(request)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        from shelfwise.search.render import render_result

        typer.echo(render_result(result))
    shop.close()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: SHELFWISE_SERVE__HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="default: SHELFWISE_SERVE__PORT or 8000")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="server processes over the same data folder (one per core)")
    ] = 1,
    data_dir: DataDir = None,
    run_worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="run queued jobs in a child process")
    ] = True,
) -> None:
    """Serve the HTTP API (and the index, built first if missing)."""
    import uvicorn

    from shelfwise.jobs.worker import worker_child
    from shelfwise.serve import create_app

    settings = _settings(data_dir)
    shop = _shelfwise(data_dir)
    with _Bars() as bars:
        shop.open_index(bars)  # an empty catalog gets an empty index that API writes fill
    logging.basicConfig(level=logging.INFO)
    if workers > 1:
        from shelfwise.serve.workers import run_workers

        shop.close()
        with worker_child(settings, run_worker):
            run_workers(settings.data_dir, host or settings.serve.host, port or settings.serve.port, workers)
        return
    from shelfwise.serve.workers import SERVING_THREADS, THREADS_VARIABLE, limit_threads

    limit_threads(int(os.environ.get(THREADS_VARIABLE) or SERVING_THREADS))
    app = create_app(shop, settings.serve, owns_shelfwise=True, freeze_heap=True)
    with worker_child(settings, run_worker):
        uvicorn.run(app, host=host or settings.serve.host, port=port or settings.serve.port, log_level="info")


@app.command()
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
        typer.Option(help="zh only: write the judged Chinese query set (queries.tsv, judgments.tsv, "
                     "products.tsv) over this catalog to this folder, and stop"),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Generate the demo shop's feed, ingest it like a real shop's, index it, simulate shoppers
    (their events train the recommender), let simulated shoppers use the shop (what it showed
    them and what they did train the ranking model), and serve it."""
    from shelfwise.catalog import demo_field_mapping, format_report, write_demo_feed

    zh = language is DemoLanguage.zh
    products = products if products is not None else 2000 if zh else 6000
    shoppers = shoppers if shoppers is not None else 1000 if zh else 2000
    loop_shoppers = loop_shoppers if loop_shoppers is not None else 500 if zh else 1000
    if write_queries is not None:
        _write_demo_queries(language, products, seed, write_queries)
        return
    settings = _settings(data_dir)
    feed = settings.data_dir / "demo-feed.jsonl"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    write_demo_feed(feed, n=products, seed=seed, language=language.value)
    shop = _shelfwise(data_dir)
    with _Bars() as bars:
        report = shop.ingest(feed, mapping=demo_field_mapping(), progress=bars)
        typer.echo(format_report(report, max_errors=5))
        manifest = shop.open_index(bars)
    typer.echo(f"index {manifest.version}: {manifest.product_count} products")
    if shoppers and shop.events.count() == 0:
        from shelfwise.catalog import ShopperSimulation, simulate_shoppers
        from shelfwise.recommend import ChannelsConfig, RecommenderConfig, SequentialConfig

        history = simulate_shoppers(
            list(shop.store.iter_products()), ShopperSimulation(n_shoppers=shoppers, seed=seed)
        )
        shop.record_events(list(history.events))
        typer.echo(f"{len(history.events)} simulated shopper events recorded")
        config = RecommenderConfig(
            channels=ChannelsConfig(
                enabled=("cooccurrence", "sequential", "content", "popularity"),
                sequential=SequentialConfig(epochs=10),
            )
        )
        version, _ = shop.train_recommender(config, log=lambda line: console.print(line))
        typer.echo(f"recommender {version} trained on them")
        if loop_shoppers:
            _demo_ranker(shop, loop_shoppers, seed)
    shop.close()
    if serve_it:
        if not settings.serve.api_key:
            console.print("writes are disabled until SHELFWISE_SERVE__API_KEY is set")
        serve(host=host, port=port, data_dir=settings.data_dir)


def _write_demo_queries(language: DemoLanguage, products: int, seed: int, folder: Path) -> None:
    if language is not DemoLanguage.zh:
        raise InputError("--write-queries: the judged query set is built for --language zh")
    from shelfwise.catalog.demo_queries_zh import build_zh_query_set, write_zh_query_set
    from shelfwise.catalog.demo_zh import generate_demo_catalog_zh

    catalog = generate_demo_catalog_zh(products, seed)
    queries, judgments = build_zh_query_set(catalog)
    paths = write_zh_query_set(folder, catalog, queries, judgments)
    typer.echo(f"{len(queries)} queries, {len(judgments)} judgments over {len(catalog)} products: "
               + ", ".join(str(p) for p in paths))


def _demo_ranker(shop, n_shoppers: int, seed: int) -> None:  # noqa: ANN001 - Shelfwise, imported lazily
    """For the 30 days after the simulated history, closed-loop shoppers search the demo shop and
    browse its home feed; the shop logs the impressions, records their events and trains the
    CTR/CVR ranking model on them."""
    from datetime import timedelta

    from shelfwise.catalog.shoppers_loop import (
        ClosedLoopSimulation,
        ShelfwiseRanker,
        TextMatchRanker,
        shop_catalog,
        simulate_closed_loop,
    )
    from shelfwise.rank import RankerConfig, TrainingConfig

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
        artifact = shop.train_ranker(RankerConfig(training=TrainingConfig(seed=seed)), log=lambda _: None)
    except ValueError as error:  # too few impressions to split: the demo still serves
        typer.echo(f"no ranking model: {error}")
        return
    tasks = artifact.report.tasks
    typer.echo(f"ranking model {artifact.version}: test click AUC {tasks['ctr'].auc}, "
               f"click-and-purchase AUC {tasks['ctcvr'].auc}")  # fmt: skip


@bench_app.command("recommend")
def bench_recommend(
    items: Annotated[
        Path,
        typer.Option(
            help="TSV: item_id, text; optional brand, category, also_buy, also_view (for --channels graph)",
            exists=True,
        ),
    ],
    sequences: Annotated[
        Path, typer.Option(help="TSV: user_id, items (space-separated, oldest first)", exists=True)
    ],
    out: Annotated[Path, typer.Option(help='JSONL to write: {"user_id": ..., "items": [...]} a line')],
    k: Annotated[int, typer.Option(help="items predicted per user")] = 20,
    mmr: Annotated[
        float | None,
        typer.Option(
            "--mmr", min=0.0, max=1.0, help="MMR lambda over title vectors (1 = relevance only; default off)"
        ),
    ] = None,
    mmr_pool: Annotated[int, typer.Option(help="fused candidates MMR picks from", min=1)] = 100,
    cold_item_share: Annotated[
        float | None, typer.Option(help="items whose events are hidden while the ranker learns")
    ] = None,
    channels: Annotated[
        str, typer.Option(help="comma-separated recall channels fused by the ranker")
    ] = "cooccurrence,sequential,als,content,popularity",
    threads: Annotated[int, typer.Option(help="CPU threads for training")] = 2,
    seed: int = 0,
    sequence_columns: SequenceColumns = None,
    item_columns: Annotated[
        list[str] | None, typer.Option("--item-column", help="FIELD=COLUMN for item_id, text (repeatable)")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Train a recommender from scratch on SEQUENCES and ITEMS, and write every user's predicted
    next K items (none already in their sequence), best first."""
    import time

    from shelfwise.evaluate.recommend_eval import load_item_encoder
    from shelfwise.evaluate.sequences import (
        ITEM_COLUMNS,
        SEQUENCE_COLUMNS,
        column_names,
        read_item_metadata_tsv,
        read_items_tsv,
        read_sequences_tsv,
        write_predictions_jsonl,
    )
    from shelfwise.recommend import recommender_config
    from shelfwise.recommend.offline import predict_next_items

    started = time.perf_counter()
    try:
        user_column, items_column = column_names(_pairs(sequence_columns), SEQUENCE_COLUMNS)
        id_column, text_column = column_names(_pairs(item_columns), ITEM_COLUMNS)
        shoppers = read_sequences_tsv(sequences, user_column, items_column)
        texts = read_items_tsv(items, id_column, text_column)
        metadata = read_item_metadata_tsv(items, id_column)
    except ValueError as error:  # an unusable file: `file:line: reason`
        raise fail(str(error)) from error
    if metadata:
        console.print(f"catalog facts (brand, category, links) for {len(metadata)} items")
    encoder = load_item_encoder(_settings(data_dir))
    try:
        config = recommender_config(channels, threads, seed, cold_item_share)
    except ValueError as error:  # an unknown channel name or a share outside [0, 1)
        raise typer.BadParameter(str(error), param_hint="--channels or --cold-item-share") from error
    if "graph" in config.channels.enabled and not metadata:
        console.print("no brand, category, also_buy or also_view column in --items: no graph channel")
    predictions, report = predict_next_items(
        shoppers, texts, encoder.encode_texts, k, config, progress=lambda line: console.print(line),
        item_info=metadata, mmr_lambda=mmr, mmr_pool=mmr_pool,
    )  # fmt: skip
    write_predictions_jsonl(out, predictions)
    console.print(
        f"{report.users} users, {report.items} items, {report.interactions} interactions; "
        f"channels {', '.join(report.fit.channels)} fused by {report.fit.fused_by}; "
        + ", ".join(f"{name} {secs:.0f} s" for name, secs in report.seconds.items())
        + f"; total {time.perf_counter() - started:.0f} s; wrote {out}"
    )


@bench_app.command("search")
def bench_search(
    products: Annotated[Path, typer.Option(help="TSV: product_id, title, more columns", exists=True)],
    queries: Annotated[Path, typer.Option(help="TSV: query_id, query", exists=True)],
    out: Annotated[Path, typer.Option(help="TREC run to write")],
    product_columns: Annotated[
        list[str] | None, typer.Option("--product-column", help="FIELD=COLUMN (repeatable)")
    ] = None,
    query_columns: Annotated[
        list[str] | None, typer.Option("--query-column", help="FIELD=COLUMN (repeatable)")
    ] = None,
    mode: Annotated[str, typer.Option(help="hybrid, lexical or vector")] = "hybrid",
    fusion: Annotated[
        str | None,
        typer.Option(help="rrf, weighted or learned (default: the active learned fusion, else configured)"),
    ] = None,
    depth: Annotated[int, typer.Option(help="hits per query in the run")] = 100,
    work_dir: Annotated[Path | None, typer.Option(help="where the benchmark's store and index live")] = None,
    rerank: Annotated[
        bool, typer.Option(help="rerank the top hits with the data folder's active cross-encoder")
    ] = False,
    threads: Annotated[int, typer.Option(help="torch and FAISS threads while searching")] = 1,
    data_dir: DataDir = None,
) -> None:
    """Index PRODUCTS (or reuse that index) and write a TREC run for QUERIES."""
    from shelfwise.evaluate.bench import run_search_benchmark

    report = run_search_benchmark(
        settings=_settings(data_dir),
        products=products,
        queries=queries,
        out=out,
        product_columns=_pairs(product_columns),
        query_columns=_pairs(query_columns),
        mode=mode,
        fusion=fusion,
        depth=depth,
        work_dir=work_dir,
        rerank=rerank,
        threads=threads,
        log=lambda line: console.print(line),
    )
    typer.echo(report.model_dump_json(indent=2))


@bench_app.command("relevance")
def bench_relevance(
    products: Annotated[Path, typer.Option(help="TSV: product_id, title, more columns", exists=True)],
    pairs: Annotated[Path, typer.Option(help="TSV: query_id, query, product_id", exists=True)],
    out: Annotated[Path, typer.Option(help="TSV to write: query_id, product_id, score (grade 1-3)")],
    product_columns: Annotated[
        list[str] | None, typer.Option("--product-column", help="FIELD=COLUMN (repeatable)")
    ] = None,
    pair_columns: Annotated[
        list[str] | None, typer.Option("--pair-column", help="FIELD=COLUMN (repeatable)")
    ] = None,
    model: Annotated[
        Path | None, typer.Option(help="reranker folder (default: the data folder's active one)")
    ] = None,
    threads: Annotated[int | None, typer.Option(help="torch threads (default: all cores)")] = None,
    data_dir: DataDir = None,
) -> None:
    """Predict the relevance grade of each (query, product) pair with the cross-encoder."""
    from shelfwise.evaluate.relevance import run_relevance_benchmark
    from shelfwise.train import active_reranker_path

    settings = _settings(data_dir)
    folder = model or active_reranker_path(settings.data_dir)
    if folder is None:
        raise typer.BadParameter(
            "no active reranker in the data folder: run `shelfwise train reranker` or pass --model"
        )
    report = run_relevance_benchmark(
        folder,
        products,
        pairs,
        out,
        _pairs(product_columns),
        _pairs(pair_columns),
        threads,
        log=lambda line: console.print(line),
        config=settings.rerank,
    )
    typer.echo(report.model_dump_json(indent=2))


@eval_app.command("search")
def eval_search(
    judgments: Annotated[Path, typer.Option(help="TSV: query_id, query, product_id, relevance", exists=True)],
    run: Annotated[Path, typer.Option(help="TREC run", exists=True)],
    split: Annotated[
        str, typer.Option(help="all, tuning or validation part of the judgments' queries")
    ] = "all",
    validation_fraction: float = 0.3,
    seed: int = 13,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """NDCG@10 (gain = grade - 1) and Recall@100 (grade >= 2.33) of a run."""
    from shelfwise.evaluate.bench import evaluate_search_run

    report = evaluate_search_run(judgments, run, split, validation_fraction, seed)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        from shelfwise.evaluate import format_search_report

        typer.echo(format_search_report(report))


@eval_app.command("relevance")
def eval_relevance(
    judgments: Annotated[Path, typer.Option(help="TSV: query_id, query, product_id, relevance", exists=True)],
    scores: Annotated[Path, typer.Option(help="TSV: query_id, product_id, score", exists=True)],
) -> None:
    """RMSE and MAE of predicted grades against graded judgments."""
    from shelfwise.evaluate.relevance import evaluate_relevance

    typer.echo(evaluate_relevance(judgments, scores).model_dump_json(indent=2))


SequenceColumns = Annotated[
    list[str] | None,
    typer.Option("--sequence-column", help="FIELD=COLUMN for user_id, items (repeatable)"),
]


@eval_app.command("recommend")
def eval_recommend(
    predictions: Annotated[
        Path, typer.Option(help='JSONL: {"user_id": ..., "items": [...]} a line, best first', exists=True)
    ],
    truth: Annotated[Path, typer.Option(help="TSV: user_id, item_id (the held-out next item)", exists=True)],
    sequences: Annotated[
        Path | None, typer.Option(help="training sequences TSV (user_id, items), for novelty", exists=True)
    ] = None,
    items: Annotated[
        Path | None, typer.Option(help="TSV: item_id, text; for coverage and diversity", exists=True)
    ] = None,
    k: Annotated[list[int] | None, typer.Option("--k", help="cut-off (repeatable; default 10, 20)")] = None,
    diversity: Annotated[
        bool | None,
        typer.Option("--diversity/--no-diversity", help="encode recommended items (default: with --items)"),
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="also write the report here")] = None,
    sequence_columns: SequenceColumns = None,
    item_columns: Annotated[
        list[str] | None, typer.Option("--item-column", help="FIELD=COLUMN for item_id, text (repeatable)")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Leave-one-out Recall, NDCG and HR@k over all held-out users; coverage, diversity, novelty."""
    from shelfwise.evaluate.recommend_eval import (
        evaluate_recommendation_files,
        format_recommend_report,
        load_item_encoder,
    )

    if diversity and items is None:
        raise typer.BadParameter("--diversity needs --items (the item texts to encode)")
    encoder = load_item_encoder(_settings(data_dir)) if diversity is not False and items else None
    try:
        report = evaluate_recommendation_files(
            predictions,
            truth,
            k or (10, 20),
            sequences,
            items,
            encoder,
            _pairs(sequence_columns),
            _pairs(item_columns),
            log=lambda line: console.print(line),
        )
    except ValueError as error:  # FormatError included: `file:line: reason`
        raise fail(str(error)) from None
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    typer.echo(format_recommend_report(report))


@eval_app.command("holdout")
def eval_holdout(
    sequences: Annotated[Path, typer.Option(help="TSV: user_id, items (oldest first)", exists=True)],
    out_sequences: Annotated[Path, typer.Option(help="TSV to write: every user's training items")],
    out_truth: Annotated[Path, typer.Option(help="TSV to write: user_id, item_id held out")],
    min_length: Annotated[int, typer.Option(help="shorter users train whole, unevaluated")] = 2,
    skip_bad_rows: Annotated[bool, typer.Option(help="report malformed rows and go on")] = False,
    sequence_columns: SequenceColumns = None,
) -> None:
    """Leave-last-out split: each user's last item becomes the truth of a validation run."""
    from shelfwise.evaluate.sequences import write_holdout

    def report_row(problem: ValueError) -> None:
        typer.echo(f"skipped {problem}", err=True)

    try:
        summary = write_holdout(
            sequences,
            out_sequences,
            out_truth,
            min_length,
            _pairs(sequence_columns),
            on_problem=report_row if skip_bad_rows else None,
        )
    except ValueError as error:  # a malformed row: `file:line: reason`
        raise fail(str(error)) from None
    typer.echo(summary.model_dump_json(indent=2))


@train_app.command("encoder")
def train_encoder_command(
    products: Annotated[Path, typer.Option(help="TSV: product_id, title, more columns", exists=True)],
    judgments: Annotated[
        Path, typer.Option(help="TSV: query_id, query, product_id, relevance (1-3)", exists=True)
    ],
    product_columns: Annotated[
        list[str] | None, typer.Option("--product-column", help="FIELD=COLUMN (repeatable)")
    ] = None,
    epochs: int = 2,
    batch_size: int = 64,
    learning_rate: float = 3e-5,
    validation_fraction: Annotated[float, typer.Option(help="queries held out for early stopping")] = 0.15,
    seed: int = 13,
    base_model: Annotated[
        Path | None,
        typer.Option(help="start from this model folder, e.g. DATA_DIR/models/encoder/checkpoints/best"),
    ] = None,
    teacher: Annotated[
        Path | None,
        typer.Option(help="a trained reranker folder that grades the mined hard negatives first",
                     exists=True, file_okay=False),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Fine-tune the bi-encoder on graded judgments and make it the active encoder."""
    from shelfwise.train import EncoderTrainingConfig, train_encoder

    config = EncoderTrainingConfig(
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        validation_fraction=validation_fraction,
        seed=seed,
    )
    artifact = train_encoder(
        _settings(data_dir).data_dir,
        products,
        judgments,
        config,
        product_columns=_pairs(product_columns),
        base_model=base_model,
        log=lambda line: console.print(line),
        teacher=teacher,
    )
    typer.echo(artifact.model_dump_json(indent=2))


@train_app.command("recommender")
def train_recommender(
    channels: Annotated[
        str, typer.Option(help="comma-separated recall channels fused by the ranker")
    ] = "cooccurrence,sequential,popularity",
    threads: Annotated[int, typer.Option(help="CPU threads for training")] = 2,
    seed: int = 0,
    data_dir: DataDir = None,
) -> None:
    """Fit the recommender on the data folder's events and catalog, and make it the one that
    /recommend serves (a running server picks it up within a second)."""
    from shelfwise.recommend import recommender_config

    try:
        config = recommender_config(channels, threads, seed)
    except ValueError as error:  # an unknown channel name
        raise typer.BadParameter(str(error), param_hint="--channels") from error
    shop = _shelfwise(data_dir)
    try:
        version, report = shop.train_recommender(config, log=lambda line: console.print(line))
    finally:
        shop.close()
    console.print(
        f"published recommender {version}: channels {', '.join(report.channels)} fused by {report.fused_by}"
    )


@train_app.command("reranker")
def train_reranker_command(
    products: Annotated[Path, typer.Option(help="TSV: product_id, title, more columns", exists=True)],
    judgments: Annotated[
        Path,
        typer.Option(
            help="TSV: query_id, query, product_id, relevance (1-3), optional label (E/S/C/I)",
            exists=True,
        ),
    ],
    product_columns: Annotated[
        list[str] | None, typer.Option("--product-column", help="FIELD=COLUMN (repeatable)")
    ] = None,
    epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float = 4e-5,
    mined_negatives: Annotated[int, typer.Option(help="unjudged BM25 hits per query as negatives")] = 2,
    validation_fraction: Annotated[float, typer.Option(help="queries held out for early stopping")] = 0.15,
    seed: int = 13,
    data_dir: DataDir = None,
) -> None:
    """Fine-tune the cross-encoder relevance model and make it the active reranker."""
    from shelfwise.train import RerankerTrainingConfig, train_reranker

    config = RerankerTrainingConfig(
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        mined_negatives=mined_negatives,
        validation_fraction=validation_fraction,
        seed=seed,
    )
    artifact = train_reranker(
        _settings(data_dir).data_dir,
        products,
        judgments,
        config,
        product_columns=_pairs(product_columns),
        log=lambda line: console.print(line),
    )
    typer.echo(artifact.model_dump_json(indent=2, exclude={"report": {"history"}}))


@train_app.command("reranker-student")
def train_reranker_student_command(
    products: Annotated[Path, typer.Option(help="TSV: product_id, title, more columns", exists=True)],
    judgments: Annotated[
        Path, typer.Option(help="TSV: query_id, query, product_id, relevance (1-3)", exists=True)
    ],
    product_columns: Annotated[
        list[str] | None, typer.Option("--product-column", help="FIELD=COLUMN (repeatable)")
    ] = None,
    layers: Annotated[int, typer.Option(min=1, help="transformer layers the student keeps")] = 3,
    max_length: Annotated[
        int | None, typer.Option(min=8, help="tokens the student reads (default: the teacher's)")
    ] = None,
    teacher: Annotated[
        Path | None, typer.Option(help="reranker folder to distil (default: the active one)")
    ] = None,
    epochs: int = 1,
    extra_candidates: Annotated[
        int, typer.Option(help="unjudged BM25 hits per query graded by the teacher")
    ] = 4,
    max_relative_loss: Annotated[
        float, typer.Option(help="share of the teacher's held-out NDCG@10 the student may lose")
    ] = 0.01,
    seed: int = 13,
    data_dir: DataDir = None,
) -> None:
    """Distil the active cross-encoder into a student with fewer layers (made active when it
    keeps the teacher's held-out NDCG@10 within --max-relative-loss)."""
    from shelfwise.train import DistillationConfig, RerankerTrainingConfig, train_reranker_student

    config = DistillationConfig(
        layers=layers, max_length=max_length, extra_candidates=extra_candidates,
        max_relative_loss=max_relative_loss,
        training=RerankerTrainingConfig(epochs=epochs, learning_rate=8e-5, batch_size=48, seed=seed),
    )
    try:
        artifact = train_reranker_student(
            _settings(data_dir).data_dir, products, judgments, config,
            product_columns=_pairs(product_columns), teacher=teacher, log=lambda line: console.print(line),
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(artifact.model_dump_json(indent=2, exclude={"report": {"student": {"history"}}}))


@train_app.command("encoder-student")
def train_encoder_student_command(
    products: Annotated[Path, typer.Option(help="TSV: product_id, title, more columns", exists=True)],
    judgments: Annotated[
        Path | None,
        typer.Option(help="optional TSV of judged queries: also judge how the student ranks", exists=True),
    ] = None,
    product_columns: Annotated[
        list[str] | None, typer.Option("--product-column", help="FIELD=COLUMN (repeatable)")
    ] = None,
    layers: Annotated[int, typer.Option(min=1, help="transformer layers the student keeps")] = 2,
    epochs: Annotated[int, typer.Option(min=1)] = 2,
    max_texts: Annotated[int, typer.Option(min=2, help="catalog texts drawn for training")] = 100_000,
    min_cosine: Annotated[
        float, typer.Option(help="mean cosine to the encoder on held-out texts the student must reach")
    ] = 0.9,
    max_relative_loss: Annotated[
        float, typer.Option(help="with --judgments: share of the encoder's vector NDCG@10 it may lose")
    ] = 0.05,
    seed: int = 13,
    data_dir: DataDir = None,
) -> None:
    """Distil the active bi-encoder into a document student with fewer layers that encodes the
    catalog several times faster (queries keep the full encoder); published when it stays close."""
    from shelfwise.train import DocumentStudentConfig, train_encoder_student

    config = DocumentStudentConfig(layers=layers, epochs=epochs, max_texts=max_texts, min_cosine=min_cosine,
                                   max_relative_loss=max_relative_loss, seed=seed)  # fmt: skip
    try:
        artifact = train_encoder_student(
            _settings(data_dir).data_dir, products, config, judgments=judgments,
            product_columns=_pairs(product_columns), log=lambda line: console.print(line),
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(artifact.model_dump_json(indent=2, exclude={"report": {"history"}}))


@train_app.command("fusion")
def train_fusion_command(
    products: Annotated[Path, typer.Option(help="TSV: product_id, title, more columns", exists=True)],
    judgments: Annotated[
        Path, typer.Option(help="TSV: query_id, query, product_id, relevance (1-3)", exists=True)
    ],
    product_columns: Annotated[
        list[str] | None, typer.Option("--product-column", help="FIELD=COLUMN (repeatable)")
    ] = None,
    candidates: Annotated[int, typer.Option(help="weighted fusion's top candidates per query")] = 200,
    validation_fraction: Annotated[float, typer.Option(help="queries held out to stop and judge")] = 0.25,
    exclude_encoder_queries: Annotated[
        bool, typer.Option(help="leave out the queries the active encoder was fine-tuned on")
    ] = False,
    seed: int = 13,
    threads: int = 2,
    data_dir: DataDir = None,
) -> None:
    """Learn hybrid fusion (LambdaMART over each candidate's BM25, cosine, coverage...) from
    judgments with the active encoder, and make it active when it beats weighted fusion."""
    from shelfwise.train import FusionTrainingConfig, train_fusion

    config = FusionTrainingConfig(
        candidates=candidates,
        validation_fraction=validation_fraction,
        seed=seed,
        threads=threads,
        exclude_encoder_queries=exclude_encoder_queries,
    )
    try:
        artifact = train_fusion(
            _settings(data_dir),
            products,
            judgments,
            config,
            product_columns=_pairs(product_columns),
            log=lambda line: console.print(line),
        )
    except ValueError as error:  # too few usable judged queries
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(artifact.model_dump_json(indent=2))


@train_app.command("ranker")
def train_ranker_command(
    architecture: Annotated[str, typer.Option(help="esmm or mmoe")] = "esmm",
    epochs: Annotated[int, typer.Option(min=1, help="at most; early stopping on held-out requests")] = 30,
    split: Annotated[str, typer.Option(help="time (the latest requests are held out) or request")] = "time",
    seed: int = 0,
    data_dir: DataDir = None,
) -> None:
    """Train the CTR/CVR ranking model (the last ranking stage) from the logged impressions and
    the shoppers' attributed clicks and purchases; make it active when it beats the active one."""
    from shelfwise.rank import ModelConfig, RankerConfig, TrainingConfig

    try:
        config = RankerConfig(
            model=ModelConfig(architecture=architecture),  # type: ignore[arg-type]
            training=TrainingConfig(epochs=epochs, split=split, seed=seed),  # type: ignore[arg-type]
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    shop = _shelfwise(data_dir)
    try:
        artifact = shop.train_ranker(config, log=lambda line: console.print(line))
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    finally:
        shop.close()
    typer.echo(artifact.model_dump_json(indent=2))


def _pairs(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values or []:
        field, sep, column = value.partition("=")
        if not sep or not field or not column:
            raise typer.BadParameter(f"'{value}' is not FIELD=COLUMN")
        out[field.strip()] = column.strip()
    return out


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
