"""Processes by pid, read from /proc (Linux): is this pid still the process we started, which
processes share its process group, and stopping them one pid at a time.

A pid is only trusted together with its start time (clock ticks since boot, field 22 of
/proc/PID/stat): a pid the kernel has given to another process since is never signalled.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessId:
    """A process as started: its pid and its start time in clock ticks since boot."""

    pid: int
    start_ticks: int


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name, or None when there is no such pid."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # the command name (field 2) is in parentheses and may hold spaces or parentheses itself
    return text[text.rindex(")") + 2 :].split()


def process_id(pid: int) -> ProcessId | None:
    """The running process `pid` with its start time; None when it is gone or a zombie."""
    fields = _stat_fields(pid)
    if fields is None or fields[0] == "Z":
        return None
    return ProcessId(pid, int(fields[19]))


def is_alive(process: ProcessId) -> bool:
    """True while the very process we started runs (same pid and start time, not a zombie)."""
    return process_id(process.pid) == process


def group_members(pgid: int) -> list[ProcessId]:
    """The live processes whose process group is `pgid` (the pid of a group leader we started)."""
    members = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None and fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(ProcessId(int(entry.name), int(fields[19])))
    return sorted(members, key=lambda member: member.pid)


def signal_process(process: ProcessId, signum: int) -> bool:
    """Send `signum` to the process if it is still the one we started; True when sent."""
    if not is_alive(process):
        return False
    try:
        os.kill(process.pid, signum)
    except ProcessLookupError:
        return False
    return True


def wait_gone(processes: list[ProcessId], seconds: float) -> list[ProcessId]:
    """Wait up to `seconds` for the processes to end; those still alive then."""
    deadline = time.monotonic() + seconds
    alive = [process for process in processes if is_alive(process)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [process for process in alive if is_alive(process)]
    return alive


def orphans(leader: ProcessId) -> list[ProcessId]:
    """Members left in the group of a leader that has ended. While a group has members the
    kernel gives its id to no new process, so when no process holds the leader's pid the members
    found are ours; when another process holds it, the pid was reused and nothing is ours."""
    if process_id(leader.pid) is not None:
        return [] if not is_alive(leader) else [m for m in group_members(leader.pid) if m != leader]
    return group_members(leader.pid)


def stop_group(leader: ProcessId, grace_seconds: float) -> list[ProcessId]:
    """Stop a process group we started: SIGTERM to its leader (which stops its own children),
    then, after up to `grace_seconds`, SIGKILL to each member still alive, pid by pid. Returns
    the processes that had to be killed."""
    signal_process(leader, signal.SIGTERM)
    wait_gone([leader], grace_seconds)
    left = [leader] if is_alive(leader) else []
    left = wait_gone(left + [member for member in orphans(leader) if member not in left], 3.0)
    for process in left:
        signal_process(process, signal.SIGKILL)
    wait_gone(left, 5.0)
    return left
