"""The README's and docs' links to other pages resolve (file and heading anchor), and every
benchmark script docs/benchmarks.md names is in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", flags=re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in FENCE.sub("", page.read_text()).splitlines():
        if not line.startswith("#"):
            continue
        base = slug(line.lstrip("#"))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def local_links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text())
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


def test_slug_follows_github() -> None:
    assert slug("Event ingestion (SQLite / PostgreSQL)") == "event-ingestion-sqlite--postgresql"
    assert slug("Recommender artifacts (save/load)") == "recommender-artifacts-saveload"
    assert slug("`shelfwise` CLI, and 2 more") == "shelfwise-cli-and-2-more"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_local_links_resolve(page: Path) -> None:
    broken = []
    for target in local_links(page):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no file {linked}")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading with anchor #{anchor} in {linked.name}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


def test_benchmark_scripts_named_in_benchmarks_md_exist() -> None:
    text = (ROOT / "docs" / "benchmarks.md").read_text()
    named = set(re.findall(r"benchmarks/[\w./-]+\.(?:py|sh|tsv)", text))
    missing = sorted(name for name in named if not (ROOT / name).exists())
    assert named and not missing, f"scripts named in docs/benchmarks.md but not in the repository: {missing}"
