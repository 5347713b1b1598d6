"""Publishing an index version to shared storage atomically (issue 29 part 2).

    ROOT/versions/.staging-XXXX/versions/<version>/   built here (a name no reader lists)
    ROOT/versions/<version>/                           renamed in once complete and fsynced
    ROOT/CURRENT                                       then replaced (IndexVersions.publish)

The version is built under a hidden staging folder beside the published ones (the same file
system, so the move is one rename), checked (its manifest, written last, reads back), fsynced,
renamed into `versions/`, and only then named by CURRENT. A reader sees the old version or the
new one, never a half-written one; a build that fails leaves CURRENT and `versions/` as they
were, and its staging folder is removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from shelfwise.index import IndexVersions, read_manifest
from shelfwise.index.artifacts import fsync_tree

STAGING_PREFIX = ".staging-"

Build = Callable[[IndexVersions], str]
"""Builds a version into the registry it is given and returns its name, files closed."""


def publish_staged(root: Path, build: Build, keep: int = 2) -> str:
    """Build a version with `build` off to the side, then publish it under `root`; its name."""
    registry = IndexVersions(root, keep=keep)
    registry.versions_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=registry.versions_dir))
    try:
        version = build(IndexVersions(staging))
        built = IndexVersions(staging).path_of(version)
        manifest = read_manifest(built)  # a build that did not finish has none
        if manifest.version != version:
            raise ValueError(f"{built}: the manifest names version {manifest.version}")
        fsync_tree(built)
        os.rename(built, registry.path_of(version))
        registry.publish(version)  # fsyncs the version and its folder, then replaces CURRENT
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return version
