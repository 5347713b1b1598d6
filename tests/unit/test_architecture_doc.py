"""docs/architecture.md names every package and top-level module of shelfwise/ (issue 28: the page
shows every package), so a new one cannot be added without saying what it is."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_and_module_is_named() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    names = [
        f"`{p.name}/`" if p.is_dir() else f"`{p.name}`"
        for p in sorted((ROOT / "shelfwise").iterdir())
        if (p.is_dir() and (p / "__init__.py").exists()) or (p.suffix == ".py" and p.name != "__init__.py")
    ]
    assert len(names) > 30
    assert [name for name in names if name not in page] == []
