"""kill -9 of `shelfwise index --rebuild` at each step of its publish leaves CURRENT naming the old
version or the new one, complete: it loads as it is, answers searches, and a later `shelfwise index`
finishes. The child stops at a named step (patched in) and is killed there, not after a timer."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from kill_harness import PUBLISH_STEPS, indexed_folder, kill_index_publish

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")]

EXPECTED_CURRENT = {
    "vectors-unsaved": "old",
    "unpublished": "old",
    "current-temp-written": "old",
    "current-replaced": "new",
    "pruning": "new",
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


def test_a_killed_publish_leaves_a_whole_version_current(tmp_path: Path) -> None:
    template = indexed_folder(tmp_path / "template")
    outcomes = kill_index_publish(template, tmp_path / "killed")
    assert [o.step for o in outcomes] == list(PUBLISH_STEPS)
    for outcome in outcomes:
        assert outcome.killed, f"the child finished before reaching {outcome.step}"
        assert outcome.current == EXPECTED_CURRENT[outcome.step], outcome
        assert outcome.searchable and outcome.index_completed, outcome
