"""Every command of the CLI, given a file that is not there (or a data folder that is a file),
prints one error line and exits with code 2: never a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.cli.errors import EXIT_INPUT

ROOT = get_command(app)


def _commands(group: object = ROOT, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], object]]:
    for name, command in sorted(getattr(group, "commands", {}).items()):
        if getattr(command, "commands", None):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


# `keys scoped` mints a key from its arguments alone and `aspects demo-reviews` generates the demo's
# reviews: they read no file and no data folder.
READS_NOTHING = {("keys", "scoped"), ("aspects", "demo-reviews")}
COMMANDS = {path: command for path, command in _commands() if path not in READS_NOTHING}
# their only required file is one they write: what they read is the data folder's
WRITES_ONLY = {("aspects", "mine")}
# their filled-in settings are refused before any file is read (`cluster up` needs --head or --address)
USAGE_FIRST = {("ab", "interleave"), ("cluster", "up")}


def _annotation(param: object) -> object:
    return param.type_descriptor.annotation  # type: ignore[attr-defined]


def _args(command: object, missing: Path, not_a_folder: Path, writes_only: bool = False) -> list[str]:
    """Required parameters filled in, every input file missing; without one, --data-dir is a file."""
    args: list[str] = []
    any_path = False
    for param in command.params:  # type: ignore[attr-defined]
        if not param.required:
            continue
        kind = _annotation(param)
        value = str(missing) if kind is Path else ("1" if kind in (int, float) else "x")
        any_path = any_path or kind is Path
        args += [value] if param.param_type_name == "argument" else [param.opts[0], value]
    if not any_path or writes_only:
        args += ["--data-dir", str(not_a_folder)]
    return args


def test_every_command_is_covered() -> None:
    assert {"ingest", "delete", "index", "search", "serve", "demo"} <= {p[0] for p in COMMANDS}
    assert len([p for p in COMMANDS if len(p) == 2]) >= 20  # bench, eval, train, synonyms, ab, events


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_a_missing_input_is_one_line_and_exit_code_2(path: tuple[str, ...], tmp_path: Path) -> None:
    not_a_folder = tmp_path / "data-is-a-file"
    not_a_folder.write_text("")
    args = [*path, *_args(COMMANDS[path], tmp_path / "missing.tsv", not_a_folder, path in WRITES_ONLY)]
    result = CliRunner().invoke(app, args)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == EXIT_INPUT, (args, result.output, result.exception)
    assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.output)
    if path not in USAGE_FIRST:
        assert "missing.tsv" in lines[0] or "data-is-a-file" in lines[0]
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["ingest", "feed.json"], "error: feed.json: unknown feed format; use one of"),
        (["ingest", "feed.jsonl", "--map", "product_id"], "error: bad mapping: mapping 'product_id' is not"),
        (["ingest", "feed.jsonl", "--map", "colour=c"], "error: bad mapping: unknown field 'colour'"),
        (
            ["ingest", "other.jsonl", "--map", "product_id=nope"],
            "error: other.jsonl: no column gives the product id",
        ),
        (["ingest", "missing.csv"], "error: invalid value for 'feed': path 'missing.csv' does not exist."),
    ],
)
def test_whole_file_problems_of_ingest_are_one_line(tmp_path: Path, args: list[str], expected: str) -> None:
    (tmp_path / "feed.json").write_text('{"sku": "A1", "title": "Mug"}\n')
    (tmp_path / "feed.jsonl").write_text('{"sku": "A1", "title": "Mug"}\n')
    (tmp_path / "other.jsonl").write_text('{"code": "A1", "title": "Mug"}\n')
    done = subprocess.run(
        [sys.executable, "-m", "shelfwise.cli", *args, "--data-dir", str(tmp_path / "data")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    assert done.returncode == EXIT_INPUT and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.lower().startswith(expected.lower()), done.stderr
    assert "Traceback" not in done.stderr
