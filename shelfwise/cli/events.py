"""`shelfwise events ...`: import shoppers' events from files, and count what is stored.

    shelfwise events import events.csv
    shelfwise events import retailrocket.csv --column user_id=visitorid --column event_id=row_id
    shelfwise events stats

Files are CSV, TSV or JSON lines (gzip too). Importing the same file again adds nothing twice:
events whose event_id is already stored are counted as duplicates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from shelfwise.cli.common import DataDir, settings_of, shop_urls
from shelfwise.cli.errors import fail

events_app = typer.Typer(help="Import and inspect shoppers' events.", no_args_is_help=True)
console = Console(stderr=True)


@events_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV, TSV or JSONL file of events", exists=True)],
    column: Annotated[
        list[str] | None,
        typer.Option("--column", help="FIELD=COLUMN, e.g. --column user_id=visitorid (repeatable)"),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="events per committed transaction")] = 5000,
    show_errors: Annotated[int, typer.Option(help="how many row errors to print")] = 20,
    data_dir: DataDir = None,
) -> None:
    """Validate an event file and store its good rows; bad rows are listed with their line."""
    from shelfwise.catalog import FeedError
    from shelfwise.events import EventMapping, format_import_report, import_events, open_event_store

    try:
        mapping = EventMapping.from_pairs(column or [])
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--column") from error
    from shelfwise.privacy.pseudonym import pseudonymized_store

    settings = settings_of(data_dir)
    events = open_event_store(shop_urls(data_dir).events)
    store = pseudonymized_store(events, settings.privacy.pseudonymize_key)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("import {task.completed:,} rows"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("import", total=None)
    try:
        with progress:
            report = import_events(
                file,
                store,
                mapping,
                batch_size=batch_size,
                progress=lambda rows: progress.update(task, completed=rows),
            )
    except FeedError as error:  # the whole file is unusable: nothing was stored
        raise fail(str(error)) from error
    finally:
        store.close()
    typer.echo(format_import_report(report, max_errors=show_errors))


@events_app.command("stats")
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="print the counts as JSON")] = False,
    data_dir: DataDir = None,
) -> None:
    """Events stored: counts by type, distinct shoppers, the time span and the last seq."""
    from shelfwise.events import open_event_store

    store = open_event_store(shop_urls(data_dir).events)
    try:
        found = store.stats()
    finally:
        store.close()
    first = None if found.first_timestamp is None else found.first_timestamp.isoformat()
    last = None if found.last_timestamp is None else found.last_timestamp.isoformat()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "total": found.total,
                    "by_type": found.by_type,
                    "actors": found.actors,
                    "last_seq": found.last_seq,
                    "first_timestamp": first,
                    "last_timestamp": last,
                },
                indent=2,
            )
        )
        return
    lines = [f"{'events':<14}{found.total:>12,}"]
    lines += [f"  {name:<12}{count:>12,}" for name, count in found.by_type.items()]
    lines += [
        f"{'actors':<14}{found.actors:>12,}  (users and anonymous sessions)",
        f"{'last seq':<14}{found.last_seq:>12,}",
    ]
    if first is not None:
        lines.append(f"{'time span':<14}{first} .. {last}")
    typer.echo("\n".join(lines))
