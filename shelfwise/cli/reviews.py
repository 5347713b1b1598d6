"""`shelfwise reviews ...`: import shoppers' reviews from files, count them, list the flagged ones.

    shelfwise reviews import reviews.jsonl
    shelfwise reviews import ../shared/data/amazon-giftcards/reviews.jsonl --format amazon
    shelfwise reviews import reviews.csv --column text=body --column shopper_id=customer
    shelfwise reviews stats
    shelfwise reviews flagged --limit 20
    shelfwise reviews recheck            # every review's flags again, after the rules changed

Files are CSV, TSV or JSON lines (gzip too). A review id imported again updates that review.
Duplicates and spam (`SHELFWISE_REVIEWS__*` rules) are flagged, stored, and left out of ratings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer

from shelfwise.cli.common import DataDir, settings_of, shop_urls
from shelfwise.cli.errors import fail

reviews_app = typer.Typer(help="Import and inspect shoppers' reviews.", no_args_is_help=True)


@reviews_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV, TSV or JSONL file of reviews", exists=True)],
    format_: Annotated[
        Literal["plain", "amazon"],
        typer.Option("--format", help="plain: review fields by column; amazon: Amazon's review JSONL"),
    ] = "plain",
    column: Annotated[
        list[str] | None,
        typer.Option("--column", help="FIELD=COLUMN, e.g. --column text=body (repeatable)"),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="reviews per committed transaction")] = 1000,
    show_errors: Annotated[int, typer.Option(help="how many line errors to print")] = 20,
    data_dir: DataDir = None,
) -> None:
    """Validate a review file and store its good lines; bad lines are listed with their line."""
    from shelfwise.catalog import FeedError
    from shelfwise.privacy.pseudonym import Pseudonymizer
    from shelfwise.reviews import ReviewMapping, format_review_report, import_review_file, open_review_store

    try:
        mapping = ReviewMapping.from_pairs(column or [])
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--column") from error
    settings = settings_of(data_dir)
    key = settings.privacy.pseudonymize_key
    names = Pseudonymizer(None if key is None else key.get_secret_value())
    store = open_review_store(shop_urls(data_dir).reviews)
    try:
        pseudonym = names.id if names.enabled else None
        report = import_review_file(file, store, settings.reviews, mapping, source=format_,
                                    batch_size=batch_size, shopper_id=pseudonym)  # fmt: skip
    except FeedError as error:  # the whole file is unusable: nothing was stored
        raise fail(str(error)) from error
    finally:
        store.close()
    typer.echo(format_review_report(report, max_errors=show_errors))


@reviews_app.command("stats")
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="print the counts as JSON")] = False,
    data_dir: DataDir = None,
) -> None:
    """Reviews stored: how many, how many flagged (by reason), products and shoppers."""
    from shelfwise.reviews import open_review_store

    store = open_review_store(shop_urls(data_dir).reviews)
    try:
        found = store.stats()
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(vars(found), indent=2))
        return
    lines = [f"{'reviews':<12}{found.total:>10,}", f"{'flagged':<12}{found.flagged:>10,}"]
    lines += [f"  {code:<14}{n:>6,}" for code, n in found.by_flag.items()]
    lines += [f"{'products':<12}{found.products:>10,}", f"{'shoppers':<12}{found.shoppers:>10,}"]
    typer.echo("\n".join(lines))


@reviews_app.command("flagged")
def flagged(
    limit: Annotated[int, typer.Option(min=1, help="how many, newest first")] = 20,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON review a line")] = False,
    data_dir: DataDir = None,
) -> None:
    """The flagged reviews, newest first, with the reasons they were flagged."""
    from shelfwise.reviews import open_review_store

    store = open_review_store(shop_urls(data_dir).reviews)
    try:
        found = store.flagged(limit, offset)
    finally:
        store.close()
    for review in found:
        if as_json:
            typer.echo(review.model_dump_json())
            continue
        reasons = "; ".join(f"{flag.code}: {flag.detail}" for flag in review.flags)
        typer.echo(f"{review.review_id}  {review.product_id}  {review.rating}*  {reasons}")


@reviews_app.command("recheck")
def recheck(data_dir: DataDir = None) -> None:
    """Work out every review's flags again with the current rules (SHELFWISE_REVIEWS__*)."""
    from shelfwise.reviews import open_review_store, recheck_flags

    settings = settings_of(data_dir)
    store = open_review_store(shop_urls(data_dir).reviews)
    try:
        changed = recheck_flags(store, settings.reviews)
        total = store.stats()
    finally:
        store.close()
    typer.echo(f"{changed:,} reviews' flags changed; {total.flagged:,} of {total.total:,} flagged")
