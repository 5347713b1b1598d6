"""What every `shelfwise` command group shares: the --data-dir option, the settings it selects,
the shop it opens, progress bars and FIELD=COLUMN pairs. Command modules import this module;
it imports none of them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from shelfwise.cli.errors import InputError
from shelfwise.config import Settings

if TYPE_CHECKING:
    from shelfwise.service import Shelfwise
    from shelfwise.shop_data import ShopUrls

console = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", "-d", help="shop data folder [env SHELFWISE_DATA_DIR]"),
]
SequenceColumns = Annotated[
    list[str] | None,
    typer.Option("--sequence-column", help="FIELD=COLUMN for user_id, items (repeatable)"),
]
ProductColumns = Annotated[
    list[str] | None, typer.Option("--product-column", help="FIELD=COLUMN (repeatable)")
]
ItemColumns = Annotated[
    list[str] | None, typer.Option("--item-column", help="FIELD=COLUMN for item_id, text (repeatable)")
]


def settings_of(data_dir: Path | None) -> Settings:
    """The environment's settings with --data-dir applied, for the shop's language."""
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    if settings.data_dir.exists() and not settings.data_dir.is_dir():
        raise InputError(f"{settings.data_dir}: the data folder is a file")
    # imported here: it loads the language stack, which `shelfwise --help` does not need
    from shelfwise.language.catalog import settings_for_data_dir

    return settings_for_data_dir(settings)  # the encoder a Chinese shop runs, for every command


def data_dir_of(data_dir: Path | None) -> Path:
    return settings_of(data_dir).data_dir


def shop_urls(data_dir: Path | None) -> ShopUrls:
    """Each store's URL (SHELFWISE_DATABASE_URL / SHELFWISE_<STORE>_URL, else the folder's files),
    so that a command writes where the server reads."""
    from shelfwise.shop_data import ShopUrls

    return ShopUrls.from_settings(settings_of(data_dir))


def open_shop(data_dir: Path | None) -> Shelfwise:
    # imported here: the service loads torch and the engines, which `shelfwise --help` does not need
    from shelfwise.service import Shelfwise

    return Shelfwise(settings_of(data_dir))


class Bars:
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

    def __enter__(self) -> Bars:
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


def column_map(values: list[str] | None) -> dict[str, str]:
    """FIELD=COLUMN options as a mapping; a malformed one is a usage error."""
    out: dict[str, str] = {}
    for value in values or []:
        field, sep, column = value.partition("=")
        if not sep or not field or not column:
            raise typer.BadParameter(f"'{value}' is not FIELD=COLUMN")
        out[field.strip()] = column.strip()
    return out


def log_line(line: str) -> None:
    """A training or benchmark log line, to stderr."""
    console.print(line)
