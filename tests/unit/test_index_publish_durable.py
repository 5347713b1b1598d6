"""`IndexVersions.publish` makes the new version durable before CURRENT names it, and CURRENT
durable by write-temporary, fsync, os.replace, fsync of the folder (the syscalls are recorded)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from shelfwise.index.artifacts import IndexVersions


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads fd paths from /proc/self/fd")
def test_publish_fsyncs_the_version_then_current_then_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = IndexVersions(tmp_path / "indexes")
    version, path = registry.new_version()
    (path / "vector").mkdir()
    (path / "vector" / "ids.json").write_text("{}", encoding="utf-8")
    (path / "understanding").mkdir()
    (path / "understanding" / "spelling.json").write_text("[]", encoding="utf-8")  # never fsynced
    calls: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str | Path, dst: str | Path) -> None:
        calls.append(("replace", str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    registry.publish(version)

    root = registry.root.resolve()
    current = str(root / "CURRENT")
    swap = calls.index(("replace", current))
    before, after = calls[:swap], calls[swap + 1 :]
    for needed in (path / "vector" / "ids.json", path / "understanding" / "spelling.json",
                   path / "vector", path, registry.versions_dir):  # fmt: skip
        assert ("fsync", str(needed.resolve())) in before, needed
    temp = [target for kind, target in before if kind == "fsync" and ".CURRENT." in target]
    assert len(temp) == 1 and Path(temp[0]).parent == root  # the new text, fsynced before the move
    assert ("fsync", str(root)) in after  # the folder's new entry for CURRENT
    assert registry.current() == (version, path)
