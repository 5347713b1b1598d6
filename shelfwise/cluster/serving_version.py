"""Publishing a cluster-built index as a Serve version: a complete serving data folder (issue 29,
parts 2 and 5 joined).

    ARTIFACT_ROOT/serving/.staging-XXXX/NAME/    built here (a name `cluster serve` never takes)
        indexes/versions/<v>/, indexes/CURRENT    the index, published inside it (publish.py)
        models/<kind>/versions/<v>/, CURRENT      the shop's published models, copied
        models/onnx/, catalog_language.json, experiments.json
    ARTIFACT_ROOT/serving/NAME/                  renamed in once complete and fsynced

A version is immutable: an existing NAME is refused, before any work and again at the rename
(which fails on a folder that is not empty). A Serve replica (`version_folder`) sees no NAME until
it is complete; a failed build leaves no NAME and no staging folder.

What a replica's `ShopServer` reads from its data folder and is carried: the published index; the
active fine-tuned encoder, its document student and the ONNX exports (the replica must encode
queries with the encoder the index was built with, or it would build another index itself); the
active reranker, learned fusion, query student, recommender and CTR/CVR ranker; the catalog's
language decision and the experiments' definitions. Not carried: SQLite stores (replicas keep
every store in PostgreSQL), kept non-current model versions, training checkpoints, and
`cluster/` (the cluster's token and settings).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shelfwise.cluster.publish import STAGING_PREFIX, Build, publish_staged
from shelfwise.index import IndexVersions
from shelfwise.index.artifacts import fsync_tree

SERVING_DIR = "serving"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"  # serve_cluster.options.VERSION_PATTERN (tested)
MODEL_KINDS = ("encoder", "encoder-student", "reranker", "fusion", "query-student", "recommender", "ranker")
CARRIED_FOLDERS = ("models/onnx",)
CARRIED_FILES = ("catalog_language.json", "experiments.json")


@dataclass(frozen=True)
class ServingVersion:
    name: str
    folder: Path
    index_version: str
    carried: tuple[str, ...]  # paths relative to the data folder, copied from the shop's


def serving_root(artifact_root: Path) -> Path:
    """Where `cluster serve` finds versions by default (--versions-root)."""
    return artifact_root / SERVING_DIR


def check_new_version(artifact_root: Path, name: str) -> Path:
    """The folder NAME will be published at; ValueError for a bad name, FileExistsError for one
    already published (versions are immutable)."""
    if not re.fullmatch(NAME_PATTERN, name):
        raise ValueError(
            f"serving version name {name!r}: 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    target = serving_root(artifact_root) / name
    if target.exists():
        raise FileExistsError(
            f"serving version {name} already exists at {target}: versions are immutable, choose another name"
        )
    return target


def carry_models(source: Path, folder: Path) -> tuple[str, ...]:
    """Copy into `folder` what a ShopServer loads from the data folder `source`, besides its
    index: each model kind's current version with its CURRENT, the ONNX exports, the language
    decision and the experiments' definitions; the relative paths copied."""
    carried: list[str] = []
    for kind in MODEL_KINDS:
        current = IndexVersions(source / "models" / kind).current()
        if current is None:
            continue
        registry = IndexVersions(folder / "models" / kind)
        registry.versions_dir.mkdir(parents=True)
        shutil.copytree(current[1], registry.path_of(current[0]))  # links followed: self-contained
        registry.publish(current[0])
        carried.append(f"models/{kind}/versions/{current[0]}")
    for name in CARRIED_FOLDERS:
        if (source / name).is_dir():
            shutil.copytree(source / name, folder / name)
            carried.append(name)
    for name in CARRIED_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, folder / name)
            carried.append(name)
    return tuple(carried)


def publish_serving_version(artifact_root: Path, name: str, source: Path, build: Build) -> ServingVersion:
    """Build a complete serving data folder for version `name` off to the side (the models of
    the data folder `source` carried, the index built by `build`), then rename it in."""
    target = check_new_version(artifact_root, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target.parent))
    try:
        folder = staging / name
        folder.mkdir()
        carried = carry_models(source, folder)
        index_version = publish_staged(folder / "indexes", build)
        fsync_tree(folder)
        try:
            os.rename(folder, target)  # refused when NAME appeared meanwhile (a folder not empty)
        except OSError as error:
            if error.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
                raise
            raise FileExistsError(
                f"serving version {name} was published meanwhile at {target}: versions are immutable"
            ) from None
        _fsync_dir(target.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ServingVersion(name, target, index_version, carried)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
