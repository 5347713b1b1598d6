"""`shelfwise assistant ...`: the shopping assistant's FAQ and a turn from the command line.

shelfwise assistant faq import faq.jsonl     # or faq.yaml: checked, then copied into the data folder
shelfwise assistant faq show
shelfwise assistant ask "I want a laptop" --conversation c1
shelfwise assistant ask "cheaper" --conversation c1
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shelfwise.cli.common import DataDir, data_dir_of, open_shop
from shelfwise.cli.errors import fail

assistant_app = typer.Typer(help="The shopping assistant: its FAQ, and one turn.", no_args_is_help=True)
faq_app = typer.Typer(help="The shop's FAQ the assistant answers shop questions from.", no_args_is_help=True)
assistant_app.add_typer(faq_app, name="faq")


@faq_app.command("import")
def faq_import(
    file: Annotated[
        Path, typer.Argument(help="FAQ entries: JSON lines or YAML (question, answer)", exists=True)
    ],
    data_dir: DataDir = None,
) -> None:
    """Check every entry (a bad one names its line or entry and nothing is replaced), then
    replace the data folder's FAQ; a running server reads it on its next start."""
    from shelfwise.assistant import FaqFileError, read_faq, write_faq

    try:
        entries = read_faq(file)
    except FaqFileError as error:
        raise fail(str(error)) from error
    target = write_faq(entries, data_dir_of(data_dir))
    typer.echo(f"{len(entries)} FAQ entries written to {target}")


@faq_app.command("show")
def faq_show(data_dir: DataDir = None) -> None:
    """The data folder's FAQ, one entry a line."""
    from shelfwise.assistant import FaqFileError, read_faq
    from shelfwise.assistant.faq import FAQ_FILE

    path = data_dir_of(data_dir) / FAQ_FILE
    if not path.exists():
        raise fail(f"no FAQ imported yet ({path}): run `shelfwise assistant faq import FILE`")
    try:
        entries = read_faq(path)
    except FaqFileError as error:
        raise fail(str(error)) from error
    for entry in entries:
        typer.echo(f"{entry.id}\t{entry.question}\t{entry.answer}")


@assistant_app.command("ask")
def ask(
    message: Annotated[str, typer.Argument(help="what the shopper says")],
    conversation: Annotated[str | None, typer.Option(help="continue this conversation")] = None,
    language: Annotated[str | None, typer.Option(help="en or zh (default: read from the message)")] = None,
    data_dir: DataDir = None,
) -> None:
    """One turn over the shop's index; prints the answer as JSON (the conversation id in it)."""
    from shelfwise.assistant import Assistant, Turn

    shop = open_shop(data_dir)
    try:
        if shop.load_index() is None:
            raise fail("no index yet: run `shelfwise index` after ingesting a feed")
        assistant = Assistant(shop)
        try:
            answer = assistant.turn(Turn(message=message, conversation_id=conversation, language=language))
        finally:
            assistant.close()
    finally:
        shop.close()
    typer.echo(answer.model_dump_json(indent=2))
