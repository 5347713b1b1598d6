"""Experiment definitions and the JSON registry: validation with clear errors, round trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from shelfwise.experiments import (
    Experiment,
    ExperimentDefinitionError,
    ExperimentRegistry,
    Variant,
    parse_experiment,
)


def _experiment(name: str = "fusion-test", shares: tuple[float, ...] = (0.5, 0.5)) -> Experiment:
    variants = [Variant(name=f"v{i}", share=share) for i, share in enumerate(shares)]
    return Experiment(name=name, salt="s1", variants=tuple(variants))


def test_shares_must_sum_to_one() -> None:
    with pytest.raises(ValidationError, match=r"shares must sum to 1, got 0\.9 \(v0=0\.5, v1=0\.4\)"):
        _experiment(shares=(0.5, 0.4))
    assert len(_experiment(shares=(1 / 3, 1 / 3, 1 / 3)).variants) == 3


def test_invalid_definitions_are_rejected() -> None:
    with pytest.raises(ValidationError, match="at least 2"):
        _experiment(shares=(1.0,))
    with pytest.raises(ValidationError, match="greater than 0"):
        _experiment(shares=(0.0, 1.0))
    with pytest.raises(ValidationError, match="unique; repeated: a"):
        Experiment(name="x", salt="s", variants=(Variant(name="a", share=0.5), Variant(name="a", share=0.5)))
    with pytest.raises(ValidationError, match="end .* must be after start"):
        Experiment(
            name="x",
            salt="s",
            variants=_experiment().variants,
            start=datetime(2026, 2, 1),
            end=datetime(2026, 1, 1),
        )
    with pytest.raises(ValidationError, match="unit"):
        Experiment.model_validate({"name": "x", "salt": "s", "unit": "device", "variants": []})


def test_control_window_and_surfaces() -> None:
    experiment = Experiment(
        name="rerank-off",
        salt="s",
        surfaces=("search",),
        variants=(
            Variant(name="control", share=0.5),
            Variant(name="off", share=0.5, settings={"rerank": False}),
        ),
        start=datetime(2026, 1, 1),  # naive: read as UTC
        end=datetime(2026, 2, 1, tzinfo=UTC),
    )
    assert experiment.control.name == "control"
    assert experiment.variant("off").settings == {"rerank": False}
    assert experiment.start == datetime(2026, 1, 1, tzinfo=UTC)
    assert not experiment.is_running(datetime(2025, 12, 31, 23, 59, tzinfo=UTC))
    assert experiment.is_running(datetime(2026, 1, 1))
    assert not experiment.is_running(datetime(2026, 2, 1, tzinfo=UTC))  # the end is excluded
    assert experiment.applies_to("search") and not experiment.applies_to("recommend")
    with pytest.raises(KeyError, match="no variant 'nope'"):
        experiment.variant("nope")


def test_registry_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "experiments.json"
    first = Experiment(
        name="fusion-test",
        salt="s1",
        variants=(
            Variant(name="rrf", share=0.5),
            Variant(name="weighted", share=0.5, settings={"fusion": "weighted"}),
        ),
        start=datetime(2026, 12, 1, tzinfo=UTC),
    )
    registry = ExperimentRegistry([first, _experiment("other")])
    registry.save(path)
    loaded = ExperimentRegistry.load(path)
    assert [e.name for e in loaded] == ["fusion-test", "other"]
    assert loaded.get("fusion-test") == first
    assert json.loads(path.read_text())["version"] == 1
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_missing_file_is_an_empty_registry(tmp_path: Path) -> None:
    registry = ExperimentRegistry.load(tmp_path / "experiments.json")
    assert len(registry) == 0
    with pytest.raises(KeyError, match="no experiment 'x' \\(defined: none\\)"):
        registry.get("x")


def test_registry_add_replace_remove() -> None:
    registry = ExperimentRegistry([_experiment()])
    with pytest.raises(ExperimentDefinitionError, match="already exists"):
        registry.add(_experiment())
    registry.add(_experiment(shares=(0.2, 0.8)), replace=True)
    assert registry.get("fusion-test").variants[0].share == 0.2
    registry.remove("fusion-test")
    assert "fusion-test" not in registry


def _write(path: Path, experiments: object) -> None:
    path.write_text(json.dumps({"version": 1, "experiments": experiments}))


def test_bad_entry_names_file_entry_and_field(tmp_path: Path) -> None:
    path = tmp_path / "experiments.json"
    good = _experiment().model_dump(mode="json")
    bad = {
        "name": "broken",
        "salt": "s",
        "variants": [{"name": "a", "share": 0.5}, {"name": "b", "share": "x"}],
    }
    _write(path, [good, bad])
    with pytest.raises(ExperimentDefinitionError) as caught:
        ExperimentRegistry.load(path)
    assert f"{path}: experiments[1] ('broken'): variants.1.share: Input should be a valid number" in str(
        caught.value
    )


def test_unknown_field_and_duplicate_names(tmp_path: Path) -> None:
    path = tmp_path / "experiments.json"
    good = _experiment().model_dump(mode="json")
    _write(path, [{**good, "traffic": 1}])
    with pytest.raises(
        ExperimentDefinitionError, match=r"experiments\[0\] \('fusion-test'\): traffic: Extra inputs"
    ):
        ExperimentRegistry.load(path)
    _write(path, [good, good])
    with pytest.raises(
        ExperimentDefinitionError, match=r"experiments\[1\] \('fusion-test'\): name: .* defined twice"
    ):
        ExperimentRegistry.load(path)


def test_unreadable_documents(tmp_path: Path) -> None:
    path = tmp_path / "experiments.json"
    path.write_text("{not json")
    with pytest.raises(ExperimentDefinitionError, match="not valid JSON"):
        ExperimentRegistry.load(path)
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(ExperimentDefinitionError, match="an 'experiments' list"):
        ExperimentRegistry.load(path)
    path.write_text(json.dumps({"version": 7, "experiments": []}))
    with pytest.raises(ExperimentDefinitionError, match="version: unsupported format version 7"):
        ExperimentRegistry.load(path)


def test_parse_experiment_shares_error_is_one_line_per_problem() -> None:
    raw = {"name": "x", "salt": "s", "variants": [{"name": "a", "share": 0.7}, {"name": "b", "share": 0.7}]}
    with pytest.raises(
        ExperimentDefinitionError, match=r"^experiment: \(entry\): Value error, variant shares"
    ):
        parse_experiment(raw)
