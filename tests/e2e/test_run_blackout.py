"""relbook run refuses inside the guide's own blackout window unless overridden."""

from __future__ import annotations

import json

from relbook.cli import main
from tests.conftest import RUNBOOKS
from tests.e2e.runhelp import SIGNER

RUNBOOK = str(RUNBOOKS / "release-management.md")


def _run(repo, tmp_path, *extra: str) -> int:
    args = ["run", RUNBOOK, "--version", "1.2.3", "--description", "x", "--repo", str(repo.path)]
    return main([*args, "--records", str(tmp_path / "records"), "--yes", *SIGNER, *extra])


def test_refuses_inside_the_holiday_window(origin_repo, tmp_path, capsys):
    assert _run(origin_repo, tmp_path, "--date", "2026-12-24") == 2
    err = capsys.readouterr().err
    assert "release-management.md:160:" in err
    assert "Holiday seasons (Dec 20 - Jan 5)" in err and "--override-blackout" in err
    assert not list((tmp_path / "records").rglob("*.ipynb"))
    assert origin_repo.origin_git("tag", "-l", "v1.2.3") == ""


def test_override_runs_and_records_the_reason(origin_repo, tmp_path):
    assert (
        _run(origin_repo, tmp_path, "--date", "2026-12-24", "--override-blackout", "security fix")
        == 0
    )
    nb = json.loads((tmp_path / "records/release-management/1.2.3.ipynb").read_text())
    meta = nb["metadata"]["relbook"]
    assert meta["override_blackout"] == "security fix"
    assert meta["blackout_window"]["line"] == 160
    assert "security fix" in "".join(nb["cells"][0]["source"])


def test_outside_the_window_needs_no_override(origin_repo, tmp_path):
    assert _run(origin_repo, tmp_path, "--date", "2026-06-15") == 0
