"""`shelfwise ab ...`: define A/B experiments, list them, stop them and report their results.

    shelfwise ab add experiment.json          # one definition, or {"experiments": [...]}
    shelfwise ab list
    shelfwise ab report ranking-test          # per-variant metrics, CIs, tests, SRM, MDE
    shelfwise ab report ranking-test --json
    shelfwise ab stop ranking-test            # ends it now; its exposures stay for the report

A running server reads `experiments.json` when it starts: restart it after `add` or `stop`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shelfwise.cli_events import DataDir, _data_dir, _events_url

if TYPE_CHECKING:
    from shelfwise.experiments import Experiments

ab_app = typer.Typer(help="A/B experiments: define, list, stop and report.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def _definitions(file: Path) -> list[Any]:
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _fail(f"{file}: not valid JSON: {error}") from None
    if isinstance(document, dict) and "experiments" in document:
        document = document["experiments"]
    return document if isinstance(document, list) else [document]


@ab_app.command("add")
def add(
    file: Annotated[Path, typer.Argument(help='JSON: one experiment or {"experiments": [...]}', exists=True)],
    replace: Annotated[bool, typer.Option(help="replace an experiment of the same name")] = False,
    data_dir: DataDir = None,
) -> None:
    """Validate definitions (variants, shares, settings each surface can apply) and save them."""
    from shelfwise.experiments import (
        EXPERIMENTS_FILE,
        ExperimentDefinitionError,
        ExperimentRegistry,
        parse_experiment,
    )
    from shelfwise.experiments.settings import check_settings

    target = _data_dir(data_dir) / EXPERIMENTS_FILE
    try:
        registry = ExperimentRegistry.load(target)
        added = [parse_experiment(raw, f"{file}: entry {i}") for i, raw in enumerate(_definitions(file))]
        check_settings(added)
        for experiment in added:
            registry.add(experiment, replace=replace)
    except ExperimentDefinitionError as error:
        raise _fail(str(error)) from None
    registry.save(target)
    for experiment in added:
        shares = ", ".join(f"{v.name} {v.share:.0%}" for v in experiment.variants)
        typer.echo(f"added {experiment.name} ({experiment.unit}): {shares}")


def _experiments(data_dir: Path | None) -> Experiments:
    """The folder's experiments.json and the shop's exposure log (by its URL)."""
    from shelfwise.cli import _settings
    from shelfwise.experiments import Experiments, open_exposure_log
    from shelfwise.storage.shop_data import ShopUrls

    settings = _settings(data_dir)
    log = open_exposure_log(ShopUrls.from_settings(settings).exposures)
    return Experiments.open(settings.data_dir, log=log)


@ab_app.command("list")
def list_experiments(data_dir: DataDir = None) -> None:
    """Every defined experiment: unit, variants and shares, surfaces, state and exposures."""
    experiments = _experiments(data_dir)
    now = datetime.now(UTC)
    if not len(experiments.registry):
        typer.echo("no experiments defined")
    for experiment in experiments.registry:
        state = "running" if experiment.is_running(now) else "not running"
        shares = ", ".join(f"{v.name} {v.share:.0%}" for v in experiment.variants)
        surfaces = ", ".join(experiment.surfaces) or "every surface"
        exposures = experiments.log.count(experiment.name)
        typer.echo(
            f"{experiment.name}: {state}; unit {experiment.unit}; {shares}; {surfaces}; {exposures} exposures"
        )
    experiments.close()


@ab_app.command("stop")
def stop(
    name: Annotated[str, typer.Argument(help="experiment name")],
    data_dir: DataDir = None,
) -> None:
    """End an experiment now: new requests get the defaults; the report keeps its window."""
    from shelfwise.experiments import EXPERIMENTS_FILE, ExperimentRegistry

    target = _data_dir(data_dir) / EXPERIMENTS_FILE
    registry = ExperimentRegistry.load(target)
    try:
        experiment = registry.get(name)
    except KeyError as error:
        raise _fail(str(error.args[0])) from None
    now = datetime.now(UTC)
    if experiment.start is not None and now <= experiment.start:
        raise _fail(
            f"experiment '{name}' has not started yet ({experiment.start.isoformat()}): remove it instead"
        )
    registry.add(experiment.model_copy(update={"end": now}), replace=True)
    registry.save(target)
    typer.echo(f"stopped {name} at {now.isoformat()}")


@ab_app.command("report")
def report(
    name: Annotated[str, typer.Argument(help="experiment name")],
    as_json: Annotated[bool, typer.Option("--json", help="the full report as JSON")] = False,
    until: Annotated[
        datetime | None, typer.Option(help="count events before this time (default: the experiment's end)")
    ] = None,
    alpha: Annotated[float, typer.Option(min=0.0001, max=0.5, help="significance level")] = 0.05,
    seed: Annotated[int, typer.Option(help="seed of the bootstrap")] = 0,
    data_dir: DataDir = None,
) -> None:
    """Per-variant CTR, conversion and revenue per unit with confidence intervals, a test suited to
    each metric, the sample-ratio-mismatch check and the minimal detectable effect."""
    from shelfwise.events import open_event_store
    from shelfwise.experiments import format_report

    experiments = _experiments(data_dir)
    events = open_event_store(_events_url(data_dir))
    moment = None if until is None else (until.replace(tzinfo=UTC) if until.tzinfo is None else until)
    try:
        result = experiments.report(
            name, (stored.event for stored in events.iter_events()), until=moment, seed=seed, alpha=alpha
        )
    except KeyError as error:
        raise _fail(str(error.args[0])) from None
    except ValueError as error:
        raise _fail(str(error)) from None
    finally:
        events.close()
        experiments.close()
    typer.echo(result.model_dump_json(indent=2) if as_json else format_report(result))


def _settings_pairs(values: list[str], hint: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for value in values:
        name, sep, raw = value.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"'{value}' is not NAME=VALUE", param_hint=hint)
        try:
            out[name] = json.loads(raw)
        except json.JSONDecodeError:
            out[name] = raw  # a bare word: fusion=weighted
    return out


@ab_app.command("interleave")
def interleave_command(
    a: Annotated[list[str], typer.Option("--a", help="ranker A's search settings, NAME=VALUE (repeatable)")],
    b: Annotated[list[str], typer.Option("--b", help="ranker B's search settings, NAME=VALUE (repeatable)")],
    k: Annotated[int, typer.Option(min=1, max=100, help="interleaved results per query")] = 10,
    limit: Annotated[int, typer.Option(min=1, help="most logged queries to replay")] = 2000,
    seed: Annotated[int, typer.Option(help="seed of the team-draft coin")] = 0,
    data_dir: DataDir = None,
) -> None:
    """Team-draft interleave two search configurations (e.g. `--a ranking=off --b ranking=conversion`,
    or `fusion`, `mode`, `personalize`) on logged searches that got clicks, each replayed as the
    shopper who searched; a logged click counts for the team whose result shows that product.
    Clicks were logged on what the serving ranker showed, so a ranker close to the serving one is
    favoured: compare candidates with each other rather than with what served the log."""
    from shelfwise.experiments.interleaving import LoggedQuery, interleave
    from shelfwise.experiments.settings import known_settings
    from shelfwise.impressions import attribute

    settings_a, settings_b = _settings_pairs(a, "--a"), _settings_pairs(b, "--b")
    for hint, chosen in (("--a", settings_a), ("--b", settings_b)):
        unknown = sorted(set(chosen) - known_settings("search"))
        if unknown:
            raise typer.BadParameter(f"unknown search setting '{unknown[0]}'", param_hint=hint)
    shop = _shelfwise_of(data_dir)
    try:
        examples, _ = attribute(
            shop.impressions.iter_impressions(surface="search"), (s.event for s in shop.events.iter_events())
        )
        logged: dict[str, LoggedQuery] = {}
        for example in examples:
            if example.clicked and example.query:
                seen = logged.get(example.request_id)
                clicked = (seen.clicked if seen else frozenset()) | {example.product_id}
                logged[example.request_id] = LoggedQuery(
                    example.query, clicked, example.request_id, example.user_id, example.session_id
                )
        queries = list(logged.values())[:limit]
        if not queries:
            raise _fail("no logged search has an attributed click yet")
        shop.open_index()
        result = interleave(
            queries, _replay(shop, settings_a, k), _replay(shop, settings_b, k), k=k, seed=seed
        )
    finally:
        shop.close()
    typer.echo(result.model_dump_json(indent=2))


def _replay(shop: Any, settings: dict[str, Any], k: int) -> Any:
    """A ranker that searches as the logged shopper with `settings`, logging nothing."""
    from shelfwise.experiments.interleaving import LoggedQuery
    from shelfwise.records import SearchRequest

    now = datetime.now(UTC)

    def rank(query: LoggedQuery) -> list[str]:
        request = SearchRequest(
            query=query.query, page_size=k, facets=(), explain=False,
            user_id=query.user_id, session_id=query.session_id,
        )  # fmt: skip
        return [hit.product.product_id for hit in shop.search_as_shopper(request, settings, now).hits]

    return rank


def _shelfwise_of(data_dir: Path | None):  # noqa: ANN202 - heavy import kept lazy
    from shelfwise.cli import _shelfwise

    return _shelfwise(data_dir)
