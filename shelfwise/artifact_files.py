"""Helpers every pickle-free artifact folder shares: file digests for the manifest, checked when
the folder is read back, so a changed or damaged file is refused instead of served."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def folder_digests(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """sha256 of every file under `folder` (paths relative to it, '/'-separated, sorted), but
    the top-level names in `skip`."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).parts[0] not in skip)
    return {p.relative_to(folder).as_posix(): file_sha256(p) for p in files}


def check_digests(folder: Path, expected: Mapping[str, str]) -> None:
    """ValueError naming the first file that is missing or does not match its digest."""
    for name, digest in expected.items():
        path = folder / name
        if not path.is_file():
            raise ValueError(f"{path} is missing (its manifest lists it)")
        if file_sha256(path) != digest:
            raise ValueError(f"{path} does not match its manifest (changed or damaged)")
