"""Pickle-free artifact folders of the recommender and its recall channels.

Every part saves to a folder of its own: `manifest.json` (the format and its version, the part's
config, its sizes) beside plain files, arrays as .npy written and read with
`allow_pickle=False`, sparse matrices as their three CSR arrays, small tables as JSON, network
weights as safetensors, item indexes in FAISS's own format. `load` reads exactly what `save`
wrote; a folder of another format (or none) is refused with an error saying to retrain.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel

MANIFEST_FILE = "manifest.json"
CHANNEL_FORMAT = "shelfwise-recall-channel/1"
RETRAIN = "train the recommender again with `shelfwise train recommender`"


class ArtifactError(LookupError):
    """A folder that holds no recommender this version can read (served as 'no recommender')."""


def write_manifest(folder: Path, body: Mapping[str, Any]) -> None:
    """Write `folder`/manifest.json (last, so a folder without one is incomplete)."""
    (folder / MANIFEST_FILE).write_text(json.dumps(body, indent=2, default=str) + "\n", encoding="utf-8")


def read_manifest(folder: Path, expected_format: str) -> dict[str, Any]:
    """The folder's manifest, or ArtifactError when it is missing or of another format."""
    path = folder / MANIFEST_FILE
    if not path.is_file():
        raise ArtifactError(f"no manifest at {path}: {RETRAIN}")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != expected_format:
        raise ArtifactError(
            f"{path}: format {manifest.get('format')!r} is not {expected_format!r}; {RETRAIN}"
        )
    return manifest


def write_channel_manifest(
    folder: Path, name: str, config: BaseModel | None, sizes: Mapping[str, Any], **extra: Any
) -> None:
    body = {
        "format": CHANNEL_FORMAT,
        "channel": name,
        "config": None if config is None else config.model_dump(mode="json"),
        "sizes": dict(sizes),
        **extra,
    }
    write_manifest(folder, body)


def read_channel_manifest(folder: Path, *names: str) -> dict[str, Any]:
    """The manifest of a channel folder holding one of the channels `names`."""
    manifest = read_manifest(folder, CHANNEL_FORMAT)
    if manifest.get("channel") not in names:
        raise ArtifactError(
            f"{folder / MANIFEST_FILE} holds channel {manifest.get('channel')!r}, not {' or '.join(names)}"
        )
    return manifest


def save_array(folder: Path, name: str, array: np.ndarray) -> None:
    np.save(folder / f"{name}.npy", np.asarray(array), allow_pickle=False)


def load_array(folder: Path, name: str) -> np.ndarray:
    loaded: np.ndarray = np.load(folder / f"{name}.npy", allow_pickle=False)
    return loaded


def save_csr(folder: Path, name: str, matrix: sp.csr_matrix) -> None:
    """A CSR matrix as `<name>.data/.indices/.indptr.npy` (its shape goes in the manifest)."""
    save_array(folder, f"{name}.data", matrix.data)
    save_array(folder, f"{name}.indices", matrix.indices)
    save_array(folder, f"{name}.indptr", matrix.indptr)


def load_csr(folder: Path, name: str, shape: tuple[int, int]) -> sp.csr_matrix:
    arrays = (load_array(folder, f"{name}.{part}") for part in ("data", "indices", "indptr"))
    return sp.csr_matrix(tuple(arrays), shape=shape)


def shape_of(manifest: Mapping[str, Any], key: str) -> tuple[int, int]:
    rows, cols = manifest["sizes"][key]
    return int(rows), int(cols)
