"""The praised-for edges' input: the published review summaries' praise statements (the
default), or a JSON-lines file of `AspectPraise` records ({"product_id", "aspect", "score" 0-1,
"reviews"}), read with the line and the field of every bad row named."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from shelfwise.aspects.artifact import load_summaries, read_manifest, summaries_root
from shelfwise.aspects.records import ReviewSummary
from shelfwise.graph.types import AspectPraise


class AspectFileError(ValueError):
    """The file holds bad lines (the message lists up to ten of them, with line numbers)."""


def read_aspect_praise(path: Path) -> list[AspectPraise]:
    found: list[AspectPraise] = []
    errors: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                found.append(AspectPraise.model_validate(json.loads(line)))
            except json.JSONDecodeError as error:
                errors.append(f"{path}:{number}: not JSON ({error.msg})")
            except ValidationError as error:
                first = error.errors()[0]
                where = ".".join(str(part) for part in first["loc"]) or "line"
                errors.append(f"{path}:{number}:{where}: {first['msg']}")
    if errors:
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        raise AspectFileError(
            f"{len(errors)} bad aspect line(s), nothing read: " + "; ".join(errors[:10]) + more
        )
    return found


def praise_from_summaries(summaries: Iterable[ReviewSummary]) -> list[AspectPraise]:
    """Praised-for edges from published review summaries (`shelfwise aspects summarize`, the
    demo): each praise statement of a product, scored by its share of positive mentions among
    the mentions with a sentiment (mixed and complaint statements make no edge)."""
    found = []
    for summary in summaries:
        for statement in summary.statements:
            if statement.kind != "praise":
                continue
            said = statement.positive + statement.negative
            score = statement.positive / said if said else 1.0
            if score > 0:
                found.append(
                    AspectPraise(
                        product_id=summary.product_id,
                        aspect=statement.aspect,
                        score=round(min(score, 1.0), 4),
                        reviews=statement.reviews,
                    )
                )
    return found


def published_praise(data_dir: Path) -> tuple[list[AspectPraise], str | None]:
    """The praise of the data folder's published review summaries and their version ([] and
    None before any is published)."""
    root = summaries_root(data_dir)
    manifest = read_manifest(root)
    if manifest is None:
        return [], None
    return praise_from_summaries(load_summaries(root).values()), manifest.version
