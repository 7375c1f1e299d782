"""Step processes: timeouts, Ctrl-C, leftovers holding the pipe, setsid escapees,
and a step printing far more than fits in memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.e2e.runhelp import (
    env,
    kill_marked,
    marked_pids,
    outcomes,
    run,
    spawn,
    wait_for,
    write_runbook,
)


@pytest.fixture
def marker(monkeypatch: pytest.MonkeyPatch):
    """An environment marker that every process of the run inherits."""
    mark = uuid.uuid4().hex
    monkeypatch.setenv("RB_TEST_MARK", mark)
    yield mark
    kill_marked(mark)


def one_step(tmp_path: Path, body: str, name: str = "proc") -> Path:
    """A runbook with one bash block (its command on line 6)."""
    path = tmp_path / f"{name}.md"
    path.write_text(f"# Process release\n\n## Steps\n\n```bash\n{body}\n```\n")
    return path


# far below the 1000 s the sleeps would last, far above a loaded machine's slowest run
HANG = 120


def args(rb: Path, repo: Repo, tmp_path: Path, *extra: str) -> list:
    return [rb, "--version", "1.3.0", "--repo", repo.path, "--records", tmp_path / "rec", *extra]


def record(tmp_path: Path, name: str = "proc") -> Path:
    return tmp_path / "rec" / name / "1.3.0.ipynb"


def test_timeout_kills_the_whole_group(
    origin_repo: Repo, tmp_path: Path, marker: str, capsys
) -> None:
    rb = one_step(tmp_path, "sleep 1000 & sleep 1000")
    t0 = time.monotonic()
    assert run(*args(rb, origin_repo, tmp_path, "--timeout", "2")) == 1
    took = time.monotonic() - t0
    assert took < HANG, f"took {took:.1f}s: it waited for the sleep"
    assert marked_pids(marker) == []  # neither sleep is left
    err = capsys.readouterr().err
    assert "timed out" in err and "proc.md:6:" in err
    got = outcomes(record(tmp_path))["steps.1"]
    assert got["status"] == "timeout" and got["duration"] >= 2


def test_timeout_directive(origin_repo: Repo, tmp_path: Path, marker: str) -> None:
    rb = write_runbook(
        tmp_path / "proc.md",
        """
        # Process release

        ## Steps

        <!-- relbook: timeout=1 -->
        ```bash
        sleep 1000
        ```
        """,
    )
    t0 = time.monotonic()
    assert run(*args(rb, origin_repo, tmp_path)) == 1
    assert time.monotonic() - t0 < HANG  # it did not wait for the 1000 s sleep
    assert marked_pids(marker) == []
    assert outcomes(record(tmp_path))["steps.1"]["status"] == "timeout"


def test_ctrl_c_interrupts_the_step(origin_repo: Repo, tmp_path: Path, marker: str) -> None:
    flag = tmp_path / "started"
    rb = one_step(tmp_path, f"touch {flag}; sleep 1000")
    proc = spawn(*args(rb, origin_repo, tmp_path))
    wait_for(flag.exists, what="the step to start")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err
    assert marked_pids(marker) == []
    assert outcomes(record(tmp_path))["steps.1"]["status"] == "interrupted"


def test_background_child_holding_the_pipe(
    origin_repo: Repo, tmp_path: Path, marker: str, capsys
) -> None:
    rb = one_step(tmp_path, "sleep 1000 &\necho launched")
    t0 = time.monotonic()
    assert run(*args(rb, origin_repo, tmp_path)) == 0
    assert time.monotonic() - t0 < HANG  # it did not wait for the 1000 s sleep
    assert marked_pids(marker) == []
    assert "launched" in capsys.readouterr().out
    got = outcomes(record(tmp_path))["steps.1"]
    assert got["status"] == "done"
    assert got["extra"]["killed_after_step"]


def test_setsid_escapee_is_found(origin_repo: Repo, tmp_path: Path, marker: str) -> None:
    _escapee_is_killed(
        "setsid sleep 1000 </dev/null >/dev/null 2>&1 &", origin_repo, tmp_path, marker
    )


def test_setsid_escapee_holding_the_pipe(origin_repo: Repo, tmp_path: Path, marker: str) -> None:
    _escapee_is_killed("setsid sleep 1000 &", origin_repo, tmp_path, marker)


def _escapee_is_killed(launch: str, origin_repo: Repo, tmp_path: Path, marker: str) -> None:
    """A step that leaves `launch` running: the run ends at once and records the kill."""
    rb = one_step(tmp_path, f"{launch}\necho escaped")
    t0 = time.monotonic()
    assert run(*args(rb, origin_repo, tmp_path)) == 0
    assert time.monotonic() - t0 < HANG  # it did not wait for the 1000 s sleep
    assert marked_pids(marker) == []
    got = outcomes(record(tmp_path))["steps.1"]
    assert any("sleep 1000" in k for k in got["extra"]["killed_after_step"])


def sleeping(nap: str) -> list[int]:
    """Live processes running `sleep nap` (found by command line, not environment)."""
    found = []
    for entry in os.scandir("/proc"):
        try:
            with open(f"{entry.path}/cmdline", "rb") as f:
                if f.read().split(b"\0")[:2] == [b"sleep", nap.encode()]:
                    found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.parametrize(
    "launch",
    ["env -i setsid -f sleep {nap}", "(env -i setsid sleep {nap} </dev/null >/dev/null 2>&1 &)"],
)
def test_escapee_that_drops_its_environment_is_found(
    launch: str, origin_repo: Repo, tmp_path: Path
) -> None:
    """No token, no session, no parent: what the step leaves is still killed and named."""
    nap = f"{3000 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 10**6}"
    rb = one_step(tmp_path, f"{launch.format(nap=nap)} </dev/null >/dev/null 2>&1\necho escaped")
    try:
        assert run(*args(rb, origin_repo, tmp_path)) == 0
        assert sleeping(nap) == []
    finally:
        for pid in sleeping(nap):
            os.kill(pid, signal.SIGKILL)
    got = outcomes(record(tmp_path))["steps.1"]
    assert any(f"sleep {nap}" in k for k in got["extra"]["killed_after_step"])


# VmHWM, the peak of this process's own memory: getrusage's ru_maxrss keeps the peak of
# the image exec replaced, which is the whole test process when it was spawned by vfork
MEASURE = """
import re, sys
from relbook.cli import main
rc = main(sys.argv[2:])
with open("/proc/self/status") as f:
    peak = re.search(r"VmHWM:\\s+(\\d+) kB", f.read()).group(1)
open(sys.argv[1], "w").write(f"{rc} {peak}")
"""


@pytest.mark.slow
def test_200_mb_of_output_in_bounded_memory(origin_repo: Repo, tmp_path: Path) -> None:
    # 200 MB of 100-byte lines, numbered so head and tail can be told apart
    body = "seq -f '%099.0f' 1 2000000"
    rb = one_step(tmp_path, body, "big")
    report = tmp_path / "peak.txt"
    argv = ["run", *map(str, args(rb, origin_repo, tmp_path))]
    with open(os.devnull, "w") as sink:
        subprocess.run(
            [sys.executable, "-c", MEASURE, str(report), *argv],
            env=env(),
            stdout=sink,
            check=True,
            timeout=600,
        )
    rc, peak_kib = map(int, report.read_text().split())
    assert rc == 0
    assert peak_kib < 100 * 1024, f"peak RSS {peak_kib / 1024:.0f} MiB"
    got = outcomes(record(tmp_path, "big"))["steps.1"]
    kept = len(got["output"].encode())
    assert 900_000 < kept < 1_200_000, kept
    assert got["output"].startswith("0" * 98 + "1\n")
    assert got["output"].rstrip().endswith("2000000")
    assert "full log on disk" in got["output"]
    log = record(tmp_path, "big").parent / got["log"]
    start, end = got["extra"]["log_bytes"]
    assert end - start == 200_000_000
    with open(log, "rb") as f:
        f.seek(start)
        assert f.read(100) == b"%099d\n" % 1
        f.seek(end - 100)
        assert f.read() == b"%099d\n" % 2000000
