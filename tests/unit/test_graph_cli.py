"""`shelfwise graph build|show|path` over a data folder, and the aspects input file's errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.config import Settings
from shelfwise.graph.aspect_input import AspectFileError, read_aspect_praise
from shelfwise.shop_data import ShopData
from tests.unit.test_graph import PRODUCTS, _history


def test_build_show_and_path_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SHELFWISE_DATA_DIR", "SHELFWISE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    folder = tmp_path / "shop"
    missing = runner.invoke(app, ["graph", "build", "--data-dir", str(folder)])
    assert missing.exit_code == 2 and "the catalog is empty" in missing.output
    with ShopData.open(Settings(data_dir=folder)) as data:
        data.store.upsert(PRODUCTS)
        data.events.append(_history())
    aspects = tmp_path / "praise.jsonl"
    aspects.write_text(
        json.dumps({"product_id": "lamp-1", "aspect": "warm light", "score": 0.8, "reviews": 4}) + "\n"
    )
    built = runner.invoke(app, ["graph", "build", "--aspects", str(aspects), "--data-dir", str(folder)])
    assert built.exit_code == 0, built.output
    assert (folder / "models" / "graph" / "CURRENT").is_file()
    shown = runner.invoke(app, ["graph", "show", "lamp-1", "--data-dir", str(folder)])
    assert shown.exit_code == 0 and '"praised_for"' in shown.output
    path = runner.invoke(app, ["graph", "path", "lamp-1", "lamp-2", "--data-dir", str(folder)])
    assert path.exit_code == 0 and "Same brand (Lumen) as Brass Desk Lamp." in path.output
    unknown = runner.invoke(app, ["graph", "show", "nope", "--data-dir", str(folder)])
    assert unknown.exit_code == 2 and "no product 'nope'" in unknown.output


def test_a_bad_aspects_file_names_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "praise.jsonl"
    good = json.dumps({"product_id": "p", "aspect": "fit", "score": 0.5, "reviews": 2})
    path.write_text(
        good + "\n{oops\n" + json.dumps({"product_id": "p", "aspect": "fit", "score": 2, "reviews": 1}) + "\n"
    )
    with pytest.raises(AspectFileError) as caught:
        read_aspect_praise(path)
    message = str(caught.value)
    assert f"{path}:2: not JSON" in message and f"{path}:3:score:" in message and "nothing read" in message
    path.write_text(good + "\n\n")
    assert [p.aspect for p in read_aspect_praise(path)] == ["fit"]


def test_the_build_graph_job_checks_its_parameters_and_publishes(tmp_path: Path) -> None:
    from shelfwise.worker.kinds import JobContext, check_params, job_kinds

    kinds = job_kinds()
    check_params(kinds, "build-graph", {"min_support": 3, "basket_days": 7})
    with pytest.raises(ValueError, match="has no parameter colour"):
        check_params(kinds, "build-graph", {"colour": "red"})
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        check_params(kinds, "build-graph", {"min_support": 0})
    settings = Settings(data_dir=tmp_path)
    with ShopData.open(settings) as data:
        data.store.upsert(PRODUCTS)
        data.events.append(_history())
    lines: list[str] = []
    outcome = kinds["build-graph"].run(
        JobContext(settings, lines.append, lambda f, m: None), {"min_support": 1}
    )
    assert outcome.startswith("graph ") and outcome in lines
    assert (tmp_path / "models" / "graph" / "CURRENT").read_text().strip() in outcome
