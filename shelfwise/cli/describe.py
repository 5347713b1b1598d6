"""`shelfwise describe`: draft descriptions for products that lack them, for the admin to approve.

shelfwise describe                       # every product without a description
shelfwise describe --products A1,B2      # these products (a rejected draft is written again)
shelfwise describe --rephrase            # SmolLM2 rewords each English draft, behind the fact check

Drafts wait in the admin console (/admin/descriptions); an approved one becomes the product's
description. Problems name the product and the field, one a line on stderr; the rest of the run
goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from shelfwise.cli.common import DataDir, settings_of
from shelfwise.cli.errors import EXIT_FAILED, InputError, fail

if TYPE_CHECKING:
    from shelfwise.describe import DescribeReport, Rephraser
    from shelfwise.records import Product
    from shelfwise.store import Store

MAX_PROBLEM_LINES = 50


def _product_ids(products: str | None, missing: bool) -> tuple[str, ...] | None:
    if products is not None and missing:
        raise InputError("--products and --missing choose the products two ways: give one")
    if products is None:
        return None
    ids = tuple(dict.fromkeys(pid.strip() for pid in products.split(",") if pid.strip()))
    if not ids:
        raise InputError("--products: no product id given")
    return ids


def _rephraser(rephrase: bool) -> Rephraser | None:
    if not rephrase:
        return None
    from shelfwise.describe import RephraserUnavailable, SmolLM2Rephraser

    typer.echo("loading SmolLM2-135M-Instruct...", err=True)
    try:
        return SmolLM2Rephraser.installed()
    except RephraserUnavailable as error:
        raise fail(str(error), EXIT_FAILED) from error


def _print(report: DescribeReport) -> None:
    for problem in report.problems[:MAX_PROBLEM_LINES]:
        typer.echo(str(problem), err=True)
    if len(report.problems) > MAX_PROBLEM_LINES:
        typer.echo(f"... and {len(report.problems) - MAX_PROBLEM_LINES} more problems", err=True)
    reasons: dict[str, int] = {}
    for _, reason in report.passed_over:
        reasons[reason] = reasons.get(reason, 0) + 1
    passed = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items())) or "none"
    typer.echo(
        f"drafted {len(report.drafted)} descriptions ({report.rephrased} rephrased), restored "
        f"{len(report.restored)} approved ones; passed over: {passed}; problems: {len(report.problems)}"
    )
    if report.drafted:
        typer.echo("approve or reject them in the admin console: /admin/descriptions")


def describe(
    products: Annotated[
        str | None, typer.Option("--products", help="comma-separated product ids to describe")
    ] = None,
    missing: Annotated[
        bool, typer.Option("--missing", help="every product without a description (the default)")
    ] = False,
    rephrase: Annotated[
        bool,
        typer.Option(
            "--rephrase", help="let SmolLM2 reword English drafts (kept only if they pass the fact check)"
        ),
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Draft descriptions from each product's attributes, category, extracted facts and review
    summary, by a template grammar per category (English; Chinese for Chinese shops). Drafts wait
    for approval in the admin console; only an approved one becomes the product's description."""
    from shelfwise.aspects.artifact import load_summaries, summaries_root
    from shelfwise.describe import DescribeRequest, describe_products
    from shelfwise.language.catalog import stored_language
    from shelfwise.shop_data import ShopData

    ids = _product_ids(products, missing)
    settings = settings_of(data_dir)
    try:
        summaries = load_summaries(summaries_root(settings.data_dir))
    except (OSError, ValueError) as error:
        raise InputError(
            f"{summaries_root(settings.data_dir)}: the review summaries cannot be read: {error}"
        ) from error
    language = stored_language(settings.data_dir)
    request = DescribeRequest(product_ids=ids, shop_language=language.language if language else "en")
    rephraser = _rephraser(rephrase)
    with ShopData.open(settings) as data:
        if data.store.count() == 0:
            raise InputError(f"{settings.data_dir}: the catalog is empty: ingest products first")
        report = describe_products(
            data.store, data.descriptions, summaries, request, datetime.now(UTC), rephraser,
            write=lambda found: _write(data.store, found),
        )  # fmt: skip
    _print(report)


def _write(store: Store, products: Sequence[Product]) -> None:
    """Restored descriptions, through ingestion's validation; indexes catch up at their next
    refresh (`shelfwise index`, or a running server's catch-up)."""
    from shelfwise.catalog import ingest_products

    ingest_products(store, list(products), source="describe", save_report=False)
