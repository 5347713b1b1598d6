"""Versioned index folders with an atomic switch between them.

    root/
      CURRENT                 name of the published version (one line)
      versions/<version>/     manifest.json, lexical/, vector/

A rebuild writes a new version folder, then `publish` points CURRENT at it with one os.replace:
readers see the old version or the new one, never a mix. Version names sort by creation time.
Before CURRENT changes, the version's files and folders are fsynced; CURRENT's new text is written
to a temporary file and fsynced, moved over CURRENT, then the folder is fsynced: a process killed,
or a machine stopped, at any point leaves CURRENT naming a whole version, the old one or the new.
"""

from __future__ import annotations

import os
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

CURRENT_FILE = "CURRENT"
VERSIONS_DIR = "versions"
MANIFEST_FILE = "manifest.json"


class IndexManifest(BaseModel):
    """What an index version holds and how it was built."""

    model_config = ConfigDict(frozen=True)

    version: str
    created_at: str = Field(description="ISO 8601, UTC")
    store_seq: int = Field(ge=0, description="store change sequence the index reflects")
    encoder: str = Field(description="encoder model version id")
    dim: int = Field(ge=0)
    product_count: int = Field(ge=0)
    vector_kind: str
    lexical_config: dict[str, Any]
    vector_config: dict[str, Any]
    build_seconds: float = Field(ge=0)
    notes: dict[str, Any] = Field(default_factory=dict)


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat()


def write_manifest(path: Path, manifest: IndexManifest) -> None:
    """Write manifest to file `path` (or `path`/manifest.json for a folder), atomically."""
    target = path / MANIFEST_FILE if path.is_dir() else path
    _atomic_write_text(target, manifest.model_dump_json(indent=2) + "\n")


def read_manifest(path: Path) -> IndexManifest:
    """Read the manifest in file `path` (or `path`/manifest.json for a folder)."""
    source = path / MANIFEST_FILE if path.is_dir() else path
    return IndexManifest.model_validate_json(source.read_text(encoding="utf-8"))


class IndexVersions:
    """The index versions under root and which one is current."""

    def __init__(self, root: Path, keep: int = 2) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self.root = root
        self.keep = keep

    write_manifest = staticmethod(write_manifest)
    read_manifest = staticmethod(read_manifest)

    @property
    def versions_dir(self) -> Path:
        return self.root / VERSIONS_DIR

    def path_of(self, version: str) -> Path:
        if not version or "/" in version or "\\" in version or version.startswith("."):
            raise ValueError(f"invalid index version name {version!r}")
        return self.versions_dir / version

    def new_version(self) -> tuple[str, Path]:
        """A fresh, empty version folder to build into; its name sorts after existing ones."""
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        while True:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            version = f"{stamp}-{secrets.token_hex(3)}"
            path = self.path_of(version)
            try:
                path.mkdir()
            except FileExistsError:
                continue
            return version, path

    def versions(self) -> list[str]:
        """Every version folder, oldest first."""
        if not self.versions_dir.is_dir():
            return []
        return sorted(
            p.name for p in self.versions_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
        )

    def current(self) -> tuple[str, Path] | None:
        """The published version and its folder, or None before the first publish."""
        try:
            version = (self.root / CURRENT_FILE).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        path = self.path_of(version)
        if not path.is_dir():
            raise FileNotFoundError(f"{self.root / CURRENT_FILE} names missing version {version}")
        return version, path

    def publish(self, version: str) -> None:
        """Make version current in one atomic step, then prune old versions."""
        path = self.path_of(version)
        if not path.is_dir():
            raise FileNotFoundError(f"no index version {version} under {self.versions_dir}")
        _fsync_tree(path)  # what CURRENT will name is on disk, names included, before it does
        _fsync_dir(self.versions_dir)
        _atomic_write_text(self.root / CURRENT_FILE, version + "\n")
        self.prune()

    def prune(self) -> list[str]:
        """Remove versions older than current beyond the `keep` newest; returns those removed.

        Versions newer than current (builds in progress) and current itself are never removed.
        """
        published = self.current()
        if published is None:
            return []
        current = published[0]
        older = [v for v in self.versions() if v < current]
        doomed = older[: max(0, len(older) - (self.keep - 1))]
        for version in doomed:
            shutil.rmtree(self.path_of(version), ignore_errors=True)
        return doomed


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def fsync_tree(root: Path) -> None:
    """fsync every file and folder under `root` (a version built elsewhere, before it is moved in)."""
    _fsync_tree(root)


def _fsync_tree(root: Path) -> None:
    """fsync every file and folder under `root` (files written without fsync, such as a saved
    query understanding, and folders whose new entries are not yet durable)."""
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
