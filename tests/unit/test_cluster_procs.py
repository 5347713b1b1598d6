"""Stopping a process group we started, pid by pid, and never a process that only reuses a pid."""

from __future__ import annotations

import subprocess
import sys
import time

from shelfwise.cluster.procs import ProcessId, group_members, is_alive, process_id, stop_group


def _group(script: str) -> tuple[subprocess.Popen[bytes], ProcessId]:
    """A shell leading a new session with children of its own, like `ray start --block`."""
    leader = subprocess.Popen(["sh", "-c", script], start_new_session=True)
    deadline = time.monotonic() + 10
    while len(group_members(leader.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    found = process_id(leader.pid)
    assert found is not None
    return leader, found


def test_a_group_is_stopped_by_its_leader_and_the_members_left_are_killed() -> None:
    # the leader exits on SIGTERM without stopping its children: they are killed by pid
    popen, leader = _group("sleep 60 & sleep 60 & wait")
    members = group_members(leader.pid)
    assert len(members) == 3 and leader in members
    killed = stop_group(leader, grace_seconds=5)
    popen.wait(timeout=5)
    assert [member for member in members if is_alive(member)] == []
    assert set(killed) == set(members) - {leader}


def test_a_leader_that_ignores_sigterm_is_killed_after_the_grace() -> None:
    popen, leader = _group("trap '' TERM; sleep 60 & sleep 60 & wait")
    members = group_members(leader.pid)
    killed = stop_group(leader, grace_seconds=0.5)
    popen.wait(timeout=5)
    assert leader in killed
    assert [member for member in members if is_alive(member)] == []


def test_a_pid_with_another_start_time_is_not_ours() -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    try:
        real = process_id(other.pid)
        assert real is not None
        impostor = ProcessId(
            other.pid, real.start_ticks - 1
        )  # as if our process ended and the pid was reused
        assert not is_alive(impostor)
        assert stop_group(impostor, grace_seconds=0.2) == []
        assert is_alive(real)
    finally:
        other.kill()
        other.wait(timeout=5)
    assert not is_alive(real)
