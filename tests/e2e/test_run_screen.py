"""What the operator reads: durations as the directive takes them, a failed manual
step's message, the drill's scenario list without a version."""

from __future__ import annotations

from pathlib import Path

import pytest

from relbook.cli import main
from tests.e2e.runhelp import GUIDE, run, write_runbook

SLEEPY = """
    # Sleepy release

    ## Steps

    ```bash
    sleep 5
    ```
"""


def test_timeout_takes_minutes_and_seconds_as_the_directive_does(tmp_path: Path, capsys) -> None:
    rb = write_runbook(tmp_path / "sleepy.md", SLEEPY)
    args = [rb, "--version", "1.0.0", "--repo", tmp_path, "--records", tmp_path / "r"]
    assert run(*args, "--dry-run", "--timeout", "10m") == 0
    assert run(*args, "--timeout", "0.2s") == 1  # 0.2 s, not 0.2 minutes or a bad value
    assert "timed out" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:
        run(*args, "--timeout", "ten minutes")
    assert bad.value.code == 2
    assert "'ten minutes' is not a duration (90, 90s, 10m, 1h)" in capsys.readouterr().err


def test_a_failed_manual_step_says_what_failed_not_exit_status_none(tmp_path: Path, capsys) -> None:
    rb = write_runbook(
        tmp_path / "manual.md", "# Manual\n\n## Steps\n\n- [ ] Check the dashboards\n"
    )
    answers = tmp_path / "answers.yaml"
    answers.write_text('steps.1: "fail: the error rate is up"\n')
    args = [rb, "--version", "1.0.0", "--repo", tmp_path, "--records", tmp_path / "r"]
    assert run(*args, "--answers", answers) == 1
    err = capsys.readouterr().err
    assert "exit status None" not in err
    assert "failed (the error rate is up)" in err


def test_list_scenarios_needs_no_version(capsys) -> None:
    assert main(["drill", str(GUIDE), "--list-scenarios"]) == 0
    assert "push-rejected" in capsys.readouterr().out
    assert main(["drill", str(GUIDE)]) == 2
    assert "--version is required" in capsys.readouterr().err


def test_a_date_other_than_today_is_listed_as_an_override(tmp_path: Path, capsys) -> None:
    import json

    rb = write_runbook(tmp_path / "tiny.md", "# Tiny\n\n## Steps\n\n```bash\necho hi\n```\n")
    records = tmp_path / "r"
    args = [rb, "--version", "1.0.0", "--repo", tmp_path, "--records", records]
    assert run(*args, "--date", "2001-02-03") == 0
    rec = records / "tiny" / "1.0.0.ipynb"
    nb = json.loads(rec.read_text())
    [override] = nb["metadata"]["relbook"]["overrides"]
    assert override["what"] == "--date 2001-02-03" and "not today" in override["why"]
    assert "| Override | `--date 2001-02-03`: not today" in nb["cells"][0]["source"]
    assert main(["render", "report", str(rec)]) == 0
    assert "--date 2001-02-03: not today" in capsys.readouterr().out
