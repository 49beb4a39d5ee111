"""Counting this process's sockets and TCP connections (Linux ``/proc``), for leak checks."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["connections_to", "open_sockets", "proc_available", "wait_until"]

_FD_DIR = Path("/proc/self/fd")
_TCP_TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
_ESTABLISHED = "01"


def proc_available() -> bool:
    """Whether ``/proc`` describes this process's descriptors and TCP connections."""
    return _FD_DIR.is_dir() and _TCP_TABLES[0].is_file()


def open_sockets() -> int:
    """The number of this process's file descriptors that are sockets."""
    count = 0
    for entry in os.listdir(_FD_DIR):
        try:
            if os.readlink(_FD_DIR / entry).startswith("socket:"):
                count += 1
        except OSError:  # closed while listing
            continue
    return count


def connections_to(port: int) -> int:
    """Established TCP connections (either end) on local ``port``, machine-wide."""
    found = 0
    for table in _TCP_TABLES:
        try:
            lines = table.read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 4 or fields[3] != _ESTABLISHED:
                continue
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if port in (local_port, remote_port):
                found += 1
    return found


def wait_until(condition: Callable[[], bool], timeout: float = 2.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
