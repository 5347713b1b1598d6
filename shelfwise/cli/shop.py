"""`shelfwise ingest | delete | index | search`: the catalog and its search index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shelfwise.cli.common import Bars, DataDir, open_shop


def ingest(
    feed: Annotated[Path, typer.Argument(help="CSV, TSV, JSONL or Parquet file", exists=True)],
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="FIELD=COLUMN, e.g. --map product_id=sku (repeatable)"),
    ] = None,
    mapping_file: Annotated[
        Path | None, typer.Option("--mapping", help="JSON file {field: column}", exists=True)
    ] = None,
    show_errors: Annotated[int, typer.Option(help="how many row errors to print")] = 20,
    extract_attributes: Annotated[
        bool, typer.Option(help="read missing attributes (brand, colour, material, sizes) from titles")
    ] = False,
    strict: Annotated[
        bool, typer.Option(help="reject a row with a bad optional field instead of leaving the field out")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Validate a feed and upsert its products; an existing index catches up. Bad rows are
    listed (file:line) and the others go in; a bad optional value is left out with a warning."""
    from shelfwise.catalog import FieldMapping, detect_format, format_report, read_mapping

    detect_format(feed)  # an unknown format fails here, before any progress bar
    mapping: FieldMapping = read_mapping(map_ or [], mapping_file)
    shop = open_shop(data_dir)
    with Bars() as bars:
        report = shop.ingest(
            feed, mapping=mapping, progress=bars, extract_attributes=extract_attributes, strict=strict
        )
    typer.echo(format_report(report, max_errors=show_errors))
    shop.close()


def delete(
    product_ids: Annotated[list[str], typer.Argument(help="ids to delete")],
    data_dir: DataDir = None,
) -> None:
    """Delete products by id."""
    shop = open_shop(data_dir)
    gone = shop.delete_products(product_ids)
    missing = sorted(set(product_ids) - set(gone))
    typer.echo(f"deleted {len(gone)}" + (f"; not found: {', '.join(missing)}" if missing else ""))
    shop.close()


def index(
    rebuild: Annotated[bool, typer.Option(help="build a new version from scratch")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the whole index manifest as JSON")] = False,
    data_dir: DataDir = None,
) -> None:
    """Bring the search index up to date with the catalog (or rebuild it); print a summary."""
    import time

    from shelfwise.index.summary import index_summary, published_manifest

    shop = open_shop(data_dir)
    started = time.perf_counter()
    before = published_manifest(shop.engine.registry)
    with Bars() as bars:
        manifest = shop.rebuild_index(bars) if rebuild else shop.open_index(bars)
    seconds = time.perf_counter() - started
    typer.echo(manifest.model_dump_json(indent=2) if as_json else index_summary(manifest, before, seconds))
    shop.close()


def search(
    query: Annotated[str, typer.Argument(help="what a shopper typed")],
    category: Annotated[str | None, typer.Option(help="category path prefix")] = None,
    brand: Annotated[list[str] | None, typer.Option(help="brand (repeatable)")] = None,
    min_price: Annotated[float | None, typer.Option()] = None,
    max_price: Annotated[float | None, typer.Option()] = None,
    in_stock: Annotated[bool | None, typer.Option("--in-stock/--any-stock")] = None,
    page: int = 1,
    page_size: int = 10,
    mode: Annotated[str, typer.Option(help="hybrid, lexical or vector")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="print the whole result as JSON")] = False,
    data_dir: DataDir = None,
) -> None:
    """Search the catalog and print the hits with their explanations."""
    from shelfwise.records import Filters, PriceRange, SearchRequest

    price = None
    if min_price is not None or max_price is not None:
        price = PriceRange(min=min_price, max=max_price)
    request = SearchRequest(
        query=query,
        filters=Filters(category=category, brands=tuple(brand or ()), price=price, in_stock=in_stock),
        page=page,
        page_size=page_size,
        mode=mode,  # type: ignore[arg-type]
    )
    shop = open_shop(data_dir)
    shop.open_index()
    result = shop.search(request)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        from shelfwise.search.render import render_result

        typer.echo(render_result(result))
    shop.close()
