"""The `shelfwise` command: ingest, index, search, serve, demo, bench, eval, train, the groups
of shop data (synonyms, events, reviews, ab, keys, shoppers) and the Ray cluster (cluster). One module per
command group; `common` holds what they share."""

from __future__ import annotations

import os

import typer

from shelfwise.cli.ab import ab_app
from shelfwise.cli.aspects import aspects_app
from shelfwise.cli.assistant import assistant_app
from shelfwise.cli.bench import bench_app
from shelfwise.cli.cluster import cluster_app
from shelfwise.cli.cluster_serve import serve as _cluster_serve  # noqa: F401  (registers `cluster serve`)
from shelfwise.cli.demo import demo
from shelfwise.cli.describe import describe
from shelfwise.cli.errors import EXIT_CODES_HELP, ShelfwiseGroup
from shelfwise.cli.eval import eval_app
from shelfwise.cli.events import events_app
from shelfwise.cli.graph import graph_app
from shelfwise.cli.jobs import jobs_app, worker
from shelfwise.cli.keys import keys_app
from shelfwise.cli.reviews import reviews_app
from shelfwise.cli.serve import serve
from shelfwise.cli.shop import delete, index, ingest, search
from shelfwise.cli.shoppers import shoppers_app
from shelfwise.cli.synonyms import synonyms_app
from shelfwise.cli.train import train_app

__all__ = ["app", "main"]

app = typer.Typer(
    cls=ShelfwiseGroup,
    help="Shelfwise: e-commerce search driven by language models.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
)
for command in (ingest, delete, index, search, serve, demo, describe):
    app.command()(command)
app.add_typer(bench_app, name="bench")
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")
app.add_typer(synonyms_app, name="synonyms")
app.add_typer(aspects_app, name="aspects")
app.add_typer(events_app, name="events")
app.add_typer(reviews_app, name="reviews")
app.add_typer(ab_app, name="ab")
app.add_typer(keys_app, name="keys")
app.add_typer(shoppers_app, name="shoppers")
app.add_typer(jobs_app, name="jobs")
app.add_typer(cluster_app, name="cluster")
app.add_typer(graph_app, name="graph")
app.add_typer(assistant_app, name="assistant")
app.command("worker")(worker)


@app.callback()
def _offline() -> None:
    """Models load from local folders only; never from a hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # idle OpenMP threads sleep instead of spinning: spinning starves the other threads on a
    # small machine (a 15 ms search took 480 ms beside a busy process)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def main() -> None:  # pragma: no cover - console entry point
    app()
