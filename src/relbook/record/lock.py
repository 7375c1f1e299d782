"""One run per runbook and version at a time (filelock; a killed holder's lock is
released by the kernel, so a stale lock recovers by itself)."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from relbook.errors import LockedError


@contextmanager
def release_lock(path: Path) -> Iterator[None]:
    """Hold the release lock, or fail at once naming the process and host holding it."""
    from filelock import FileLock, Timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    holder = path.with_name(path.name + ".holder")
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise LockedError(
            f"another relbook run holds this release: {_describe(holder)}; wait for it to finish",
            path=str(path),
        ) from None
    try:
        me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        holder.write_text(json.dumps(me))
        yield
    finally:
        try:
            holder.unlink()
        except OSError:
            pass
        lock.release()


def _describe(holder: Path) -> str:
    try:
        info = json.loads(holder.read_text())
    except (OSError, ValueError):
        return "a process whose details are not known yet"
    return f"pid {info.get('pid')} on host {info.get('host')} since {info.get('since')}"
