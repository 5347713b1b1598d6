"""How every `shelfwise` command fails: one line on stderr and a documented exit code.

    0  done (rows a feed or event file rejected are listed in its report; they do not fail it)
    1  the command ran but could not finish (e.g. too few judged queries to train on)
    2  nothing was done: the command line or its input cannot be used (a missing or unreadable
       file, an unknown format, an unusable header, a bad --map/--column mapping)

`ShelfwiseGroup` is the click group of the whole CLI: it turns usage errors and whole-file input
errors raised by any command (FeedError, FormatError, InputError, a missing or unreadable file)
into that one line; an unexpected error still shows its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer._click.core import Context  # the click that typer runs on (its own copy)
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup
from typer.exceptions import Abort

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INPUT = 2

EXIT_CODES_HELP = (
    "Exit codes: 0 done (rejected rows are listed, not fatal); 1 the command could not finish; "
    "2 nothing done: bad command line or unusable input file."
)


class InputError(ValueError):
    """The input of a command cannot be used as a whole; the message says what and where."""


def _input_errors() -> tuple[type[BaseException], ...]:
    from shelfwise.catalog.feed import FeedError
    from shelfwise.evaluate.tables import FormatError

    return (InputError, FeedError, FormatError, FileNotFoundError, NotADirectoryError,
            IsADirectoryError, FileExistsError, PermissionError)  # fmt: skip


def one_line(error: BaseException) -> str:
    """The error as one line: an OSError names its file, other messages are joined up."""
    if isinstance(error, FileExistsError | NotADirectoryError) and error.filename is not None:
        return f"{error.filename}: is a file, not a folder"
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.filename}: {error.strerror or error}"
    return " ".join(str(error).split()) or type(error).__name__


def fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    """Print `error: message` on stderr and return the Exit to raise."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    return typer.Exit(code)


class ShelfwiseGroup(TyperGroup):
    """The CLI's root group: input errors of any subcommand become one line and exit code 2."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except _input_errors() as error:
            raise fail(one_line(error)) from None

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as error:
            typer.echo(error.ctx.get_help() if error.ctx else str(error), err=True)
            sys.exit(error.exit_code)
        except UsageError as error:
            command = error.ctx.command_path if error.ctx else "shelfwise"
            message = " ".join(error.format_message().split())
            typer.echo(f"error: {message} (see '{command} --help')", err=True)
            sys.exit(EXIT_INPUT)
        except ClickException as error:
            typer.echo(f"error: {' '.join(error.format_message().split())}", err=True)
            sys.exit(error.exit_code)
        except Abort:
            typer.echo("Aborted.", err=True)
            sys.exit(EXIT_FAILED)
        sys.exit(code if isinstance(code, int) else EXIT_OK)
