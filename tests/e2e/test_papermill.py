"""relbook run --engine papermill: real kernels, real repositories, real papermill.

Each test starts kernels, so they are few and marked slow.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import relbook
from relbook.cli import main
from relbook.record import read_record
from tests.conftest import RUNBOOKS, make_repo

pytestmark = pytest.mark.slow

RUNBOOK = str(RUNBOOKS / "release-management.md")
DATE = "2026-06-15"  # outside the guide's blackout windows


def leftovers() -> list[str]:
    """Processes still running that were started under this test's HOME."""
    needle = f"\0HOME={os.environ['HOME']}\0".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            env = b"\0" + Path(f"/proc/{entry.name}/environ").read_bytes()
            cmd = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if needle in env:
            found.append(f"{entry.name}: {cmd.decode(errors='replace')}")
    return found


def papermill_cells(record: Path) -> list[tuple[str, str]]:
    """(step id or tag, papermill status) of each code cell of the latest papermill run."""
    work = record.with_name(record.name.removesuffix(".ipynb") + ".papermill")
    runs = sorted(work.glob("run-*.ipynb"), key=lambda p: int(p.stem.split("-")[1]))
    nb = nbformat.read(str(runs[-1]), as_version=4)
    nbformat.validate(nb)
    return [
        (
            c.metadata.get("relbook", {}).get("step") or c.metadata.tags[0],
            c.metadata.papermill.status,
        )
        for c in nb.cells
        if c.cell_type == "code"
    ]


def run(runbook: str, repo: Path, records: Path, *extra: str) -> int:
    args = ["run", runbook, "--version", "1.2.3", "--description", "x", "--date", DATE]
    return main([*args, "--repo", str(repo), "--records", str(records), *extra])


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def normalized(text: str, *paths: Path) -> str:
    for path in paths:
        text = text.replace(str(path), "<dir>")
    return re.sub(r"\b[0-9a-f]{7,40}\b", "<hash>", text)


def test_both_engines_make_the_same_release(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = make_repo(tmp_path / "a"), make_repo(tmp_path / "b")
    signer = ("--signer", "Rel Tester")  # --yes never signs: the operator signs hers
    assert run(RUNBOOK, a.path, tmp_path / "ra", "--yes", *signer) == 0
    assert run(RUNBOOK, b.path, tmp_path / "rb", "--yes", *signer, "--engine", "papermill") == 0
    out = capsys.readouterr().out
    assert "[21/21] 6. Post-Release Activities > Schedule post-release review" in out
    assert leftovers() == []
    for ref in (["tag", "-l", "-n1"], ["branch", "-a"], ["log", "--format=%s", "main"]):
        assert a.origin_git(*ref) == b.origin_git(*ref)
    assert (
        b.origin_git("tag", "-l", "-n1")
        == "v1.2.2          Release v1.2.2\nv1.2.3          Release v1.2.3: x"
    )
    assert b.origin_git("show", "main:VERSION") == "1.2.3"
    ra = read_record(tmp_path / "ra/release-management/1.2.3.ipynb")
    rb = read_record(tmp_path / "rb/release-management/1.2.3.ipynb")
    nbformat.validate(nbformat.read(tmp_path / "rb/release-management/1.2.3.ipynb", as_version=4))
    assert (ra.meta["engine"], rb.meta["engine"]) == ("local", "papermill")
    assert ra.meta["result"] == rb.meta["result"] == "done"
    assert len(ra.outcomes) == len(rb.outcomes) == 21
    for x, y in zip(ra.outcomes, rb.outcomes, strict=True):
        assert (x.step_id, x.status, x.exit_code, x.note) == (
            y.step_id,
            y.status,
            y.exit_code,
            y.note,
        )
        assert normalized(x.output, tmp_path / "a") == normalized(y.output, tmp_path / "b")
        assert normalized(x.source, tmp_path / "a") == normalized(y.source, tmp_path / "b")
    cells = papermill_cells(tmp_path / "rb/release-management/1.2.3.ipynb")
    assert {status for _, status in cells} == {"completed"} and len(cells) == 21 + 4
    home = Path(os.environ["HOME"])
    assert not [p for p in (".jupyter", ".ipython", ".local/share/jupyter") if (home / p).exists()]


SHIP = """\
# Shipping release

## Prepare
- [ ] Check the board

```bash
echo "prepared {{ version }}" >> prepared.txt
```

## Ship
```bash
echo "shipping"
test -f fixed.txt
echo "shipped"
```

```bash
echo after > after.txt
```
"""


def test_pause_failure_and_resume(tmp_path, capsys):
    repo = tmp_path / "work"
    repo.mkdir()
    runbook = write(tmp_path, "ship.md", SHIP)
    records = tmp_path / "records"
    record = records / "ship/1.2.3.ipynb"
    assert run(runbook, repo, records, "--engine", "papermill") == 3
    assert f"{runbook}:4: waiting for manual step 'prepare.1'" in capsys.readouterr().err
    assert read_record(record).meta["result"] == "paused"
    assert run(runbook, repo, records, "--engine", "papermill", "--yes") == 1
    err = capsys.readouterr().err
    assert f"relbook: step failed: {runbook}:13: step 'ship.1' failed (exit status 1)" in err
    rec = read_record(record)
    assert [o.status.value for o in rec.outcomes] == ["done", "done", "failed", "pending"]
    assert rec.meta["result"] == "failed" and not (repo / "after.txt").exists()
    assert papermill_cells(record)[-3:] == [
        ("ship.1", "failed"),
        ("ship.2", "pending"),
        ("relbook-close", "pending"),
    ]
    (repo / "fixed.txt").write_text("")
    assert run(runbook, repo, records, "--engine", "papermill", "--yes") == 0
    assert (repo / "prepared.txt").read_text() == "prepared 1.2.3\n"  # not run again
    assert read_record(record).meta["result"] == "done" and (repo / "after.txt").exists()
    assert {s for _, s in papermill_cells(record)} == {"completed"}
    assert leftovers() == []


SLOW = """\
# Slow

## Steps
```bash
echo before
```

<!-- relbook: timeout=1 -->
```bash
echo "waiting"
sleep 60
```

```bash
echo after > after.txt
```
"""


def test_step_timeout_stops_the_notebook_there(tmp_path, capsys, monkeypatch):
    runbook = write(tmp_path, "slow.md", SLOW)
    monkeypatch.setenv("DEPLOY_TOKEN", "s3cr3t-value")
    args = ["--engine", "papermill", "--yes", "--description", "uses s3cr3t-value"]
    assert run(runbook, tmp_path, tmp_path / "records", *args) == 1
    assert f"{runbook}:11: step 'steps.2' failed (timed out)" in capsys.readouterr().err
    record = tmp_path / "records/slow/1.2.3.ipynb"
    rec = read_record(record)
    assert [o.status.value for o in rec.outcomes] == ["done", "timeout", "pending"]
    assert papermill_cells(record)[-3:] == [
        ("steps.2", "failed"),
        ("steps.3", "pending"),
        ("relbook-close", "pending"),
    ]
    assert not (tmp_path / "after.txt").exists() and leftovers() == []
    kept = [p for p in (tmp_path / "records").rglob("*") if p.is_file()]
    assert len(kept) > 5 and not [p for p in kept if b"s3cr3t-value" in p.read_bytes()]


def test_the_backstop_is_for_step_cells_not_relbook_s_own():
    from relbook.notebook.pmexec import SETUP_TIMEOUT, _cell_timeout

    timeout = _cell_timeout(25)
    assert timeout({"metadata": {"tags": ["relbook-step"]}}) == 25
    for tag in ("parameters", "relbook-setup", "relbook-close"):
        assert timeout({"metadata": {"tags": [tag]}}) == SETUP_TIMEOUT
    assert _cell_timeout(None)({"metadata": {"tags": ["relbook-step"]}}) is None


def test_papermill_execution_timeout_is_a_backstop(tmp_path):
    from relbook.errors import StepFailed
    from relbook.notebook.pmengine import run_papermill
    from relbook.parse import read_runbook
    from relbook.run import Runner, RunOptions
    from relbook.ui import TerminalUI

    rb = read_runbook(write(tmp_path, "hang.md", SLOW.replace("<!-- relbook: timeout=1 -->", "")))
    opts = RunOptions(version="1.2.3", repo=str(tmp_path), records=str(tmp_path / "r"), yes=True)
    with pytest.raises(StepFailed) as failed:
        # the backstop is for step cells (the setup cell that boots the session gets
        # SETUP_TIMEOUT); the step's `sleep 60` outlasts it
        run_papermill(Runner(rb, opts, TerminalUI(path=rb.path)), execution_timeout=25)
    assert f"{rb.path}:9: step 'steps.2' timed out: papermill's execution_timeout (25s)" in str(
        failed.value
    )
    record = tmp_path / "r/hang/1.2.3.ipynb"
    rec = read_record(record)
    assert rec.meta["result"] == "failed"
    assert [o.status.value for o in rec.outcomes] == ["done", "timeout", "pending"]
    assert "execution_timeout" in rec.outcomes[1].reason
    cells = papermill_cells(record)
    assert cells[-3:] == [
        ("steps.2", "failed"),
        ("steps.3", "pending"),
        ("relbook-close", "pending"),
    ]
    assert leftovers() == []  # the kernel and its `sleep 60` are gone


DIES = """\
# Dies

## Steps
```bash
echo before
```

```bash
echo "stopping the kernel"
sleep 1
kill -9 $PPID
sleep 60
```

```bash
echo after > after.txt
```
"""


def test_a_dead_kernel_is_recorded(tmp_path, capsys):
    runbook = write(tmp_path, "dies.md", DIES)
    assert run(runbook, tmp_path, tmp_path / "records", "--engine", "papermill", "--yes") == 1
    err = capsys.readouterr().err
    assert f"{runbook}:8: step 'steps.2' was interrupted: the kernel died" in err
    assert "--rerun-interrupted" in err
    record = tmp_path / "records/dies/1.2.3.ipynb"
    nbformat.validate(nbformat.read(str(record), as_version=4))
    rec = read_record(record)
    assert rec.meta["result"] == "failed"
    assert [o.status.value for o in rec.outcomes] == ["done", "interrupted", "pending"]
    assert "killed by SIGKILL" in rec.outcomes[1].reason
    assert rec.outcomes[1].output == "stopping the kernel\n"  # from the run's output log
    assert papermill_cells(record)[-2:] == [("steps.3", "pending"), ("relbook-close", "pending")]
    assert not (tmp_path / "after.txt").exists() and leftovers() == []


def test_plain_papermill_runs_the_rendered_notebook(tmp_path):
    repo = make_repo(tmp_path)
    notebook = tmp_path / "release.ipynb"
    assert main(["render", "notebook", RUNBOOK, "-o", str(notebook)]) == 0
    src = str(Path(relbook.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "papermill", str(notebook), str(tmp_path / "out.ipynb")]
    params = ["-p", "version", "1.2.3", "-p", "description", "From papermill", "-p", "yes", "True"]
    params += ["-p", "repo", str(repo.path), "-p", "records", str(tmp_path / "records")]
    params += ["-p", "date", DATE]
    paused = subprocess.run([*cmd, *params, "--no-progress-bar"], env=env, capture_output=True)
    assert paused.returncode != 0  # yes confirms but never signs: it waits at the sign-off
    assert b"sign-off 'release-approval.1' waits for its signer" in paused.stderr
    params += ["-p", "signer", "Rel Tester"]  # the operator signs her own sign-offs
    done = subprocess.run([*cmd, *params, "--no-progress-bar"], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    assert (
        repo.origin_git("tag", "-l", "-n1", "v1.2.3")
        == "v1.2.3          Release v1.2.3: From papermill"
    )
    rec = read_record(tmp_path / "records/release-management/1.2.3.ipynb")
    assert rec.meta["result"] == "done" and rec.meta["engine"] == "papermill"
    out = json.loads((tmp_path / "out.ipynb").read_text())
    assert "injected-parameters" in out["cells"][2]["metadata"]["tags"]


def test_ctrl_c_reaches_the_step_and_is_recorded(tmp_path):
    runbook = write(tmp_path, "hang.md", SLOW.replace("<!-- relbook: timeout=1 -->", ""))
    args = ["run", runbook, "--version", "1.2.3", "--yes", "--repo", str(tmp_path)]
    src = str(Path(relbook.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "relbook", *args, "--records", str(tmp_path / "r")]
    proc = subprocess.Popen(
        [*cmd, "--engine", "papermill"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # Ctrl-C as on a terminal, even when this suite runs where SIGINT is ignored
        # (a background job of a script: the child would inherit SIG_IGN)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    seen = b""
    try:
        while b"waiting\n" not in seen:  # the step's output reached relbook: it is running
            line = proc.stdout.readline()
            assert line, seen.decode()
            seen += line
        proc.send_signal(signal.SIGINT)
        # a hang guard: stopping the kernel can take long on a loaded machine
        rest, _ = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, (seen + rest).decode()
    assert b"relbook: interrupted" in rest
    rec = read_record(tmp_path / "r/hang/1.2.3.ipynb")
    assert rec.meta["result"] == "interrupted"
    assert [o.status.value for o in rec.outcomes] == ["done", "interrupted", "pending"]
    assert rec.outcomes[1].output == "waiting\n"
    assert leftovers() == []
