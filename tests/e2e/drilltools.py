"""Helpers shared by the drill tests: running drills, reading their records,
and snapshotting directories to prove nothing outside the sandbox changed."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from relbook.cli import main
from tests.conftest import ROOT, RUNBOOKS

RELEASE = str(RUNBOOKS / "release-management.md")
OCTOACME = str(RUNBOOKS / "octoacme-release.md")


def drill(args: list[str], capsys) -> tuple[int, str, str]:  # noqa: ANN001
    """`relbook drill ARGS` in process; (exit code, stdout, stderr)."""
    code = main(["drill", *args])
    out, err = capsys.readouterr()
    return code, out, err


def drill_process(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> tuple[int, str, str, float]:
    """`python -m relbook drill ARGS` in a child process; (code, stdout, stderr, seconds)."""
    full = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})}
    started = time.monotonic()
    got = subprocess.run(
        [sys.executable, "-m", "relbook", "drill", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return got.returncode, got.stdout, got.stderr, time.monotonic() - started


def drill_records(base: Path, runbook: str = "release-management") -> list[Path]:
    """Drill notebooks under base/records/drills/<runbook>/, oldest first."""
    return sorted((base / "records" / "drills" / runbook).glob("*.ipynb"))


def notebook(path: Path) -> nbformat.NotebookNode:
    """Read and validate a record notebook."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


def outcomes(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """Step id -> the outcome of its cell (metadata, with the cell's source and output)."""
    from relbook.record import cell_outcome

    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("relbook", {})
        if "step_id" in meta:
            out[meta["step_id"]] = cell_outcome(cell)
    return out


def snapshot(root: Path) -> dict[str, tuple]:
    """Every file and directory under root (including .git): kind, size, mtime, content hash."""
    out: dict[str, tuple] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = ("link", os.readlink(path))
        elif path.is_dir():
            out[rel] = ("dir",)
        else:
            st = path.stat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            out[rel] = ("file", st.st_size, st.st_mtime_ns, digest)
    return out


def calls(sandbox: Path) -> list[dict]:
    """The shim log of a kept sandbox."""
    log = sandbox / "calls.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line]


def write(path: Path, text: str) -> str:
    """Write a file (dedented by the caller) and return its path as a string."""
    path.write_text(text)
    return str(path)
