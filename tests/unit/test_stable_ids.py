"""Step and instruction ids come from sections and order, not lines: an edit elsewhere
in the guide leaves them as they were, and the older `<step>@<line>` ids still resolve."""

from __future__ import annotations

from pathlib import Path

from relbook.drill.scenario import load_scenario
from relbook.model import Runbook
from relbook.parse import parse_runbook
from relbook.render.outline import runbook_json
from relbook.run.preflight import workspace_problems
from tests.conftest import RUNBOOKS, parse_once

GUIDE = (RUNBOOKS / "release-management.md").read_text()


def _ids(rb: Runbook) -> list[str]:
    return [s.id for s in rb.steps] + [i for s in rb.steps for i, _ in s.instructions()]


def _edited(text: str, lines: int = 3) -> str:
    """The guide with `lines` lines of prose added under its title."""
    head, _, rest = text.partition("\n")
    return head + "\n" + "An added note.\n" * lines + rest


def test_adding_lines_above_changes_no_id() -> None:
    before = parse_once(GUIDE, "release-management.md")
    after = parse_once(_edited(GUIDE), "release-management.md")
    assert _ids(after) == _ids(before)
    assert [s.line for s in after.steps] == [s.line + 3 for s in before.steps]
    assert "emergency-rollback.1#1" in _ids(before)
    [(key, part)] = after.step("emergency-rollback.1").instructions()
    assert key == "emergency-rollback.1#1" and part.source == "Apply necessary fixes"


def test_old_line_ids_resolve_to_the_same_instruction() -> None:
    before = parse_once(GUIDE, "release-management.md")
    after = parse_once(_edited(GUIDE), "release-management.md")
    for rb in (before, after):  # line 98 was the instruction's line before the edit
        assert rb.resolve("emergency-rollback.1@98") == "emergency-rollback.1#1"
        assert rb.resolve("emergency-rollback.1#1") == "emergency-rollback.1#1"
        assert rb.resolve("emergency-rollback.1") == "emergency-rollback.1"
        assert rb.resolve("emergency-rollback.1#2") is None
        assert rb.resolve("nope.1@98") is None


TWO = """# Two

## Build

```bash
# Update the version file
make build
# Notify the team on chat
```
"""


def test_an_old_line_id_that_could_name_either_instruction_is_refused() -> None:
    rb = parse_runbook(TWO, "two.md")
    [(first, a), (second, b)] = rb.step("build.1").instructions()
    assert (first, second) == ("build.1#1", "build.1#2")
    assert rb.resolve(f"build.1@{a.line}") == first  # the line is still right
    assert rb.resolve(f"build.1@{b.line}") == second
    edited = parse_runbook(_edited(TWO, 1), "two.md")
    assert edited.resolve(f"build.1@{a.line}") is None  # moved: which one was meant?
    assert edited.resolve("build.1#2") == second
    [problem] = _unknown(edited, {f"build.1@{a.line}": "done"})
    assert "step build.1 has no instruction at that line" in problem
    assert "build.1#1 (line 7: Update the version file)" in problem
    assert "build.1#2 (line 9: Notify the team on chat)" in problem


def _unknown(rb: Runbook, answers: dict) -> list[str]:
    from relbook.run.options import RunOptions

    opts = RunOptions(version="1.0.0", answers=answers)
    return workspace_problems(rb, list(rb.steps), opts, repo="repo")


def test_answers_by_old_and_new_ids_pass_the_preflight() -> None:
    rb = parse_once(_edited(GUIDE), "release-management.md")
    answers = {"emergency-rollback.1@98": "done", "release-branch-creation.1#1": "done"}
    assert _unknown(rb, answers) == []
    [typo] = _unknown(rb, {"release-branch-creation.1#3": "done"})
    assert "did you mean 'release-branch-creation.1#1'?" in typo


def test_an_automatic_id_never_collides_with_one_given() -> None:
    text = "# T\n\n## Steps\n\n- [ ] First <!-- relbook: id=steps.2 -->\n- [ ] Second\n"
    rb = parse_runbook(text, "t.md")
    ids = [s.id for s in rb.steps]
    assert ids[0] == "steps.2" and ids[1].startswith("steps.2-") and len(set(ids)) == 2
    assert parse_runbook(text, "t.md").steps[1].id == ids[1]  # the same every time


def test_parse_json_names_each_instruction_by_its_id() -> None:
    doc = runbook_json(parse_once(GUIDE, "release-management.md"))
    step = next(s for s in doc["steps"] if s["id"] == "emergency-rollback.1")
    [part] = [p for p in step["parts"] if p["kind"] == "instruction"]
    assert part["id"] == "emergency-rollback.1#1" and part["line"] == 98
    assert all("id" not in p for p in step["parts"] if p["kind"] == "command")


OLD_SCENARIO = """name: old-rollback
runbook: release-management
faults:
  - id: errors-after-release
    at: post-release-activities.3
    kind: manual-fail
response:
  section: Emergency Rollback
  answers:
    emergency-rollback.1@98: "done: fixed"
  actions:
    - at: emergency-rollback.1@98
      run: "true"
expect:
  - detected_at: post-release-activities.3
"""


def test_a_scenario_written_before_an_edit_names_todays_ids(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(OLD_SCENARIO)
    rb = parse_runbook(_edited(GUIDE, 5), "release-management.md")
    s = load_scenario(path, rb)
    assert s.response_answers == {"emergency-rollback.1#1": "done: fixed"}
    assert [a.at for a in s.response_actions] == ["emergency-rollback.1#1"]
    assert s.faults[0].step == "post-release-activities.3"
