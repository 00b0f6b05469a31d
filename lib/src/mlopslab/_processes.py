"""Operating-system plumbing for the scoring server of :mod:`mlopslab.deployment` (lab 08): ports, process groups and
clean-up.

A server runs as the leader of its own process group (:func:`start_group`), so that :func:`stop_group` ends it with
every worker it started; on Linux it also gets SIGTERM when the process that started it dies, and whatever is still
in :data:`LIVE` at interpreter exit is stopped. Not part of the lesson: lab 08 only calls :func:`group_processes` and
:func:`port_in_use` (through :mod:`mlopslab.deployment`) to show that a stopped server is gone.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def group_processes(pgid: int) -> list[int]:
    """The live (non-zombie) processes of a process group."""
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: signal 0 tells whether any member exists
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return []
        return [pgid]
    members = []
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return sorted(members)


def start_group(argv: list[str], env: dict[str, str], log: IO[bytes]) -> subprocess.Popen:
    """Start ``argv`` as the leader of a new process group (its own session), stdout and stderr to ``log``; on Linux
    it gets SIGTERM when this process dies."""
    return subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


def stop_group(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """End the process group ``process`` leads (SIGTERM, SIGKILL after ``timeout`` s) and wait until it is gone."""
    pgid = process.pid
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while group_processes(pgid) and time.monotonic() < deadline:
        process.poll()  # reap our direct child so that it does not linger as a zombie
        time.sleep(0.05)
    if group_processes(pgid):
        _signal_group(pgid, signal.SIGKILL)
        while group_processes(pgid) and time.monotonic() < deadline + 5:
            time.sleep(0.05)
    process.wait(timeout=5)


def read_tail(log: IO[bytes], lines: int) -> str:
    """The last ``lines`` lines of a log file that a process writes to, without moving its shared offset."""
    fd = log.fileno()
    text = os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


LIVE: set[Any] = set()
"""What is still running (objects with a ``stop()`` method): stopped at interpreter exit."""


@atexit.register
def _stop_all() -> None:
    """At interpreter exit, stop every server that is still running."""
    for server in list(LIVE):
        server.stop()


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the parent dies (Linux), so a killed kernel leaves no server."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
