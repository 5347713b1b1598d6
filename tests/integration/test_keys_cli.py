"""`shelfwise keys create|list|revoke|scoped` against a data folder's keys.db."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.keys import KeyRefused, Keyring, open_key_store
from shelfwise.records import Filters, PriceRange


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


def test_create_list_revoke_and_mint_a_scoped_key(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "data")
    made = runner.invoke(app, ["keys", "create", "--actions", "search,events", "--description", "storefront",
                               "--expires", "2099-01-01", "--data-dir", data])  # fmt: skip
    assert made.exit_code == 0, made.output
    raw = made.stdout.strip().splitlines()[-1]
    assert raw.startswith("swk_")
    key_id = raw.split("_")[1]
    listed = runner.invoke(app, ["keys", "list", "--data-dir", data])
    assert key_id in listed.stdout and "storefront" in listed.stdout and "active" in listed.stdout
    assert raw.split("_", 2)[2] not in listed.stdout

    filters = ["--filter", "category=Home > Kitchen", "--filter", "brand=Smeg", "--filter", "attr=color:red",
               "--filter", "max_price=100"]  # fmt: skip
    mint = ["keys", "scoped", "--parent", "-", "--expires", "2099-01-01", *filters]
    scoped = runner.invoke(app, mint, input=raw + "\n")
    assert scoped.exit_code == 0, scoped.output
    ring = Keyring(open_key_store(Path(data)))
    principal = ring.authenticate(scoped.stdout.strip(), datetime.now(UTC))
    expected = Filters(category="Home > Kitchen", brands=("Smeg",), attributes={"color": ("red",)},
                       price=PriceRange(max=100))  # fmt: skip
    assert principal.filters == expected

    assert runner.invoke(app, ["keys", "revoke", key_id, "--data-dir", data]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["keys", "list", "--data-dir", data]).stdout
    with pytest.raises(KeyRefused):
        ring.authenticate(raw, datetime.now(UTC))
    assert runner.invoke(app, ["keys", "revoke", "nope", "--data-dir", data]).exit_code == 1


@pytest.mark.parametrize(
    "args",
    [["keys", "create", "--actions", "serch"], ["keys", "create", "--actions", "search", "--expires", "soon"],
     ["keys", "scoped", "--parent", "k", "--expires", "2099-01-01", "--filter", "colour=red"]],
)  # fmt: skip
def test_bad_input_is_a_clear_usage_error(tmp_path: Path, args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, *(["--data-dir", str(tmp_path)] if args[1] == "create" else [])])
    assert result.exit_code == 2
    assert not (tmp_path / "keys.db").exists()
