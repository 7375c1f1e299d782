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


def test_fsyncs_nobody_waits_for_are_paced_and_a_wait_is_not(tmp_path: Path, monkeypatch) -> None:
    synced: list[int] = []
    real = record._fdatasync

    def counted(fd: int) -> None:
        real(fd)
        synced.append(os.fstat(fd).st_size)

    monkeypatch.setattr(record, "_fdatasync", counted)
    monkeypatch.setattr(record, "GAP", 3600.0)  # no second fsync unless someone waits
    j = Journal(tmp_path / "j.jsonl")
    for n in range(50):
        j.append({"event": "outcome", "n": n})
        j.sync_soon()
        time.sleep(0.001)  # steps apart: each request finds the syncer idle
    waiter = threading.Thread(target=j.sync)
    waiter.start()
    waiter.join(timeout=60)
    assert not waiter.is_alive(), "sync() waited for the pace meant for background fsyncs"
    assert len(synced) <= 2  # the first request's fsync, then the one sync() asked for
    assert j.durable == j.size == synced[-1]
    j.close()
