"""`shelfwise shoppers ...`: forget a shopper, purge old data (retention).

    shelfwise shoppers forget u-42            # events, impressions, exposures, reviews, cached answers
    shelfwise shoppers forget u-42 --json
    shelfwise shoppers purge                  # older than SHELFWISE_PRIVACY__RETENTION_DAYS
    shelfwise shoppers purge --older-than-days 365

Both work beside a running server (the stores are SQLite in WAL mode): it drops a forgotten
shopper from its memory (profiles, cached answers, the ranking model's known shoppers) on its
next catch-up, within `serve.catch_up_seconds`, by following the forget log (`privacy.db`).
With `SHELFWISE_PRIVACY__PSEUDONYMIZE_KEY` set, give the raw id: it is hashed the same way.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from shelfwise.cli.common import DataDir, settings_of

if TYPE_CHECKING:
    from shelfwise.config import Settings
    from shelfwise.privacy import ShopperData

shoppers_app = typer.Typer(help="Shoppers' data: forget a shopper, purge old data.", no_args_is_help=True)


@contextmanager
def _shopper_data(settings: Settings) -> Iterator[ShopperData]:
    """The shop's stores that hold shoppers' ids (not the catalog, models or indexes), by URL."""
    from shelfwise.privacy import ShopperData
    from shelfwise.shop_data import ShopData
    from shelfwise.storage.urls import parse_url

    with ShopData.open(settings) as data:
        answers_file = parse_url(data.urls.answers).path
        unused = answers_file is not None and not answers_file.exists()
        answers = None if unused else data.answers(1.0)  # no answers.db: no file made for nothing
        yield ShopperData(data.events, data.impressions, data.exposures, answers, data.forget_log,
                          settings.data_dir, data.reviews, settings.reviews)  # fmt: skip


@shoppers_app.command("forget")
def forget(
    user_id: Annotated[str, typer.Argument(help="the signed-in shopper's id (raw, as the shop knows it)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the counts as JSON")] = False,
    data_dir: DataDir = None,
) -> None:
    """Delete the shopper's events, impressions, exposures, reviews and cached answers (and those
    of the anonymous sessions seen on them) from every store; prints what went, by count."""
    from shelfwise.privacy import Pseudonymizer, forget_shopper

    settings = settings_of(data_dir)
    key = settings.privacy.pseudonymize_key
    stored = Pseudonymizer(None if key is None else key.get_secret_value()).id(user_id)
    with _shopper_data(settings) as data:
        report, _ = forget_shopper(data, stored)
    counts = {name: value for name, value in dataclasses.asdict(report).items()
              if name not in ("user_id", "profiles", "log_seq")}  # fmt: skip
    if as_json:
        typer.echo(json.dumps({"user_id": user_id, **counts}, indent=2))
        return
    lines = [f"forgot shopper {user_id!r}"] + [f"  {name:<16}{value:>10,}" for name, value in counts.items()]
    lines.append("a running server drops them from its memory within serve.catch_up_seconds")
    typer.echo("\n".join(lines))


@shoppers_app.command("purge")
def purge(
    older_than_days: Annotated[
        int | None,
        typer.Option(min=1, help="default: SHELFWISE_PRIVACY__RETENTION_DAYS"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the counts as JSON")] = False,
    data_dir: DataDir = None,
) -> None:
    """Delete every event, impression and exposure older than the retention period."""
    from shelfwise.privacy import purge_before

    settings = settings_of(data_dir)
    days = older_than_days or settings.privacy.retention_days
    if days is None:
        typer.echo("error: no retention period: pass --older-than-days N or set "
                   "SHELFWISE_PRIVACY__RETENTION_DAYS", err=True)  # fmt: skip
        raise typer.Exit(2)
    now = datetime.now(UTC)
    with _shopper_data(settings) as data:
        report = purge_before(data, now - timedelta(days=days), now)
    counts = {"events": report.events, "impressions": report.impressions, "exposures": report.exposures}
    if as_json:
        typer.echo(json.dumps({"cutoff": report.cutoff.isoformat(), **counts}, indent=2))
        return
    lines = [f"purged what happened before {report.cutoff.isoformat()}"]
    typer.echo("\n".join(lines + [f"  {name:<16}{value:>10,}" for name, value in counts.items()]))
