"""The journal's syncer: one thread, group commit, and never a byte counted durable
before an fsync that began after it was written has succeeded."""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path

import pytest

import relbook.record.sync as record
from relbook.errors import RecordError
from relbook.record import Journal


def test_durable_never_runs_ahead_of_the_fsyncs(tmp_path: Path, monkeypatch) -> None:
    synced: list[int] = []  # file size when each fsync began
    real = record._fdatasync

    def slow_disk(fd: int) -> None:
        size = os.fstat(fd).st_size
        time.sleep(0.005)  # appends pile up meanwhile
        real(fd)
        synced.append(size)

    monkeypatch.setattr(record, "_fdatasync", slow_disk)
    j = Journal(tmp_path / "j.jsonl")
    for n in range(40):
        j.append({"event": "outcome", "n": n})
        j.sync_soon()
        assert j.durable <= (synced[-1] if synced else 0)
    j.sync()
    assert j.durable == j.size == os.path.getsize(tmp_path / "j.jsonl") <= synced[-1]
    assert len(synced) < 40  # requests made during an fsync were served together
    assert sum(t.name == "journal-sync" for t in threading.enumerate()) == 1
    j.close()
    assert not any(t.name == "journal-sync" for t in threading.enumerate())


def test_a_failed_fsync_is_reported_and_nothing_is_counted(tmp_path: Path, monkeypatch) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(record, "_fdatasync", full)
    j = Journal(tmp_path / "j.jsonl")
    j.append({"event": "begin"})
    j.sync_soon()
    with pytest.raises(RecordError, match="No space left"):
        j.sync()
    assert j.durable == 0
    j.close()
