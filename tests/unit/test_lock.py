"""The lock a refused run reports: who holds it, even in the moment after it was taken."""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from pathlib import Path

import pytest

from relbook.errors import LockedError
from relbook.record import lock
from relbook.record.lock import record_lock


def _hold(path: Path) -> int:
    """Take the lock as another run would, before it has written who it is."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def test_a_run_refused_just_after_the_lock_was_taken_names_its_holder(tmp_path: Path) -> None:
    path = tmp_path / "1.3.0.lock"
    fd = _hold(path)
    holder = {"pid": 4242, "host": "ci-7", "runbook": "gated", "version": "1.3.0", "since": "now"}

    def write_details() -> None:
        time.sleep(0.2)
        os.pwrite(fd, json.dumps(holder).encode(), 0)

    writer = threading.Thread(target=write_details)
    writer.start()
    try:
        with pytest.raises(LockedError) as refused, record_lock(path, version="1.4.0"):
            pass
    finally:
        writer.join()
        os.close(fd)
    assert "pid 4242 on host ci-7, runbook gated version 1.3.0" in str(refused.value)


def test_a_holder_that_never_says_who_it_is_is_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lock, "HOLDER_PATIENCE", 0.1)
    path = tmp_path / "1.3.0.lock"
    fd = _hold(path)
    try:
        with pytest.raises(LockedError, match="details are not known yet"), record_lock(path):
            pass
    finally:
        os.close(fd)


def test_the_holder_writes_who_it_is_and_clears_it_on_release(tmp_path: Path) -> None:
    path = tmp_path / "1.3.0.lock"
    path.write_text("x" * 500)  # a longer leftover is cut, not left behind the details
    with record_lock(path, runbook="gated", version="1.3.0"):
        info = json.loads(path.read_text())
        assert (info["pid"], info["version"]) == (os.getpid(), "1.3.0")
    assert path.read_text() == ""
