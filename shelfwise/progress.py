"""Progress reporting: the one callback type that long jobs take.

`Progress(stage, done, total)` is called as a named stage advances (ingest, encode, index...);
the CLI's progress bars and the admin console's job log are `Progress`. A step that works inside
one stage (encoding texts, scoring pairs, reading a feed) takes a `StageProgress(done, total)`,
which `in_stage` makes from a `Progress`.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total)"""

StageProgress = Callable[[int, int], None]
"""progress(done, total) within one stage"""


def in_stage(progress: Progress, stage: str) -> StageProgress:
    """`progress` as seen from inside `stage`."""
    return lambda done, total: progress(stage, done, total)
