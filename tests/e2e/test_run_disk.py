"""Full disks, read-only records and cut journals: exit 2 with one line, nothing
recorded lost, and the same command completes the record once the disk is back."""

from __future__ import annotations

import errno
import hashlib
import subprocess
from pathlib import Path

import pytest

from relbook.record import read_journal, read_record
from tests.conftest import Repo
from tests.e2e.runhelp import command, env, journal, lines, notebook, run, write_runbook

THREE = """
    # Disk release

    ## Steps

    ```bash
    echo one | tee -a "$MARKS/one"
    ```

    ```bash
    echo two | tee -a "$MARKS/two"
    if [ -n "${FAIL_TWO:-}" ] && [ ! -e "$MARKS/ok" ]; then exit 1; fi
    fill="${FILL:-}"
    if [ -n "$fill" ] && [ ! -e "$MARKS/filled" ]; then
      touch "$MARKS/filled"  # the disk fills here: 4 MiB at most, on a 512 KiB tmpfs
      case "$fill" in */small/*) head -c 4194304 /dev/zero > "$fill" 2>/dev/null || true;; esac
    fi
    ```

    ```bash
    echo three | tee -a "$MARKS/three"
    ```
"""


@pytest.fixture
def three(tmp_path: Path, origin_repo: Repo, monkeypatch):
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv("MARKS", str(marks))
    rb = write_runbook(tmp_path / "disk.md", THREE)
    return rb, marks


def _args(rb: Path, repo: Repo, records: Path) -> list:
    return [rb, "--version", "1.3.0", "--repo", repo.path, "--records", records, "--yes"]


def _one_line(err: str) -> str:
    assert "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    return err


def _files(records: Path) -> dict[str, str]:
    return {
        str(p.relative_to(records)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(records.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


class FakeDisk:
    """The disk fills when a step creates `trigger`: writes and fsyncs of the record
    then fail with ENOSPC as a full disk's do (a journal append is cut short first).
    With `finished` (a journal), only once that journal holds the run's end."""

    def __init__(
        self, monkeypatch, trigger: Path, *, journal: bool = True, finished: Path | None = None
    ) -> None:
        import os
        import tempfile

        import relbook.record.journal as record

        self.trigger = trigger
        real_write_all, real_mkstemp, real_fsync = record._write_all, tempfile.mkstemp, os.fsync

        def write_all(fd: int, data: bytes) -> None:
            if journal and self.full():
                real_write_all(fd, data[: len(data) // 2])  # a short write, then the error
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real_write_all(fd, data)

        def mkstemp(*a, **kw):
            if self.full():
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_mkstemp(*a, **kw)

        def fsync(fd: int) -> None:
            if journal and self.full():
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real_fsync(fd)

        monkeypatch.setattr(record, "_write_all", write_all)
        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
        monkeypatch.setattr(os, "fsync", fsync)

        self.finished = finished

    def full(self) -> bool:
        if self.finished is not None:
            tail = self.finished.read_bytes()[-300:] if self.finished.exists() else b""
            if b'"event": "finish"' not in tail:
                return False
        return self.trigger.exists()


def test_disk_full_mid_run_stops_with_one_line_then_completes(
    three, origin_repo: Repo, tmp_path: Path, monkeypatch, capsys
):
    rb, marks = three
    records = tmp_path / "records"
    FakeDisk(monkeypatch, marks / "filled")
    monkeypatch.setenv("FILL", "simulated")  # the step only marks the disk full
    args = _args(rb, origin_repo, records)
    assert run(*args) == 2
    err = _one_line(capsys.readouterr().err)
    assert "No space left on device" in err and "run the same command" in err
    assert lines(marks / "three") == 0  # stopped before the next step
    path = records / "disk" / "1.3.0.journal.jsonl"
    events = read_journal(path)  # whole events only: the torn append was cut off
    assert path.read_bytes().endswith(b"\n")
    assert [e["outcome"]["step_id"] for e in events if e["event"] == "outcome"] == ["steps.1"]
    notebook(records / "disk" / "1.3.0.ipynb")  # the notebook still opens (an older state)

    (marks / "filled").unlink()  # space is freed; FILL no longer fills (the step is guarded)
    monkeypatch.delenv("FILL")
    assert run(*args) == 0, capsys.readouterr().err
    rec = read_record(records / "disk" / "1.3.0.ipynb")
    assert rec.meta["result"] == "done"
    assert [o.status.value for o in rec.outcomes] == ["done", "done", "done"]
    assert [lines(marks / n) for n in ("one", "two", "three")] == [1, 2, 1]


def test_failed_last_notebook_write_is_repaired_not_already_released(
    three, origin_repo: Repo, tmp_path: Path, monkeypatch, capsys
):
    rb, marks = three
    records = tmp_path / "records"
    args = _args(rb, origin_repo, records)
    nb = records / "disk" / "1.3.0.ipynb"
    # the disk fills in the last step: the journal's end is written, the notebook is not
    FakeDisk(
        monkeypatch, marks / "three", journal=False, finished=nb.with_name("1.3.0.journal.jsonl")
    )
    assert run(*args) == 2
    _one_line(capsys.readouterr().err)
    events = journal(nb.with_name("1.3.0.journal.jsonl"))
    assert events[-1]["event"] == "finish" and events[-1]["result"] == "done"
    assert read_record(nb).meta["result"] != "done"  # the notebook lags behind

    monkeypatch.undo()
    monkeypatch.setenv("MARKS", str(marks))
    (marks / "three").rename(marks / "three.kept")  # the disk has room again
    assert run(*args) == 0
    out = capsys.readouterr()
    assert "rewritten from its journal" in out.out + out.err
    assert "already released" not in out.err
    rec = read_record(nb)
    notebook(nb)
    assert rec.meta["result"] == "done"
    assert [o.status.value for o in rec.outcomes] == ["done", "done", "done"]
    assert not (marks / "three").exists()  # nothing ran again
    assert run(*args) == 2  # now it is what it says: already released
    assert "already released" in capsys.readouterr().err


def test_journal_cut_at_any_byte_is_detected(three, origin_repo: Repo, tmp_path: Path, capsys):
    rb, marks = three
    records = tmp_path / "records"
    args = _args(rb, origin_repo, records)
    assert run(*args) == 0
    nb = records / "disk" / "1.3.0.ipynb"
    path = nb.with_name("1.3.0.journal.jsonl")
    whole = path.read_bytes()
    kept_nb = nb.read_bytes()
    ends = [i + 1 for i, b in enumerate(whole) if b == ord("\n")][:-1]  # line boundaries
    cuts = sorted(set(ends) | {e - 7 for e in ends} | {e + 11 for e in ends[:-1]} | {1})
    capsys.readouterr()
    missed = []
    for cut in cuts:
        path.write_bytes(whole[:cut])
        nb.write_bytes(kept_nb)
        code = run(*args)
        err = capsys.readouterr().err
        if code != 2 or "cut short" not in err:
            missed.append((cut, code, err))
    assert missed == []
    assert [lines(marks / n) for n in ("one", "two", "three")] == [1, 1, 1]  # nothing re-ran


def test_journal_cut_with_a_stale_notebook_is_detected_from_the_output_log(
    three, origin_repo: Repo, tmp_path: Path, monkeypatch, capsys
):
    rb, marks = three
    records = tmp_path / "records"
    args = _args(rb, origin_repo, records)
    nb = records / "disk" / "1.3.0.ipynb"
    monkeypatch.setenv("FAIL_TWO", "1")
    assert run(*args) == 1  # steps.2 fails: the notebook is written then
    stale = nb.read_bytes()
    (marks / "ok").touch()
    assert run(*args) == 0
    path = nb.with_name("1.3.0.journal.jsonl")
    text = path.read_text().splitlines(keepends=True)
    last_start = max(i for i, line in enumerate(text) if '"event": "start"' in line)
    path.write_text("".join(text[:last_start]))  # at a line boundary: steps.3 never started
    nb.write_bytes(stale)  # and the notebook lags behind (written before the resume)
    capsys.readouterr()
    assert run(*args) == 2
    err = _one_line(capsys.readouterr().err)
    assert "cut short" in err and "steps.3" in err and "output log" in err
    assert lines(marks / "three") == 1


# -- real file systems ------------------------------------------------------------


@pytest.fixture
def small_fs(tmp_path: Path):
    """A 512 KiB tmpfs to hold the records (mounting needs root or CAP_SYS_ADMIN)."""
    where = tmp_path / "small"
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def _cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(*args), capture_output=True, text=True, env=env(), cwd=cwd, timeout=120
    )


def test_records_on_a_full_tmpfs(three, origin_repo: Repo, tmp_path: Path, small_fs: Path):
    rb, marks = three
    records = small_fs / "records"
    filler = small_fs / "filler"
    args = _args(rb, origin_repo, records)
    first = subprocess.run(
        command(*args),
        capture_output=True,
        text=True,
        env=env(FILL=str(filler)),
        timeout=120,
    )
    assert first.returncode == 2, first.stdout + first.stderr
    _one_line(first.stderr)
    assert "No space left on device" in first.stderr
    # a write that still fitted went through (and is kept); the first that did not stopped it
    events = read_journal(records / "disk" / "1.3.0.journal.jsonl")
    assert events and events[0]["event"] == "begin"  # what was recorded is still there
    recorded = [e["outcome"]["step_id"] for e in events if e["event"] == "outcome"]

    filler.unlink()  # space is freed
    again = _cli(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    rec = read_record(records / "disk" / "1.3.0.ipynb")
    notebook(records / "disk" / "1.3.0.ipynb")
    assert rec.meta["result"] == "done"
    assert [o.status.value for o in rec.outcomes] == ["done", "done", "done"]
    names = {"steps.1": "one", "steps.2": "two", "steps.3": "three"}
    assert [lines(marks / names[s]) for s in recorded] == [1] * len(recorded)  # not re-run


def test_records_on_a_read_only_mount(three, origin_repo: Repo, tmp_path: Path, small_fs: Path):
    rb, marks = three
    records = small_fs / "records"
    args = _args(rb, origin_repo, records)
    failed = subprocess.run(
        command(*args), capture_output=True, text=True, env=env(FAIL_TWO="1"), timeout=120
    )
    assert failed.returncode == 1, failed.stderr  # a record to resume: steps.2 failed
    (marks / "ok").touch()
    before = _files(records)
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    try:
        ro = _cli(*args, cwd=tmp_path)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_fs)], check=True)
    assert ro.returncode == 2, ro.stdout + ro.stderr
    _one_line(ro.stderr)
    assert "Read-only file system" in ro.stderr
    assert _files(records) == before  # nothing recorded was lost or changed
    assert lines(marks / "two") == 1  # and nothing ran
    again = _cli(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    rec = read_record(records / "disk" / "1.3.0.ipynb")
    assert [o.status.value for o in rec.outcomes] == ["done", "done", "done"]
    assert [lines(marks / n) for n in ("one", "two", "three")] == [1, 2, 1]
