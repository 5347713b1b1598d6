"""The experiments a shop has defined, kept in one JSON file (`DATA_DIR/experiments.json`).

The file is `{"version": 1, "experiments": [{...}, ...]}`; each entry is an `Experiment`. A bad
entry is an `ExperimentDefinitionError` naming the file, the entry and the field. Saving writes a
temporary file beside it and replaces the old one with `os.replace`, so a reader sees the old
file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shelfwise.experiments.definitions import Experiment

EXPERIMENTS_FILE = "experiments.json"
FORMAT_VERSION = 1


class ExperimentDefinitionError(ValueError):
    """A definition that cannot be used; the message names the file (if any), entry and field."""


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(entry)"


def describe_validation_error(error: ValidationError, where: str) -> str:
    """One line per problem: `where: field: message`."""
    lines = [f"{where}: {_field(tuple(item['loc']))}: {item['msg']}" for item in error.errors()]
    return "\n".join(lines)


def parse_experiment(raw: Any, where: str = "experiment") -> Experiment:
    """Validate one definition (a dict as read from JSON)."""
    try:
        return Experiment.model_validate(raw)
    except ValidationError as error:
        raise ExperimentDefinitionError(describe_validation_error(error, where)) from None


def _entries(document: Any, path: Path) -> list[Any]:
    if not isinstance(document, dict) or not isinstance(document.get("experiments"), list):
        raise ExperimentDefinitionError(f"{path}: expected an object with an 'experiments' list")
    version = document.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise ExperimentDefinitionError(f"{path}: version: unsupported format version {version!r}")
    return list(document["experiments"])


def _where(path: Path, index: int, raw: Any) -> str:
    name = raw.get("name") if isinstance(raw, dict) else None
    return f"{path}: experiments[{index}]" + (f" ('{name}')" if isinstance(name, str) else "")


class ExperimentRegistry:
    """Experiments by name, in definition order. Not thread-safe for writers: one process (the CLI
    or an admin route) edits the file; servers load it."""

    def __init__(self, experiments: list[Experiment] | None = None) -> None:
        self._experiments: dict[str, Experiment] = {}
        for experiment in experiments or []:
            self.add(experiment)

    @classmethod
    def load(cls, path: str | Path) -> ExperimentRegistry:
        """Read `path`; a missing file is an empty registry."""
        path = Path(path)
        if not path.exists():
            return cls()
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ExperimentDefinitionError(f"{path}: not valid JSON: {error}") from None
        registry = cls()
        for index, raw in enumerate(_entries(document, path)):
            where = _where(path, index, raw)
            experiment = parse_experiment(raw, where)
            if experiment.name in registry:
                raise ExperimentDefinitionError(f"{where}: name: '{experiment.name}' is defined twice")
            registry.add(experiment)
        return registry

    def save(self, path: str | Path) -> None:
        """Write every experiment to `path` atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "version": FORMAT_VERSION,
            "experiments": [e.model_dump(mode="json", exclude_defaults=True) for e in self],
        }
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(document, out, indent=2, ensure_ascii=False)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def add(self, experiment: Experiment, *, replace: bool = False) -> None:
        if experiment.name in self._experiments and not replace:
            raise ExperimentDefinitionError(f"experiment '{experiment.name}' already exists")
        self._experiments[experiment.name] = experiment

    def remove(self, name: str) -> None:
        self.get(name)
        del self._experiments[name]

    def get(self, name: str) -> Experiment:
        try:
            return self._experiments[name]
        except KeyError:
            known = ", ".join(self._experiments) or "none"
            raise KeyError(f"no experiment '{name}' (defined: {known})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._experiments

    def __iter__(self) -> Iterator[Experiment]:
        return iter(list(self._experiments.values()))

    def __len__(self) -> int:
        return len(self._experiments)
