"""Helpers for the `relbook run` end-to-end tests: runbooks, records, subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from relbook.cli import main
from tests.conftest import ROOT, RUNBOOKS

SRC = ROOT / "src"
GUIDE = RUNBOOKS / "release-management.md"
# --yes never signs: the operator (the tests' git identity) signs the guide's sign-offs
SIGNER = ("--signer", "Rel Tester")


def write_runbook(path: Path, text: str) -> Path:
    """Write a dedented Markdown runbook and return its path."""
    path.write_text(textwrap.dedent(text).lstrip())
    return path


# Release day for these tests: outside the shipped guide's holiday blackout
# (Dec 20 - Jan 5), so the suite passes whatever day it runs on.
RELEASE_DAY = "2026-06-15"


def _dated(args: tuple[str | Path, ...]) -> list[str]:
    argv = [str(a) for a in args]
    return argv if "--date" in argv else [*argv, "--date", RELEASE_DAY]


def release_args(repo: Any, records: Path, *extra: str, version: str = "1.2.3") -> list[Any]:
    """Arguments of `relbook run` for the shipped release guide against `repo`."""
    return [
        GUIDE,
        "--version",
        version,
        "--description",
        "Faster rollbacks",
        "--repo",
        repo.path,
        "--records",
        records,
        *extra,
    ]


def run(*args: str | Path) -> int:
    """`relbook run ...` in process; returns the exit status."""
    return main(["run", *_dated(args)])


def run_beside_a_kept_file(repo: Any, tmp_path: Path, text: str) -> int:
    """Run the guide `text` with --yes (release 1.2.3) in `repo`, which holds a
    committed `important/keep` that nothing in a guide may remove; the exit status."""
    (repo.path / "important").mkdir()
    (repo.path / "important" / "keep").write_text("x\n")
    repo.commit("keep", {"important/keep": "x\n"})
    guide = write_runbook(tmp_path / "guide.md", text)
    return run(
        guide, "--version", "1.2.3", "--repo", repo.path, "--records", tmp_path / "rec", "--yes"
    )


def env(**extra: str) -> dict[str, str]:
    """Environment for a relbook subprocess that uses this tree's sources."""
    return {**os.environ, "PYTHONPATH": str(SRC), **extra}


def command(*args: str | Path) -> list[str]:
    """argv of `relbook run ...` as a subprocess (whose blackout check reads the real
    clock: on a day inside the shipped guide's holiday window it is overridden)."""
    return [sys.executable, "-m", "relbook", "run", *_dated(args), *_holiday(args)]


def _holiday(args: tuple[str | Path, ...]) -> list[str]:
    import datetime as dt

    from relbook.params.blackout import active_window
    from relbook.parse import read_runbook

    argv = [str(a) for a in args]
    if str(GUIDE) not in argv or "--override-blackout" in argv:
        return []
    if active_window(read_runbook(GUIDE), dt.date.today()) is None:
        return []
    return ["--override-blackout", "the test suite runs inside the guide's holiday window"]


def spawn(*args: str | Path, **kw: Any) -> subprocess.Popen:
    """Start `relbook run ...` in the background (output to pipes unless given)."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("env", env())
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.Popen(command(*args), text=True, **kw)


def relbook(*args: str | Path, timeout: float = 60, **kw: Any) -> subprocess.CompletedProcess:
    """Run `relbook run ...` as a subprocess to the end."""
    kw.setdefault("env", env())
    return subprocess.run(
        command(*args),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        **kw,
    )


def resume_with_a_masked_secret(
    args: list[Any], base: dict[str, str], name: str, value: str, written: Path, records: Path
) -> subprocess.CompletedProcess:
    """Resume a run whose journal keeps the variable `name` masked: refused (exit 3) until
    the environment gives it, then run with it (it reaches the step that writes it to
    `written`); `value`'s secret part (after its first `-`) is in no output and no file
    of `records`. Returns the run that went on."""
    asked = relbook(*args, env=base)
    assert asked.returncode == 3, asked.stdout + asked.stderr
    assert f"earlier steps set {name}, which the record keeps masked" in asked.stderr
    assert not written.exists()
    given = relbook(*args, env={**base, name: value})
    assert given.returncode == 0, given.stdout + given.stderr
    assert written.read_text() == value
    secret = value.split("-", 1)[-1]
    assert secret not in given.stdout
    for path in records.rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(errors="replace"), path
    return given


def wait_for(predicate: Any, timeout: float = 20, what: str = "condition") -> None:
    """Poll until predicate() is true."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def notebook(path: Path) -> Any:
    """Read a record notebook and check it against the nbformat schema."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    return nb


def outcomes(path: Path) -> dict[str, dict[str, Any]]:
    """step id -> the outcome metadata of its cell, from a record notebook."""
    from relbook.record import cell_outcome

    nb = notebook(path)
    return {
        c.metadata["relbook"]["step_id"]: cell_outcome(c)
        for c in nb.cells
        if "relbook" in c.metadata
    }


def journal(path: Path) -> list[dict[str, Any]]:
    """The events of a record journal."""
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def lines(path: Path) -> int:
    """Number of lines in a counter file (0 if missing)."""
    return len(path.read_text().splitlines()) if path.exists() else 0


def marked_pids(marker: str, command: str = "sleep") -> list[int]:
    """Live (non-zombie) `command` processes whose environment contains `marker`."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                if marker.encode() not in f.read():
                    continue
            with open(f"/proc/{entry.name}/stat") as f:
                name, state = f.read().split(" (", 1)[1].rsplit(")", 1)
                if state.split()[0] == "Z" or name != command:
                    continue
        except OSError:
            continue
        found.append(int(entry.name))
    return found


def kill_marked(marker: str) -> None:
    """Clean up after a test: kill whatever still carries `marker`."""
    for pid in marked_pids(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
