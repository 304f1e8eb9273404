"""What the benchmarks ask of this machine's processes: a free port, and the CPU that processes spent."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(match: Callable[[int, int, int, str], bool]) -> float:
    """CPU time (user + system) used so far by every live process for which match(pid, ppid, pgrp, cmdline)
    holds, with that of the children each has reaped: so the difference of two readings counts a process that
    ended between them (a gunicorn worker recycled, a Celery pool process killed) up to its end."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue
        if match(int(entry.name), int(fields[1]), int(fields[2]), cmdline):
            total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick
