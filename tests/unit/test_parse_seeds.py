"""The two real guides, unmodified and as shipped, parse to the steps a release manager expects."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from relbook.cli import main
from relbook.model import Kind
from tests.conftest import RUNBOOKS, read_once
from tests.unit.golden import SEEDS

RELEASE = [SEEDS / "000_fa6778a4dd3b36ab.txt", RUNBOOKS / "release-management.md"]
OCTO = [SEEDS / "004_74e81423f9ca02ec.txt", RUNBOOKS / "octoacme-release.md"]
_OUTLINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+): "
    r"(?:(?P<n>\d+)\. \[(?P<flags>[^]]*)\] (?P<rest>.*)|## (?P<section>.*?)(?: \[contingency.*)?)$"
)


@pytest.mark.parametrize("path", RELEASE, ids=lambda p: p.name)
def test_release_management_steps(path: Path):
    rb = read_once(path)
    tasks = [s for s in rb.steps if s.task]
    assert len(tasks) == 19
    signoffs = [s for s in rb.steps if s.kind is Kind.SIGNOFF]
    assert [s.line for s in signoffs] == [63, 64, 65, 66]
    assert {s.section for s in signoffs} == {"4. Release Approval"}
    shells = [s for s in rb.steps if s.kind is Kind.SHELL]
    assert [s.line for s in shells] == [42, 69, 94]
    rollback = shells[-1]
    assert rollback.contingency and rollback.section == "Emergency Rollback"
    assert [s for s in rb.steps if s.contingency] == [rollback]
    assert rollback not in rb.flow() and len(rb.flow()) == 21
    assert rb.section_steps("Emergency Rollback") == (rollback,)
    assert rb.example_version == "1.2.3"


@pytest.mark.parametrize("path", RELEASE, ids=lambda p: p.name)
def test_release_management_commands_and_instructions(path: Path):
    rb = read_once(path)
    branch, deploy, rollback = (s for s in rb.steps if s.kind is Kind.SHELL)
    assert [p.line for p in branch.commands] == [44, 45, 46, 50, 51, 52]
    assert [(p.line, p.source) for p in branch.parts if p.kind == "instruction"] == [
        (48, "Update version numbers and documentation")
    ]
    assert deploy.commands[3].source == 'git tag -a v1.2.3 -m "Release v1.2.3: [Brief description]"'
    assert deploy.commands[3].line == 76
    assert [p.line for p in rollback.commands] == [96, 97, 99, 100]


@pytest.mark.parametrize("path", OCTO, ids=lambda p: p.name)
def test_octoacme_steps(path: Path):
    rb = read_once(path)
    assert [s.kind for s in rb.steps] == [Kind.MANUAL] * 6
    assert [s.line for s in rb.steps] == list(range(22, 28))
    assert [s.line for s in rb.steps if s.optional] == [22, 23]
    assert not any(s.contingency for s in rb.steps)


def test_octoacme_title_dash_repaired_in_shipped_copy():
    assert read_once(OCTO[1]).title == "OctoAcme — Release & Deployment Guide"
    assert "â€”" in read_once(OCTO[0]).title  # the seed parses unmodified


@pytest.mark.parametrize("path", RELEASE + OCTO, ids=lambda p: p.name)
def test_cli_outline_points_at_exact_lines(path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["parse", str(path)]) == 0
    out = capsys.readouterr().out
    source = path.read_text(encoding="utf-8").split("\n")
    checked = 0
    for row in out.splitlines():
        m = _OUTLINE.match(row)
        if not m:
            continue
        line = source[int(m.group("line")) - 1]
        if m.group("section"):
            assert m.group("section").split(" > ")[-1] in line
        else:
            text = m.group("rest").split("  (id ")[0].removeprefix("[ ] ")
            assert text in line or line.lstrip().startswith("```"), (row, line)
        checked += 1
    rb = read_once(path)
    assert checked == len(rb.steps) + len({s.section_path for s in rb.steps})


def test_cli_outline_summary(capsys: pytest.CaptureFixture[str]):
    assert main(["parse", str(SEEDS / "000_fa6778a4dd3b36ab.txt")]) == 0
    out = capsys.readouterr().out
    assert "19 task items (4 sign-offs), 3 shell blocks" in out
    assert "## Rollback Procedures > Emergency Rollback [contingency" in out
    assert main(["parse", str(SEEDS / "004_74e81423f9ca02ec.txt")]) == 0
    out = capsys.readouterr().out
    assert "6 task items (0 sign-offs), 0 shell blocks" in out
    assert out.count("[manual, optional]") == 2


def test_cli_json_is_stable_and_exact(capsys: pytest.CaptureFixture[str]):
    path = RUNBOOKS / "release-management.md"
    assert main(["parse", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "relbook.parse/1"
    assert data["example_version"] == "1.2.3"
    source = path.read_text().split("\n")
    for step in data["steps"]:
        assert step["text"] in source[step["line"] - 1] or step["kind"] == "shell"
        for part in step["parts"]:
            assert part["source"] in source[part["line"] - 1]
    assert main(["parse", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == data


def test_shipped_runbook_by_name(capsys: pytest.CaptureFixture[str]):
    assert main(["parse", "octoacme-release"]) == 0
    assert "6 task items" in capsys.readouterr().out
