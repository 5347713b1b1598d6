"""Saved profiles: a folder with manifest.json, the catalog (JSON + .npy) and every shopper's
event window (.npy); profiles are recomputed from the windows on load, so load mirrors save.
The folder is written beside its place and swapped in, so readers never see half of it."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.artifact_files import file_sha256
from shelfwise.personalize.aggregate import EventRows
from shelfwise.personalize.catalog import ProfileCatalog
from shelfwise.personalize.config import ProfileConfig

MANIFEST = "manifest.json"
FORMAT = "shelfwise-profiles"
VERSION = 1
_WINDOW_ARRAYS = ("product", "weight", "time")


@dataclass(frozen=True)
class SavedProfiles:
    """What a profiles folder holds."""

    catalog: ProfileCatalog
    config: ProfileConfig
    actors: list[str]
    rows: EventRows
    offsets: np.ndarray
    as_of: float | None


def write_profiles(folder: Path, saved: SavedProfiles) -> None:
    folder = Path(folder)
    staging = folder.with_name(f".{folder.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        saved.catalog.save(staging)
        (staging / "actors.json").write_text(json.dumps(saved.actors, ensure_ascii=False), encoding="utf-8")
        np.save(staging / "window_offsets.npy", saved.offsets.astype(np.int64))
        for name in _WINDOW_ARRAYS:
            np.save(staging / f"window_{name}.npy", getattr(saved.rows, name))
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "config": saved.config.model_dump(mode="json"),
            "as_of": saved.as_of,
            "as_of_iso": None
            if saved.as_of is None
            else datetime.fromtimestamp(saved.as_of, UTC).isoformat(),
            "counts": {
                "actors": len(saved.actors),
                "events": len(saved.rows),
                "products": len(saved.catalog.product_ids),
                "vector_dim": saved.catalog.dim,
            },
            "files": {path.name: file_sha256(path) for path in sorted(staging.iterdir())},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _swap_into_place(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def read_profiles(folder: Path) -> SavedProfiles:
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise ValueError(f"{folder} is not a version {VERSION} {FORMAT} folder")
    for name, digest in manifest["files"].items():
        if file_sha256(folder / name) != digest:
            raise ValueError(f"{folder / name} does not match its manifest (changed or damaged)")
    offsets = np.load(folder / "window_offsets.npy", allow_pickle=False)
    arrays = {name: np.load(folder / f"window_{name}.npy", allow_pickle=False) for name in _WINDOW_ARRAYS}
    actor = np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), np.diff(offsets))
    return SavedProfiles(
        ProfileCatalog.load(folder),
        ProfileConfig.model_validate(manifest["config"]),
        json.loads((folder / "actors.json").read_text(encoding="utf-8")),
        EventRows(actor, **arrays),
        offsets,
        manifest["as_of"],
    )


def _swap_into_place(staging: Path, folder: Path) -> None:
    retired = None
    if folder.exists():
        retired = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(folder, retired)
    os.replace(staging, folder)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
