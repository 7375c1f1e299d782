"""relbook metrics over record notebooks written by relbook's own record writer."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from relbook.cli import main
from relbook.guard.metrics import collect_metrics, duration_text, metrics_svg, percentile
from relbook.model import Outcome, Status
from relbook.record import State, build_notebook, record_paths, write_notebook
from tests.conftest import RUNBOOKS

RELEASE = str(RUNBOOKS / "release-management.md")


def at(when: str) -> str:
    """ "01-10 10:00" -> an ISO time in 2026, as records hold it."""
    return f"2026-{when.replace(' ', 'T')}:00+0000"


def outcome(step: str, status: Status, started: str, duration: float, **kw) -> Outcome:
    section = {"emergency-rollback": "Emergency Rollback"}.get(step.split(".")[0], "Deploy")
    kind = kw.pop("kind", "shell")
    return Outcome(step, kind, status, text=f"text of {step}", section=section,
                   started=started, duration=duration, **kw)  # fmt: skip


def write_record(
    records: Path,
    version: str,
    started: str,
    outcomes: list[Outcome],
    *,
    result: str = "done",
    drill: bool = False,
    runbook_path: str = RELEASE,
) -> Path:
    meta = {
        "runbook": {"path": runbook_path, "name": "release-management", "title": "Release"},
        "params": {"version": version},
        "started": started,
        "attempt": 1,
        "drill": drill,
        "override_blackout": "",
    }
    state = State(meta, [o.step_id for o in outcomes], {o.step_id: o for o in outcomes}, [],
                  result, [])  # fmt: skip
    path = record_paths(records, "release-management", version).notebook
    write_notebook(path, build_notebook(state, {}))
    return path


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """Three releases and a drill: 1.2.4 was rolled back, 1.3.0 failed."""
    base = tmp_path / "records"
    write_record(base, "1.2.3", at("01-10 10:00"), [
        outcome("pre-release-checklist.1", Status.DONE, at("01-10 10:00"), 60, kind="manual"),
        outcome("release-deployment.1", Status.DONE, at("01-10 10:30"), 20.0),
        outcome("post-release-activities.1", Status.SKIPPED, at("01-10 10:31"), 0,
                kind="manual", reason="no portal yet"),
    ])  # fmt: skip
    write_record(base, "1.2.4", at("01-20 09:00"), [
        outcome("pre-release-checklist.1", Status.DONE, at("01-20 09:00"), 30, kind="manual"),
        outcome("release-deployment.1", Status.DONE, at("01-20 11:00"), 40.0),
        outcome("emergency-rollback.1", Status.DONE, at("01-22 08:00"), 5.0),
    ])  # fmt: skip
    write_record(base, "1.3.0", at("03-02 14:00"), [
        outcome("pre-release-checklist.1", Status.DONE, at("03-02 14:00"), 10, kind="manual"),
        outcome("release-deployment.1", Status.FAILED, at("03-02 14:05"), 3.0,
                exit_code=1),
    ], result="failed")  # fmt: skip
    write_record(base, "9.9.9", at("02-01 00:00"), [
        outcome("release-deployment.1", Status.DONE, at("02-01 00:00"), 1.0),
    ], drill=True)  # fmt: skip
    return base


def test_text_table_counts_releases_rollbacks_and_failures(records, capsys):
    assert main(["metrics", str(records)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        f"3 release records in {records} (2 done, 1 with a rollback; 1 drill records not counted)"
    )
    rows = {
        line.split()[1]: line.split()
        for line in out.splitlines()
        if line.startswith("  release-management  1.")
    }
    assert rows["1.2.3"][2:] == [
        *("done", "2026-01-10", "10:00", "30m", "20s", "3", "0", "1", "0", "-", "-")
    ]
    assert rows["1.2.4"][-2:] == ["Emergency", "Rollback"]
    assert rows["1.2.4"][5:7] == ["2h", "00m"]  # lead time stops at the last release step
    assert rows["1.3.0"][2] == "failed" and rows["1.3.0"][5] == "-"
    months = out.split("Releases per month\n")[1].split("\n\n")[0]
    assert months == "  2026-01    2  ##"  # 1.3.0 failed: not released
    assert (
        "Rollback frequency: 1 of 3 releases (33%) — release-management 1.2.4: Emergency Rollback"
        in out
    )
    assert "Failed steps" in out and "Skipped steps" in out


def test_json_is_stable_and_complete(records, capsys):
    assert main(["metrics", str(records), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == [
        "schema", "records_dir", "releases", "per_month", "rollbacks", "steps", "drills",
        "unreadable", "tampered",
    ]  # fmt: skip
    assert data["schema"] == "relbook.metrics/1"
    assert [r["version"] for r in data["releases"]] == ["1.2.3", "1.2.4", "1.3.0"]
    assert [r["lead_time"] for r in data["releases"]] == [1820.0, 7240.0, None]
    assert data["per_month"] == {"2026-01": 2}
    assert data["rollbacks"]["count"] == 1 and data["rollbacks"]["frequency"] == 0.3333
    assert data["rollbacks"]["records"] == [
        {"runbook": "release-management", "version": "1.2.4", "sections": ["Emergency Rollback"]}
    ]
    deploy = next(s for s in data["steps"] if s["step"] == "release-deployment.1")
    assert deploy == {
        "runbook": "release-management",
        "step": "release-deployment.1",
        "text": "text of release-deployment.1",
        "kind": "shell",
        "runs": 3,
        "failed": 1,
        "skipped": 0,
        "p50": 30.0,
        "p90": 38.0,
        "failed_attempts": 0,
        "time_lost": 0.0,
    }
    assert data["drills"] == 1


def test_rollback_found_by_section_title_when_the_runbook_is_gone(records, tmp_path):
    write_record(records, "1.4.0", at("04-01 10:00"), [
        outcome("release-deployment.1", Status.DONE, at("04-01 10:00"), 1.0),
        outcome("emergency-rollback.1", Status.FAILED, at("04-01 11:00"), 1.0),
    ], runbook_path=str(tmp_path / "moved.md"))  # fmt: skip
    m = collect_metrics(records)
    assert [r.version for r in m.rollbacks] == ["1.2.4", "1.4.0"]


def test_svg_chart_is_valid_and_marks_rollbacks(records, tmp_path, capsys):
    svg = tmp_path / "chart.svg"
    assert main(["metrics", str(records), "--svg", str(svg)]) == 0
    root = ET.fromstring(svg.read_text())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    tips = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "2026-01: 2 releases" in tips and "2026-01: 1 with a rollback" in tips
    assert "2026-02: 0 releases" in tips  # empty months stay on the axis
    assert metrics_svg(collect_metrics(records)) == svg.read_text()


def test_unreadable_records_are_reported_not_fatal(records, capsys):
    (records / "release-management" / "broken.ipynb").write_text("{not json")
    assert main(["metrics", str(records)]) == 0
    assert "broken.ipynb: record is corrupt" in capsys.readouterr().out


def test_missing_records_dir_is_exit_2(tmp_path, capsys):
    assert main(["metrics", str(tmp_path / "none")]) == 2
    assert "no records directory" in capsys.readouterr().err


def test_empty_records_dir(tmp_path, capsys):
    (tmp_path / "records").mkdir()
    assert main(["metrics", str(tmp_path / "records")]) == 0
    out = capsys.readouterr().out
    assert "0 release records" in out and "Rollback frequency: 0 of 0 releases" in out


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([], 50, None), ([4.0], 90, 4.0), ([1, 2, 3, 4], 50, 2.5), ([10, 20, 30, 40, 50], 90, 46.0)],
)
def test_percentile(values, q, expected):
    assert percentile(values, q) == expected


@pytest.mark.parametrize(
    ("seconds", "text"), [(None, "-"), (0.25, "0.2s"), (65, "1m 05s"), (7260, "2h 01m")]
)
def test_duration_text(seconds, text):
    assert duration_text(seconds) == text
