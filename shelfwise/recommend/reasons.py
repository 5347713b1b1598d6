"""Why an item was recommended: a kind and the history item it hangs on, if any."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    kind: str
    anchor: int | None = None
    detail: str = ""
