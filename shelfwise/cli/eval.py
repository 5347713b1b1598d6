"""`shelfwise eval ...`: score benchmark runs, and split held-out sequences."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shelfwise.cli.common import DataDir, ItemColumns, SequenceColumns, column_map, log_line, settings_of
from shelfwise.cli.errors import fail

eval_app = typer.Typer(help="Score benchmark runs.", no_args_is_help=True)


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
    from shelfwise.evaluate.search_eval import evaluate_search_run

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
    item_columns: ItemColumns = None,
    data_dir: DataDir = None,
) -> None:
    """Leave-one-out Recall, NDCG and HR@k over all held-out users; coverage, diversity, novelty."""
    from shelfwise.bench import load_item_encoder
    from shelfwise.evaluate.recommend_eval import evaluate_recommendation_files, format_recommend_report

    if diversity and items is None:
        raise typer.BadParameter("--diversity needs --items (the item texts to encode)")
    encoder = load_item_encoder(settings_of(data_dir)) if diversity is not False and items else None
    try:
        report = evaluate_recommendation_files(
            predictions,
            truth,
            k or (10, 20),
            sequences,
            items,
            encoder,
            column_map(sequence_columns),
            column_map(item_columns),
            log=log_line,
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
            column_map(sequence_columns),
            on_problem=report_row if skip_bad_rows else None,
        )
    except ValueError as error:  # a malformed row: `file:line: reason`
        raise fail(str(error)) from None
    typer.echo(summary.model_dump_json(indent=2))
