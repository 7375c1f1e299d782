"""relbook drill on the shipped release guide: the first command, the built-in
scenarios, the rollback response, and scenarios that cannot hold."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest

from relbook.record import read_record
from tests.e2e.drilltools import (
    RELEASE,
    drill,
    drill_process,
    drill_records,
    notebook,
    outcomes,
    snapshot,
    write,
)


def _fresh_machine(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A working directory, an empty HOME without any git identity, a private TMPDIR."""
    home, tmp, cwd = tmp_path / "home", tmp_path / "tmp", tmp_path / "cwd"
    for d in (home, tmp, cwd):
        d.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(HOME=str(home), TMPDIR=str(tmp), XDG_CONFIG_HOME=str(home / ".config"))
    return cwd, env


def test_first_command_on_a_fresh_machine(tmp_path):
    cwd, env = _fresh_machine(tmp_path)
    home_before = snapshot(Path(env["HOME"]))
    code, out, err, took = drill_process([RELEASE, "--version", "1.2.3"], cwd, env)
    assert code == 0, out + err
    assert took < 120, f"the first command took {took:.1f}s"  # a hang guard, not a benchmark
    assert "# DRILL scorecard: Release Management Guide 1.2.3 (happy-path)" in out
    assert "PASSED" in out and "Expectations (7 of 7 held)" in out
    [record] = drill_records(cwd)
    assert re.fullmatch(r"1\.2\.3-\d{8}-\d{6}\.ipynb", record.name)
    nb = notebook(record)
    assert nb.metadata["relbook"]["drill"] is True
    assert nb.cells[0].source.startswith("# DRILL — Release record: Release Management Guide")
    assert nb.cells[-1].source.startswith("# DRILL scorecard")
    assert record.with_name(record.name.replace(".ipynb", ".scorecard.md")).read_text() in out
    steps = outcomes(nb)
    assert steps["release-deployment.1"]["status"] == "done"
    assert "[new tag]         v1.2.3 -> v1.2.3" in steps["release-deployment.1"]["output"]
    # nothing outside the records directory: no real records, no sandbox left, HOME untouched
    assert sorted(p.name for p in cwd.iterdir()) == ["records"]
    assert sorted(p.name for p in (cwd / "records").iterdir()) == ["drills"]
    assert list(Path(env["TMPDIR"]).iterdir()) == []
    assert snapshot(Path(env["HOME"])) == home_before


def test_each_drill_writes_a_new_record_apart_from_releases(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        code, out, _ = drill([RELEASE, "--version", "1.2.3"], capsys)
        assert code == 0, out
    first, second = drill_records(tmp_path)
    assert first.name != second.name
    assert not (tmp_path / "records" / "release-management").exists()
    assert read_record(second).meta["drill"] is True


def test_bad_release_rollback_runs_the_rollback_in_the_sandbox(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = drill(
        [RELEASE, "--version", "1.2.3", "--scenario", "bad-release-rollback"], capsys
    )
    assert code == 0, out + err
    assert "Expectations (7 of 7 held)" in out
    assert "Ran Emergency Rollback: succeeded" in out
    assert "Detected at post-release-activities.3" in out
    nb = notebook(drill_records(tmp_path)[0])
    assert nb.metadata["relbook"]["result"] == "failed; response Emergency Rollback: done"
    steps = outcomes(nb)
    assert steps["post-release-activities.3"]["status"] == "failed"
    assert "error rate up 40% since v1.2.3" in steps["post-release-activities.3"]["reason"]
    rollback = steps["emergency-rollback.1"]
    assert rollback["status"] == "done"
    assert "Emergency rollback from v1.2.3" in rollback["output"]
    [fix] = rollback["extra"]["instructions"]
    assert fix["line"] == 98 and fix["status"] == "done"
    card = nb.metadata["relbook"]["drill_scorecard"]
    assert card["passed"] and card["response"] == {
        "section": "Emergency Rollback",
        "result": "done",
    }
    assert card["detected"]["step"] == "post-release-activities.3"


@pytest.mark.parametrize(
    ("scenario", "failed", "line", "text"),
    [
        ("push-rejected", "release-deployment.1", 73, "GH006: Protected branch update failed"),
        ("staging-tests-fail", "release-testing.2", 57, ""),
        ("tag-exists", "release-deployment.1", 77, "already exists"),
    ],
)
def test_builtin_fault_scenarios_hold(tmp_path, monkeypatch, capsys, scenario, failed, line, text):
    monkeypatch.chdir(tmp_path)
    code, out, err = drill([RELEASE, "--version", "1.2.3", "--scenario", scenario], capsys)
    assert code == 0, out + err
    assert f"Detected at {failed} (`{RELEASE}:{line}`, failed)" in out
    assert "[FAIL]" not in out
    step = outcomes(notebook(drill_records(tmp_path)[0]))[failed]
    assert step["status"] == "failed"
    assert text in step["output"]


def test_expectation_that_cannot_hold_exits_1_and_says_why(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scenario = write(
        tmp_path / "hopeful.yaml",
        textwrap.dedent(
            """\
            name: hopeful
            faults:
              - at: release-testing.2
                kind: manual-fail
                reason: validation suite fails
            expect:
              - detected_at: release-testing.2
              - tag: "{{ tag }}"
                on: origin
            """
        ),
    )
    code, out, err = drill([RELEASE, "--version", "1.2.3", "--scenario", scenario], capsys)
    assert code == 1
    assert "FAILED: 1 of 2 expectations did not hold" in out
    assert (
        f"relbook: drill: {scenario}:8: expectation failed: tag v1.2.3 is on origin: tag v1.2.3 "
        "is not on origin (tags on origin: v1.1.0, v1.1.1, v1.2.0, v1.2.1, v1.2.2)"
    ) in err


def test_fault_never_detected_fails_the_drill(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scenario = write(
        tmp_path / "missed.yaml",
        textwrap.dedent(
            """\
            faults:
              - at: release-branch-creation.1
                kind: command-fails
                command: shellcheck *
            """
        ),
    )
    code, out, err = drill([RELEASE, "--version", "1.2.3", "--scenario", scenario], capsys)
    assert code == 1
    assert "no step failed after the fault was injected at release-branch-creation.1" in err


@pytest.mark.parametrize(
    ("yaml_text", "line", "message"),
    [
        ("faults:\n  - at: nope.1\n    kind: manual-fail\n", 2, "no step 'nope.1' in"),
        ("faults:\n  - at: release-testing.2\n    kind: explode\n", 2, "fault kind 'explode'"),
        ("expect:\n  - tag: v1\n    on: moon\n", 2, "on must be origin or local"),
        ("response:\n  section: Planned Rollback\n", 2, "has no steps"),
        ("faults: [\n", 2, "scenario:"),
        ("name: x\ncolour: red\n", 1, "unknown key 'colour'"),
        (
            "actions:\n  - at: emergency-rollback.1#2\n    run: 'true'\n",
            2,
            "not an instruction of step emergency-rollback.1; its instructions: "
            "emergency-rollback.1#1 (line 98)",
        ),
    ],
)
def test_bad_scenarios_are_one_line_exit_2(tmp_path, monkeypatch, capsys, yaml_text, line, message):
    monkeypatch.chdir(tmp_path)
    scenario = write(tmp_path / "bad.yaml", yaml_text)
    code, out, err = drill([RELEASE, "--version", "1.2.3", "--scenario", scenario], capsys)
    assert code == 2
    assert err.startswith(f"relbook: error: {scenario}:{line}: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "records").exists()


def test_unknown_scenario_names_the_builtins(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = drill([RELEASE, "--version", "1.2.3", "--scenario", "meteor"], capsys)
    assert code == 2
    assert (
        "no scenario 'meteor' for release-management; built-in scenarios: bad-release-rollback, "
        "happy-path, push-rejected, staging-tests-fail, tag-exists" in err
    )


def test_list_scenarios(capsys):
    code, out, _ = drill([RELEASE, "--version", "1.2.3", "--list-scenarios"], capsys)
    assert code == 0
    assert re.search(r"^bad-release-rollback +A bad release is rolled back$", out, re.M)
