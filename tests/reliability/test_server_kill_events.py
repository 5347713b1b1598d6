"""kill -9 of `shelfwise serve` while a client posts batches of events, three times: every event
acknowledged is stored once; events of a cut-off batch may have been stored (its resend calls them
duplicates), never twice and never lost. Figures with more kills: benchmarks/reliability.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from kill_harness import kill_server_during_events

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")]


def test_acknowledged_events_survive_server_kills(tmp_path: Path) -> None:
    figures = kill_server_during_events(tmp_path / "data", kills=3, batch_size=50)
    assert figures.kills == 3
    assert figures.integrity == "ok"
    assert figures.lost == 0 and figures.duplicated == 0
    # each batch answered once, cut-off ones when sent again: everything sent is acknowledged
    assert figures.acknowledged == figures.stored == 50 * figures.batches
