"""`shelfwise graph ...`: build the product knowledge graph, and look at it.

shelfwise graph build                   # from the catalog and every stored event; publishes
shelfwise graph build --aspects praise.jsonl --min-support 3
shelfwise graph show SW-000038          # a product's neighbourhood
shelfwise graph path SW-000038 SW-003677
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shelfwise.cli.common import DataDir, log_line, settings_of
from shelfwise.cli.errors import InputError, fail

if TYPE_CHECKING:
    from shelfwise.graph import GraphService
    from shelfwise.shop_data import ShopData

graph_app = typer.Typer(
    help="The product knowledge graph: build it, show a product, explain a path.", no_args_is_help=True
)


@graph_app.command("build")
def build(
    min_support: Annotated[int, typer.Option(min=1, help="sessions or baskets a learned link needs")] = 2,
    basket_days: Annotated[
        float, typer.Option(min=0.001, help="purchases this close form one basket")
    ] = 30.0,
    max_links: Annotated[int, typer.Option(min=1, help="strongest links kept per product and kind")] = 50,
    aspects: Annotated[
        Path | None,
        typer.Option(
            help="JSONL of {product_id, aspect, score, reviews}: praised-for edges "
            "(default: the published review summaries' praise)",
            exists=True,
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Build the graph from the shop's catalog and events and publish it (models/graph/CURRENT);
    running servers serve it at their next catch-up."""
    from shelfwise.graph import GraphBuildConfig, build_and_publish
    from shelfwise.graph.aspect_input import AspectFileError, read_aspect_praise
    from shelfwise.shop_data import ShopData

    try:
        praise = read_aspect_praise(aspects) if aspects is not None else None
    except AspectFileError as error:
        raise InputError(str(error)) from error
    config = GraphBuildConfig(min_support=min_support, basket_days=basket_days, max_links=max_links)
    settings = settings_of(data_dir)
    with ShopData.open(settings) as data:
        if data.store.count() == 0:
            raise InputError(f"{settings.data_dir}: the catalog is empty: ingest products first")
        build_and_publish(data.store, data.events, settings.data_dir, config, praise, log=log_line)


def _service(data_dir: Path | None) -> tuple[ShopData, GraphService]:
    from shelfwise.graph import GraphService, PublishedGraph
    from shelfwise.language.catalog import stored_language
    from shelfwise.shop_data import ShopData

    settings = settings_of(data_dir)
    data = ShopData.open(settings)
    language = stored_language(settings.data_dir)
    return data, GraphService(
        PublishedGraph(settings.data_dir), data.store, language.language if language else "en"
    )


@graph_app.command("show")
def show(
    product_id: str,
    limit: Annotated[int, typer.Option(min=1, help="neighbours per edge kind")] = 10,
    data_dir: DataDir = None,
) -> None:
    """Print a product's neighbourhood as JSON."""
    data, service = _service(data_dir)
    try:
        typer.echo(service.neighbourhood(product_id, None, limit).model_dump_json(indent=2))
    except KeyError as error:
        raise fail(str(error.args[0])) from error
    except LookupError as error:
        raise fail(str(error), 1) from error
    finally:
        data.close()


@graph_app.command("path")
def path(
    source: str,
    target: str,
    max_hops: Annotated[int, typer.Option(min=1, max=3)] = 3,
    limit: Annotated[int, typer.Option(min=1, max=10)] = 3,
    data_dir: DataDir = None,
) -> None:
    """Print the best explained paths from SOURCE to TARGET, a JSON object a line."""
    data, service = _service(data_dir)
    try:
        found = service.paths(source, target, max_hops, limit)
    except KeyError as error:
        raise fail(str(error.args[0])) from error
    except LookupError as error:
        raise fail(str(error), 1) from error
    finally:
        data.close()
    if not found:
        typer.echo(f"no path within {max_hops} edges")
    for explained in found:
        typer.echo(json.dumps({"score": explained.path.score, "text": explained.text}, ensure_ascii=False))
