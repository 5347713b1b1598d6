"""`shelfwise bench ...`: write benchmark runs (search, relevance, recommend) from data files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shelfwise.cli.common import (
    DataDir,
    ItemColumns,
    ProductColumns,
    SequenceColumns,
    column_map,
    console,
    log_line,
    settings_of,
)
from shelfwise.cli.errors import fail

if TYPE_CHECKING:
    from shelfwise.recommend.channel import ItemInfo
    from shelfwise.recommend.offline import BenchReport

bench_app = typer.Typer(help="Write benchmark runs from data files.", no_args_is_help=True)


MmrLambda = Annotated[
    float | None,
    typer.Option(
        "--mmr", min=0.0, max=1.0, help="MMR lambda over title vectors (1 = relevance only; default off)"
    ),
]
ExposureFlag = Annotated[
    bool,
    typer.Option(
        "--exposure",
        help="apply the exposure policy of the settings (recommend.exposure: head cap, long-tail quota, "
        "new-item places) to every list",
    ),
]


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
    mmr: MmrLambda = None,
    mmr_pool: Annotated[int, typer.Option(help="fused candidates MMR picks from", min=1)] = 100,
    exposure: ExposureFlag = False,
    cold_item_share: Annotated[
        float | None, typer.Option(help="items whose events are hidden while the ranker learns")
    ] = None,
    channels: Annotated[
        str, typer.Option(help="comma-separated recall channels fused by the ranker")
    ] = "cooccurrence,sequential,als,content,popularity",
    threads: Annotated[int, typer.Option(help="CPU threads for training")] = 2,
    seed: int = 0,
    sequence_columns: SequenceColumns = None,
    item_columns: ItemColumns = None,
    data_dir: DataDir = None,
) -> None:
    """Train a recommender from scratch on SEQUENCES and ITEMS, and write every user's predicted
    next K items (none already in their sequence), best first."""
    import time

    from shelfwise.bench import load_item_encoder
    from shelfwise.evaluate.sequences import write_predictions_jsonl
    from shelfwise.recommend import recommender_config
    from shelfwise.recommend.offline import predict_next_items

    started = time.perf_counter()
    shoppers, texts, metadata = _read_recommend_files(sequences, items, sequence_columns, item_columns)
    if metadata:
        console.print(f"catalog facts (brand, category, links) for {len(metadata)} items")
    settings = settings_of(data_dir)
    policy = settings.recommend.exposure
    encoder = load_item_encoder(settings)
    try:
        config = recommender_config(channels, threads, seed, cold_item_share)
    except ValueError as error:  # an unknown channel name or a share outside [0, 1)
        raise typer.BadParameter(str(error), param_hint="--channels or --cold-item-share") from error
    if "graph" in config.channels.enabled and not metadata:
        console.print("no brand, category, also_buy or also_view column in --items: no graph channel")
    predictions, report = predict_next_items(
        shoppers, texts, encoder.encode_texts, k, config, progress=log_line,
        item_info=metadata, mmr_lambda=mmr, mmr_pool=mmr_pool,
        exposure=policy.model_copy(update={"enabled": True}) if exposure else None,
    )  # fmt: skip
    write_predictions_jsonl(out, predictions)
    console.print(_recommend_summary(report, time.perf_counter() - started, out))


def _recommend_summary(report: BenchReport, seconds: float, out: Path) -> str:
    return (
        f"{report.users} users, {report.items} items, {report.interactions} interactions; "
        f"channels {', '.join(report.fit.channels)} fused by {report.fit.fused_by}; "
        + ", ".join(f"{name} {secs:.0f} s" for name, secs in report.seconds.items())
        + f"; total {seconds:.0f} s; wrote {out}"
    )


def _read_recommend_files(
    sequences: Path, items: Path, sequence_columns: list[str] | None, item_columns: list[str] | None
) -> tuple[dict[str, list[str]], dict[str, str], dict[str, ItemInfo]]:
    """The shoppers' sequences, the items' texts and their catalog facts; an unusable file is
    an input error (`file:line: reason`)."""
    from shelfwise.evaluate.sequences import (
        ITEM_COLUMNS,
        SEQUENCE_COLUMNS,
        column_names,
        read_item_metadata_tsv,
        read_items_tsv,
        read_sequences_tsv,
    )

    try:
        user_column, items_column = column_names(column_map(sequence_columns), SEQUENCE_COLUMNS)
        id_column, text_column = column_names(column_map(item_columns), ITEM_COLUMNS)
        shoppers = read_sequences_tsv(sequences, user_column, items_column)
        texts = read_items_tsv(items, id_column, text_column)
        metadata = read_item_metadata_tsv(items, id_column)
    except ValueError as error:
        raise fail(str(error)) from error
    return shoppers, texts, metadata


@bench_app.command("search")
def bench_search(
    products: Annotated[Path, typer.Option(help="TSV: product_id, title, more columns", exists=True)],
    queries: Annotated[Path, typer.Option(help="TSV: query_id, query", exists=True)],
    out: Annotated[Path, typer.Option(help="TREC run to write")],
    product_columns: ProductColumns = None,
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
    from shelfwise.bench import run_search_benchmark

    report = run_search_benchmark(
        settings=settings_of(data_dir),
        products=products,
        queries=queries,
        out=out,
        product_columns=column_map(product_columns),
        query_columns=column_map(query_columns),
        mode=mode,
        fusion=fusion,
        depth=depth,
        work_dir=work_dir,
        rerank=rerank,
        threads=threads,
        log=log_line,
    )
    typer.echo(report.model_dump_json(indent=2))


@bench_app.command("relevance")
def bench_relevance(
    products: Annotated[Path, typer.Option(help="TSV: product_id, title, more columns", exists=True)],
    pairs: Annotated[Path, typer.Option(help="TSV: query_id, query, product_id", exists=True)],
    out: Annotated[Path, typer.Option(help="TSV to write: query_id, product_id, score (grade 1-3)")],
    product_columns: ProductColumns = None,
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
    from shelfwise.bench import run_relevance_benchmark
    from shelfwise.train import active_reranker_path

    settings = settings_of(data_dir)
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
        column_map(product_columns),
        column_map(pair_columns),
        threads,
        log=log_line,
        config=settings.rerank,
    )
    typer.echo(report.model_dump_json(indent=2))


@bench_app.command("sentiment")
def bench_sentiment_command(
    reviews: Annotated[Path, typer.Option(help="TSV: review_id, text; optional language", exists=True)],
    out: Annotated[Path, typer.Option(help="TSV to write: review_id, label, score")],
    threads: Annotated[int, typer.Option(help="CPU threads for the model")] = 2,
    data_dir: DataDir = None,
) -> None:
    """Label every review negative, neutral or positive with the data folder's active sentiment
    model; score is the model's probability for that label."""
    from shelfwise.sentiment import NoSentimentModelError, ReviewFileError
    from shelfwise.sentiment.bench import bench_sentiment

    try:
        count = bench_sentiment(reviews, out, settings_of(data_dir).data_dir, threads)
    except (NoSentimentModelError, ReviewFileError) as error:
        raise fail(str(error)) from error
    console.print(f"wrote {count} labelled reviews to {out}")
