"""An answers file and a drill scenario written for one version of a guide still apply
after unrelated edits to it (lines added above the steps they name)."""

from __future__ import annotations

import json
from pathlib import Path

from relbook.cli import main
from tests.conftest import RUNBOOKS, Repo
from tests.e2e.drilltools import drill, drill_records
from tests.e2e.runhelp import notebook, outcomes, run

GUIDE = """# Release

## Prepare

- [ ] Check the dashboards

```bash
# Update the changelog by hand
echo built
# Notify the team on chat
```
"""

# Written against GUIDE as it is above, with the ids `relbook parse` printed.
ANSWERS = """prepare.1: "done: all green"
prepare.2#1: "done: changelog written"
prepare.2#2: "done: told them"
"""


def test_an_answers_file_written_before_an_edit_still_applies(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    guide = tmp_path / "release.md"
    answers = tmp_path / "answers.yaml"
    guide.write_text(GUIDE)
    answers.write_text(ANSWERS)
    assert main(["parse", str(guide), "--json"]) == 0
    parsed = json.loads(capsys.readouterr().out)
    ids = [p["id"] for s in parsed["steps"] for p in s["parts"] if p["kind"] == "instruction"]
    assert ids == ["prepare.2#1", "prepare.2#2"]
    assert [p["line"] for s in parsed["steps"] for p in s["parts"] if "id" in p] == [8, 10]

    head, _, rest = GUIDE.partition("\n")  # the edit: an introduction above every step
    guide.write_text(f"{head}\n\nWho runs this: the release manager.\nHow long: an hour.\n{rest}")
    records = tmp_path / "rec"
    args = ["--version", "1.3.0", "--repo", origin_repo.path, "--records", records]
    code = run(guide, *args, "--answers", answers)
    out, err = capsys.readouterr()
    assert code == 0, out + err
    got = outcomes(records / "release" / "1.3.0.ipynb")
    assert got["prepare.1"]["note"] == "all green"
    fixes = got["prepare.2"]["extra"]["instructions"]
    assert [(i["id"], i["line"], i["note"]) for i in fixes] == [
        ("prepare.2#1", 11, "changelog written"),
        ("prepare.2#2", 13, "told them"),
    ]


def test_an_old_line_id_says_which_instruction_it_was_taken_as(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    guide, answers = tmp_path / "release.md", tmp_path / "answers.yaml"
    guide.write_text(GUIDE)
    answers.write_text(ANSWERS.replace("prepare.2#2", "prepare.2@10"))
    args = ["--version", "1.3.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    assert run(guide, *args, "--answers", answers) == 0
    out = capsys.readouterr().out
    assert (
        "warning: answers: 'prepare.2@10' names an instruction by its line: taken as "
        f"prepare.2#2 ({guide}:10: Notify the team on chat); write 'prepare.2#2' to keep it so"
    ) in out


# The shipped rollback scenario as it was written before instruction ids were stable:
# the instruction named by its line in the guide at the time.
OLD_ROLLBACK = (
    (Path(__file__).parents[2] / "src/relbook/drill/scenarios/release-management")
    / "bad-release-rollback.yaml"
).read_text()


def test_a_scenario_written_before_an_edit_still_applies(tmp_path, monkeypatch, capsys) -> None:
    old = OLD_ROLLBACK.replace("emergency-rollback.1#1", "emergency-rollback.1@98")
    assert old.count("emergency-rollback.1@98") == 2
    scenario = tmp_path / "old-rollback.yaml"
    scenario.write_text(old)
    text = (RUNBOOKS / "release-management.md").read_text()
    head, _, rest = text.partition("\n")
    guide = tmp_path / "release-management.md"
    guide.write_text(f"{head}\n\nA line added by an editor.\nAnd another one.\n{rest}")
    monkeypatch.chdir(tmp_path)
    code, out, err = drill([str(guide), "--version", "1.2.3", "--scenario", str(scenario)], capsys)
    assert code == 0, out + err
    assert "Ran Emergency Rollback: succeeded" in out
    nb = notebook(drill_records(tmp_path)[0])
    steps = {c.metadata["relbook"]["step_id"]: c for c in nb.cells if "relbook" in c.metadata}
    assert "emergency-rollback.1" in steps
    [fix] = outcomes(drill_records(tmp_path)[0])["emergency-rollback.1"]["extra"]["instructions"]
    assert fix["id"] == "emergency-rollback.1#1" and fix["line"] == 101
    assert "VERSION set to the hotfix version" in fix["note"]
