"""relbook run refuses inside a blackout window of the real clock unless overridden:
--date sets the date parameter only, and every override is in the record and the report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from relbook.cli import main
from tests.conftest import RUNBOOKS
from tests.e2e.runhelp import SIGNER, write_runbook

RUNBOOK = str(RUNBOOKS / "release-management.md")
TODAY = dt.date.today()


def _window_guide(tmp_path: Path, first: dt.date, last: dt.date) -> Path:
    """A guide whose front matter blocks first..last (the issue's 11-25..12-05, moved)."""
    return write_runbook(
        tmp_path / "frozen.md",
        f"""
        ---
        blackout: ["{first.isoformat()}..{last.isoformat()}"]
        ---
        # Frozen

        ## Steps

        ```bash
        echo "released on $RELBOOK_DATE"
        ```
        """,
    )


def _run(rb: Path, tmp_path: Path, *extra: str) -> int:
    args = ["run", str(rb), "--version", "1.2.3", "--repo", str(tmp_path)]
    return main([*args, "--records", str(tmp_path / "records"), "--yes", *extra])


def _record(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "records/frozen/1.2.3.ipynb").read_text())


@pytest.mark.real_clock
def test_a_date_outside_the_window_does_not_release_today_inside_it(tmp_path, capsys):
    rb = _window_guide(tmp_path, TODAY - dt.timedelta(days=6), TODAY + dt.timedelta(days=4))
    outside = (TODAY - dt.timedelta(days=30)).isoformat()
    assert _run(rb, tmp_path, "--date", outside) == 2
    err = capsys.readouterr().err
    assert f"frozen.md:2: today, {TODAY.isoformat()}, is inside the blackout window" in err
    assert f"--date {outside} sets the date parameter only" in err
    assert "--override-blackout" in err
    assert not [p for p in (tmp_path / "records").rglob("*") if p.suffix in (".ipynb", ".jsonl")]


@pytest.mark.real_clock
def test_the_override_is_recorded_in_the_summary_and_the_report(tmp_path, capsys):
    rb = _window_guide(tmp_path, TODAY - dt.timedelta(days=6), TODAY + dt.timedelta(days=4))
    outside = (TODAY - dt.timedelta(days=30)).isoformat()
    assert _run(rb, tmp_path, "--date", outside, "--override-blackout", "security fix") == 0
    assert f"released on {outside}" in capsys.readouterr().out  # the parameter is --date's
    nb = _record(tmp_path)
    whats = [o["what"] for o in nb["metadata"]["relbook"]["overrides"]]
    assert whats == ["--override-blackout 'security fix'", f"--date {outside}"]
    summary = nb["cells"][0]["source"]
    assert "| Override | `--override-blackout 'security fix'`: inside the blackout" in summary
    assert f"| Override | `--date {outside}`: not today ({TODAY.isoformat()})" in summary
    assert main(["render", "report", str(tmp_path / "records/frozen/1.2.3.ipynb")]) == 0
    html = capsys.readouterr().out
    assert "--override-blackout &#39;security fix&#39;: inside the blackout window" in html
    assert f"--date {outside}: not today" in html


@pytest.mark.real_clock
def test_a_date_inside_the_window_is_no_refusal_when_today_is_outside(tmp_path, capsys):
    later = TODAY + dt.timedelta(days=40)
    rb = _window_guide(tmp_path, later - dt.timedelta(days=2), later + dt.timedelta(days=2))
    assert _run(rb, tmp_path, "--date", later.isoformat()) == 0
    out = capsys.readouterr().out
    assert f"--date {later.isoformat()} falls in the blackout window" in out
    assert "the blackout check uses today" in out
    [override] = _record(tmp_path)["metadata"]["relbook"]["overrides"]
    assert override["what"] == f"--date {later.isoformat()}"


@pytest.mark.real_clock
def test_the_shipped_guide_is_checked_against_today_not_the_date_given(
    origin_repo, tmp_path, capsys
):
    """--date 12-24 is inside the holiday window; the run is refused only when today is."""
    from relbook.params.blackout import active_window
    from relbook.parse import read_runbook

    args = ["run", RUNBOOK, "--version", "1.2.3", "--description", "x"]
    args += ["--repo", str(origin_repo.path), "--records", str(tmp_path / "records"), "--yes"]
    args += SIGNER  # --yes never signs: the operator signs the guide's sign-offs
    code = main([*args, "--date", f"{TODAY.year}-12-24"])
    holiday = active_window(read_runbook(RUNBOOK), TODAY) is not None
    assert code == (2 if holiday else 0)
    if holiday:
        assert "release-management.md:160:" in capsys.readouterr().err


def test_override_runs_and_records_the_reason(origin_repo, tmp_path, monkeypatch):
    """Inside the window (the suite's fixed clock moved to Christmas Eve)."""
    from relbook.params import blackout

    monkeypatch.setattr(blackout, "today", lambda: dt.date(2026, 12, 24))
    args = ["run", RUNBOOK, "--version", "1.2.3", "--description", "x"]
    args += ["--repo", str(origin_repo.path), "--records", str(tmp_path / "records"), "--yes"]
    args += SIGNER  # --yes never signs: the operator signs the guide's sign-offs
    assert main(args) == 2
    assert origin_repo.origin_git("tag", "-l", "v1.2.3") == ""
    assert main([*args, "--override-blackout", "security fix"]) == 0
    nb = json.loads((tmp_path / "records/release-management/1.2.3.ipynb").read_text())
    meta = nb["metadata"]["relbook"]
    assert meta["override_blackout"] == "security fix"
    assert meta["blackout_window"]["line"] == 160
    assert "security fix" in "".join(nb["cells"][0]["source"])
