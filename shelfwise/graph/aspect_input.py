"""The praised-for edges' input until review aspect mining publishes its own: a JSON-lines file
of `AspectPraise` records ({"product_id", "aspect", "score" 0-1, "reviews"}), read with the line
and the field of every bad row named."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

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
