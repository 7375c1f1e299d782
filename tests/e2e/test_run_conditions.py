"""Conditions in a real run: steps for other kinds of release are not applicable (and
the record, the dry run and the drill say why); an optional shell step runs only
when someone says so."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pexpect

from relbook.cli import main
from relbook.parse import read_runbook
from tests.conftest import Repo
from tests.e2e.runhelp import outcomes, run, write_runbook
from tests.e2e.test_run_prompts import terminal

GUIDE = """
    # Releasing

    ## Minor release process

    1. Create the release branch:

       ```bash
       git checkout -q -b "release-$RELBOOK_VERSION"
       ```

    ## Patch release process

    1. Record the patch:

       ```bash
       echo "patch $RELBOOK_VERSION" >> PATCHES
       ```

    ## Every release

    - Open the next milestone [RC.0 only]

    If `gh` is available, watch the build:

    ```bash
    echo watched > WATCHED
    ```

    ```bash
    git add -A && git commit -q -m "Release $RELBOOK_VERSION"
    ```
"""


def _setup(origin_repo: Repo, tmp_path: Path) -> tuple[Path, list]:
    rb = write_runbook(tmp_path / "cond.md", GUIDE)
    args = ["--version", "1.2.3", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    return rb, args


def _ids(rb: Path) -> tuple[str, list[str]]:
    """The optional step's id (the block at line 25), and the manual steps' ids."""
    steps = read_runbook(rb).steps
    manual = [s.id for s in steps if s.kind.value == "manual"]
    return next(s.id for s in steps if s.line == 25), manual


def test_other_kinds_of_release_are_not_applicable_and_optional_is_not_run_by_yes(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    rb, args = _setup(origin_repo, tmp_path)
    assert run(rb, *args, "--dry-run", "--json") == 0
    plan = {s["line"]: s for s in json.loads(capsys.readouterr().out)["steps"]}
    assert plan[7]["status"] == "not-applicable"
    assert plan[7]["reason"] == (
        "applies to minor releases (from the heading 'Minor release process' at line 3); "
        "1.2.3 is a patch release"
    )
    assert plan[15]["status"] == "planned"
    assert plan[21]["status"] == "not-applicable" and "rc.0" in plan[21]["reason"]
    assert plan[25]["status"] == "planned"
    assert plan[25]["reason"] == "optional (If gh is available): asked before it runs"

    assert run(rb, *args, "--yes") == 0
    out = capsys.readouterr().out
    assert "not-applicable: applies to minor releases" in out
    got = outcomes(tmp_path / "rec" / "cond" / "1.2.3.ipynb")
    assert got["minor-release-process.1"]["status"] == "not-applicable"
    assert "Minor release process" in got["minor-release-process.1"]["reason"]
    assert got["patch-release-process.1"]["status"] == "done"
    optional = got[_ids(rb)[0]]
    assert optional["status"] == "skipped"
    assert "--yes runs it only when answered" in optional["reason"]
    assert origin_repo.git("branch", "--list", "release-*") == ""
    assert (origin_repo.path / "PATCHES").read_text() == "patch 1.2.3\n"
    assert not (origin_repo.path / "WATCHED").exists()


def test_an_answer_runs_the_optional_step(origin_repo: Repo, tmp_path: Path) -> None:
    rb, args = _setup(origin_repo, tmp_path)
    answers = tmp_path / "answers.yml"
    answers.write_text(f"{_ids(rb)[0]}: run\n")
    assert run(rb, *args, "--yes", "--answers", answers) == 0
    assert (origin_repo.path / "WATCHED").read_text() == "watched\n"


def test_without_a_terminal_or_answer_the_optional_step_pauses(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    rb, args = _setup(origin_repo, tmp_path)
    answers = tmp_path / "answers.yml"
    opt, manual = _ids(rb)
    answers.write_text("".join(f"{m}: done\n" for m in manual))
    assert run(rb, *args, "--answers", answers) == 3
    err = capsys.readouterr().err
    assert f"cond.md:25: step '{opt}' is optional (If gh is available)" in err
    assert not (origin_repo.path / "WATCHED").exists()


def test_the_operator_is_asked_on_a_terminal(origin_repo: Repo, tmp_path: Path) -> None:
    rb, args = _setup(origin_repo, tmp_path)
    child = terminal(rb, args, NO_COLOR="1")
    opt, _ = _ids(rb)
    child.expect("not-applicable: applies to minor releases")
    asked = rf"optional step {re.escape(opt)} \(If gh is available\): run it\?"
    while child.expect([r"\(d\)one, \(s\)kip, \(f\)ail, \(n\)ote, \(q\)uit\? ", asked]) == 0:
        child.sendline("d")  # a manual step of the guide
    child.sendline("n")
    child.expect(r"skipped: optional \(If gh is available\): not wanted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.logfile_read.getvalue()
    assert not (origin_repo.path / "WATCHED").exists()
    got = outcomes(tmp_path / "rec" / "cond" / "1.2.3.ipynb")
    assert got[opt]["status"] == "skipped"


def test_the_drill_shows_not_applicable(origin_repo: Repo, tmp_path: Path, capsys) -> None:
    rb, _ = _setup(origin_repo, tmp_path)
    argv = ["drill", str(rb), "--version", "1.2.3", "--repo", str(origin_repo.path)]
    assert main([*argv, "--records", str(tmp_path / "drills")]) == 0
    out = capsys.readouterr().out
    assert "- NOT-APPLICABLE" in out and "applies to minor releases (from the heading" in out
    assert "SKIPPED" in out and "optional (If gh is available)" in out


WAYS = """
    # Releasing

    ## Option A: with the release script

    ```bash
    echo scripted >> WAYS
    ```

    ## Option B: by hand

    ```bash
    echo by-hand >> WAYS
    ```

    ## Publish

    ```bash
    echo published >> WAYS
    ```
"""


def _ways(origin_repo: Repo, tmp_path: Path) -> tuple[Path, list]:
    rb = write_runbook(tmp_path / "ways.md", WAYS)
    args = ["--version", "1.2.3", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    return rb, args


def test_alternatives_are_one_choice_in_the_plan_and_yes_takes_none(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    rb, args = _ways(origin_repo, tmp_path)
    assert run(rb, *args, "--dry-run", "--json") == 0
    plan = json.loads(capsys.readouterr().out)["steps"]
    assert [(s["choice"], s["option"]) for s in plan[:2]] == [
        ("choice@3", "Option A: with the release script"),
        ("choice@3", "Option B: by hand"),
    ]
    assert plan[0]["reason"].startswith("one of 2 ways (choice@3: ")
    assert run(rb, *args, "--yes") == 0
    assert (origin_repo.path / "WAYS").read_text() == "published\n"  # neither way by --yes
    got = outcomes(tmp_path / "rec" / "ways" / "1.2.3.ipynb")
    assert got["option-a-with-the-release-script.1"]["status"] == "skipped"
    assert "none is taken (--yes takes none" in got["option-b-by-hand.1"]["reason"]


def test_an_answer_takes_one_way(origin_repo: Repo, tmp_path: Path, capsys) -> None:
    rb, args = _ways(origin_repo, tmp_path)
    answers = tmp_path / "answers.yml"
    answers.write_text("choice@3: by hand\n")
    assert run(rb, *args, "--yes", "--answers", answers) == 0
    assert (origin_repo.path / "WAYS").read_text() == "by-hand\npublished\n"
    answers.write_text("choice@3: 7\n")
    assert run(rb, *args, "--version", "1.2.4", "--answers", answers) == 2
    assert "choice@3: '7' is none of its ways" in capsys.readouterr().err


def test_the_operator_picks_one_way_on_a_terminal(origin_repo: Repo, tmp_path: Path) -> None:
    rb, args = _ways(origin_repo, tmp_path)
    child = terminal(rb, args, NO_COLOR="1")
    child.expect(r"choice@3: one of 2 ways\. Way 1: 'Option A: with the release script': take it\?")
    child.sendline("n")
    child.expect(r"Way 2: 'Option B: by hand': take it\?")
    child.sendline("y")
    child.expect(r"skipped: one way of choice@3: 'Option B: by hand' is taken")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.logfile_read.getvalue()
    assert (origin_repo.path / "WAYS").read_text() == "by-hand\npublished\n"


SCENARIOS = """\
# Release

## Scenario B — Ship a new release candidate

```bash
echo rc > RC
```

## Scenario C: Ship the stable release

```bash
echo stable > STABLE
```
"""


def test_a_section_named_as_one_of_several_scenarios_keeps_the_kind_of_release_it_is_for(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    rb = write_runbook(tmp_path / "scenarios.md", SCENARIOS)
    args = ["--version", "1.3.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    assert run(rb, *args, "--dry-run", "--json") == 0
    plan = {s["line"]: s for s in json.loads(capsys.readouterr().out)["steps"]}
    assert plan[5]["status"] == "not-applicable"
    assert "Scenario B — Ship a new release candidate" in plan[5]["reason"]
    assert run(rb, *args, "--yes") == 0
    assert not (origin_repo.path / "RC").exists()
    assert (origin_repo.path / "STABLE").read_text() == "stable\n"


CLEAN = """\
# Release

## A clean environment

A new environment keeps local changes out of the release:

```bash
echo new-env >> WAYS
```

Alternatively, the local checkout can be cleaned with:

```bash
echo cleaned >> WAYS
```

## Publish

```bash
echo published >> WAYS
```
"""


def test_a_block_introduced_as_an_alternative_is_one_way_not_the_next_step(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    rb = write_runbook(tmp_path / "clean.md", CLEAN)
    args = ["--version", "1.2.3", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    assert run(rb, *args, "--dry-run", "--json") == 0
    plan = json.loads(capsys.readouterr().out)["steps"]
    assert [(s["line"], s["choice"]) for s in plan[:2]] == [(7, "choice@7"), (13, "choice@7")]
    assert plan[1]["text"] == "Alternatively, the local checkout can be cleaned with:"
    answers = tmp_path / "answers.yml"
    answers.write_text("choice@7: 2\n")
    assert run(rb, *args, "--yes", "--answers", answers) == 0
    assert (origin_repo.path / "WAYS").read_text() == "cleaned\npublished\n"
