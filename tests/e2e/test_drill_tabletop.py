"""Tabletop drills: nothing executes; participants walk through the steps, answer
the injected events (from an answers file or on a terminal), and are timed."""

from __future__ import annotations

import os
import sys
import time

import pytest
import yaml

from relbook.parse import read_runbook
from tests.conftest import ROOT
from tests.e2e.drilltools import (
    OCTOACME,
    RELEASE,
    drill,
    drill_records,
    notebook,
    outcomes,
    write,
)


def _answers(tmp_path, extra: dict) -> str:
    """Every step of the release guide answered done, plus `extra`."""
    rb = read_runbook(RELEASE)
    data = {s.id: "done" for s in rb.steps}
    data.update(extra)
    return write(tmp_path / "answers.yaml", yaml.safe_dump(data))


def test_octoacme_pure_tabletop_with_an_answers_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    answers = write(
        tmp_path / "answers.yaml",
        "deployment-checklist.1: 'skip: no window needed for 2.0.0'\n"
        "deployment-checklist.2: done\ndeployment-checklist.3: done\n"
        "deployment-checklist.4: done\ndeployment-checklist.5: done\n"
        "deployment-checklist.6: 'done: posted in #releases'\n",
    )
    code, out, err = drill(
        [OCTOACME, "--version", "2.0.0", "--tabletop", "--answers", answers], capsys
    )
    assert code == 0, out + err
    assert "Mode: tabletop: nothing executed" in out
    assert "Release flow: 5 passed, 0 failed, 1 other (ended done)" in out
    assert "Manual steps with no automation yet (6)" in out
    nb = notebook(drill_records(tmp_path, "octoacme-release")[0])
    assert nb.metadata["relbook"]["drill"] is True
    steps = outcomes(nb)
    assert len(steps) == 6 and steps["deployment-checklist.1"]["status"] == "skipped"
    assert steps["deployment-checklist.6"]["note"] == "posted in #releases"
    assert all("duration" in o for o in steps.values())


def test_tabletop_event_and_response_walkthrough(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    response = "Stop, tell on-call, and run the Emergency Rollback"
    code, out, err = _bad_release_tabletop(tmp_path, capsys, response)
    assert code == 0, out + err
    assert "!! DRILL EVENT: Monitoring shows the error rate up 40% since v1.2.3 went out." in out
    assert "participants chose: Emergency Rollback" in out
    assert "Ran Emergency Rollback: succeeded" in out
    assert (
        "[n/a]  tag v1.2.3 is on origin: not checked: a tabletop drill changes no repository"
        in (out)
    )
    steps = outcomes(notebook(drill_records(tmp_path)[0]))
    monitor = steps["post-release-activities.3"]
    assert monitor["status"] == "failed"
    assert monitor["note"].startswith("response: Stop, tell on-call")
    rollback = steps["emergency-rollback.1"]
    assert rollback["status"] == "done" and rollback["extra"]["tabletop"] is True
    assert rollback["simulated"][0] == "git checkout v1.2.2"
    assert rollback["output"] == ""  # walked through, never run
    deploy = steps["release-deployment.1"]
    assert "git push origin v1.2.3" in deploy["simulated"] and deploy["exit_code"] is None


def test_tabletop_wrong_response_fails_the_drill(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = _bad_release_tabletop(tmp_path, capsys, "Wait and see if it recovers")
    assert code == 1
    assert "expectation failed: the response section succeeded: no response section ran" in err


def test_tabletop_without_answers_waits_with_exit_3(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = drill([OCTOACME, "--version", "2.0.0", "--tabletop"], capsys)
    assert code == 3
    assert "no answer for step 'deployment-checklist.1'" in err and "--answers FILE" in err


def test_tabletop_on_a_terminal(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "NO_COLOR": "1",
        "TMPDIR": str(tmp_path),
    }
    cmd = [
        "-m",
        "relbook",
        "drill",
        OCTOACME,
        "--version",
        "2.0.0",
        "--tabletop",
        "--scenario",
        "smoke-tests-fail",
        "--operator",
        "Ada",
    ]
    child = pexpect.spawn(
        sys.executable, cmd, cwd=str(tmp_path), env=env, encoding="utf-8", timeout=60
    )
    child.expect_exact("Deployment window scheduled (if needed)  [optional]")
    child.expect_exact("(q)uit? ")
    child.sendline("s")
    child.expect_exact("Reason for skipping (required): ")
    child.sendline("no window needed")
    child.expect_exact("(q)uit? ")
    child.sendline("d")
    child.expect_exact("!! DRILL EVENT: The smoke tests fail on staging")
    child.expect_exact("What do you do?")
    time.sleep(0.3)  # the participants think: the step's time shows it
    child.sendline("Halt the release and page on-call")
    child.expect_exact("Which section of the runbook do you run?")
    child.expect_exact("1) Rollback & Incident Playbook")
    child.sendline("1")
    child.expect_exact("PASSED: the drill went as the scenario expects")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    steps = outcomes(notebook(drill_records(tmp_path, "octoacme-release")[0]))
    staging = steps["deployment-checklist.3"]
    assert staging["status"] == "failed" and staging["duration"] >= 0.3
    assert staging["note"] == (
        "response: Halt the release and page on-call (runs Rollback & Incident Playbook)"
    )
    assert steps["deployment-checklist.1"]["reason"] == "no window needed"
    assert steps["deployment-checklist.4"]["status"] == "pending"  # never reached
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("relbook-drill-")] == []


def _bad_release_tabletop(tmp_path, capsys, response: str) -> tuple[int, str, str]:  # noqa: ANN001
    """A tabletop of bad-release-rollback; the participants answer the event with `response`."""
    answers = _answers(tmp_path, {"event:errors-after-release": response})
    args = ["--version", "1.2.3", "--tabletop", "--scenario", "bad-release-rollback"]
    return drill([RELEASE, *args, "--answers", answers], capsys)
