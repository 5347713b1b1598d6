"""`shelfwise keys ...`: API keys with actions, kept hashed in the data folder's keys.db.

    shelfwise keys create --actions search,events --description "storefront" --expires 2027-01-01
    shelfwise keys list
    shelfwise keys revoke 3f9a1c0d2b7e
    shelfwise keys scoped --parent swk_... --filter "category=Home > Kitchen" --expires 2027-01-01

`create` prints the key once (stdout); only its hash is stored. Rotation without downtime: create
the new key, move clients to it (both work meanwhile), then revoke the old one. `scoped` mints a
scoped search key offline from a parent key (no server, no data folder needed).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from shelfwise.cli.common import DataDir, shop_urls

keys_app = typer.Typer(help="Create, list and revoke API keys; mint scoped keys.", no_args_is_help=True)
console = Console(stderr=True)
Expires = Annotated[
    str, typer.Option(help="YYYY-MM-DD (start of that day, UTC) or an ISO date-time with a zone")
]


def _store(data_dir: Path | None):  # noqa: ANN202 - lazy imports keep `shelfwise --help` fast
    from shelfwise.keys import open_key_store

    return open_key_store(shop_urls(data_dir).keys)  # the server's keys


def _expiry(text: str) -> datetime | None:
    from shelfwise.keys import expiry_of

    try:
        return expiry_of(text)
    except ValueError as problem:
        raise typer.BadParameter(str(problem), param_hint="--expires") from problem


@keys_app.command("create")
def create(
    actions: Annotated[
        str, typer.Option(help="comma-separated: search, events, catalog, models, admin, reviews")
    ],
    description: Annotated[str, typer.Option(help="what the key is for")] = "",
    expires: Expires = "",
    data_dir: DataDir = None,
) -> None:
    """Make a key and print it once: copy it now, it is stored only as a hash."""
    from shelfwise.keys import create_key

    store = _store(data_dir)
    try:
        record, raw = create_key(store, actions.split(","), description, datetime.now(UTC), _expiry(expires))
    except ValueError as problem:
        raise typer.BadParameter(str(problem)) from problem
    finally:
        store.close()
    until = record.expires_at.isoformat() if record.expires_at else "never expires"
    console.print(f"key {record.key_id}: {', '.join(record.actions)}; {until}. Shown once:")
    typer.echo(raw)


@keys_app.command("list")
def list_keys(data_dir: DataDir = None) -> None:
    """Stored keys: id, actions, state, expiry and description (never a secret)."""
    store = _store(data_dir)
    keys = store.list()
    store.close()
    now = datetime.now(UTC)
    if not keys:
        console.print("no stored keys (the master key, SHELFWISE_SERVE__API_KEY, is not stored)")
    for key in keys:
        until = key.expires_at.date().isoformat() if key.expires_at else "never"
        typer.echo(
            f"{key.key_id}  {','.join(key.actions):<28} {key.state(now):<8} expires {until:<10}  "
            f"{key.description}"
        )


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="the key id `keys list` shows")], data_dir: DataDir = None
) -> None:
    """Refuse the key from now on (403), in every server process using this data folder."""
    store = _store(data_dir)
    revoked = store.revoke(key_id, datetime.now(UTC))
    store.close()
    if revoked is None:
        console.print(f"no key '{key_id}'")
        raise typer.Exit(1)
    console.print(f"key {key_id} revoked")


@keys_app.command("scoped")
def scoped(
    parent: Annotated[str, typer.Option(help="the parent key (needs the search action); '-' reads stdin")],
    expires: Expires,
    filter: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            help="category=A > B, brand=X (repeat), attr=name:value (repeat), "
            "min_price=N, max_price=N, in_stock=true|false",
        ),
    ] = None,
    actions: Annotated[str, typer.Option(help="search, or search,events")] = "search",
) -> None:
    """Mint a scoped search key: every search made with it keeps these filters."""
    from shelfwise.keys import mint_scoped_key

    parent_key = sys.stdin.readline().strip() if parent == "-" else parent
    moment = _expiry(expires)
    if moment is None:
        raise typer.BadParameter("a scoped key needs an expiry", param_hint="--expires")
    try:
        token = mint_scoped_key(parent_key, filters_of(filter or []), moment, actions.split(","))
    except ValueError as problem:
        raise typer.BadParameter(str(problem)) from problem
    typer.echo(token)


def filters_of(terms: list[str]):  # noqa: ANN201 - Filters, imported lazily
    """Filters from `name=value` terms, as the search API's query parameters name them."""
    from pydantic import ValidationError

    from shelfwise.records import Filters

    fields: dict[str, object] = {}
    brands: list[str] = []
    attributes: dict[str, list[str]] = {}
    price: dict[str, float] = {}
    for term in terms:
        name, sep, value = term.partition("=")
        name = name.strip()
        if not sep or not value.strip():
            raise typer.BadParameter(f"'{term}': expected name=value", param_hint="--filter")
        if name == "brand":
            brands.append(value.strip())
        elif name == "attr" and ":" in value:
            attr, _, attr_value = value.partition(":")
            attributes.setdefault(attr.strip(), []).append(attr_value.strip())
        elif name in ("min_price", "max_price"):
            price[name.removesuffix("_price")] = _number(term, value)
        elif name == "in_stock":
            fields[name] = _truth(term, value)
        elif name == "category":
            fields[name] = value.strip()
        else:
            raise typer.BadParameter(f"'{term}': unknown filter '{name}'", param_hint="--filter")
    try:
        return Filters.model_validate(
            {**fields, "brands": brands, "attributes": attributes, "price": price or None}
        )
    except ValidationError as problem:
        raise typer.BadParameter(str(problem), param_hint="--filter") from problem


def _number(term: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise typer.BadParameter(f"'{term}': the price must be a number", param_hint="--filter") from None


def _truth(term: str, value: str) -> bool:
    word = value.strip().lower()
    if word not in ("true", "false", "1", "0", "yes", "no"):
        raise typer.BadParameter(f"'{term}': expected true or false", param_hint="--filter")
    return word in ("true", "1", "yes")
