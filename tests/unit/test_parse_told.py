"""Literals of a command that the guide's prose names: an example the operator replaces,
an example version of the step's own, a past release."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from relbook.cli import main
from relbook.parse import parse_runbook
from tests.conftest import Repo

EXAMPLE = """\
# Release

## Branches

- [ ] Merge main into each maintenance branch (e.g. stable-9), then push it:
  ```bash
  git checkout stable-9
  git merge --ff-only main
  git push origin stable-9
  ```
"""

PAST = """\
# Release

We are using v1.70.0 as the example version.

## Tidy

After the release run

```bash
bin/tidy-old v1.55
```

where the version is that of a couple ago, to remove old binaries.

## Website

Reset the website branch to the last release

```bash
git reset --hard v1.64.0
```
"""


def _told(text: str) -> list[tuple[int, str, str, str]]:
    rb = parse_runbook(textwrap.dedent(text), "g.md")
    return [(p.line, p.literal, p.name, p.means) for p in rb.placeholders if p.kind == "told"]


def _plan(guide: Path, repo: Repo, capsys, *extra: str) -> dict[int, dict]:
    args = ["run", str(guide), "--version", "1.3.0", "--repo", str(repo.path), "--dry-run"]
    assert main([*args, "--json", *extra]) == 0
    plan = json.loads(capsys.readouterr().out)
    return {c["line"]: c for s in plan["steps"] for c in s["commands"]}


def test_an_example_the_prose_gives_is_an_operator_input_named_after_what_it_is() -> None:
    assert _told(EXAMPLE) == [
        (7, "stable-9", "branch", "input"),
        (9, "stable-9", "branch", "input"),
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Merge main into each branch, for example `stable-9`, and push it:",
        "Merge main into a branch such as stable-9 and push it:",
        "Merge main into a branch, for instance stable-9, and push it:",
    ],
)
def test_every_way_of_saying_for_example(sentence: str) -> None:
    text = EXAMPLE.replace(
        "Merge main into each maintenance branch (e.g. stable-9), then push it:", sentence
    )
    assert [lit for _, lit, _, _ in _told(text)] == ["stable-9", "stable-9"]


def test_the_section_intro_gives_the_example_of_its_commands() -> None:
    text = (
        "# Release\n\n## Branches\n\nEach maintenance branch (e.g. stable-9) gets main.\n\n"
        "```bash\ngit checkout stable-9\n```\n"
    )
    assert _told(text) == [(8, "stable-9", "branch", "input")]


@pytest.mark.parametrize(
    "text",
    [
        # a program, a plain word after `like`, a flag: no value to give
        "## Build\n\nUse a tool like make to build:\n\n```bash\nmake build\n```\n",
        "## Build\n\nRun it like this, e.g. --verbose:\n\n```bash\nmake --verbose\n```\n",
        # a series relbook maps (`5.2.x`), the example version itself: filled, not asked
        "## Branch\n\nUse the series branch, such as `5.2.x`:\n\n"
        "```bash\ngit checkout 5.2.x\n```\n",
        "## Tag\n\nTag the version (e.g. 1.2.3):\n\n```bash\ngit tag v1.2.3\n```\n",
        # a file of the project named as an example of the files to change
        "## Bump\n\nBump the version in files such as `package.json`:\n\n"
        "```bash\ngit add package.json\n```\n",
        # the example not in the commands
        "## Branch\n\nPick a branch (e.g. stable-9):\n\n```bash\ngit checkout main\n```\n",
    ],
)
def test_what_is_not_an_example_to_give(text: str) -> None:
    assert _told("# Release\n\n" + text) == []


def test_the_dry_run_blocks_the_example_until_it_is_given(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    guide = tmp_path / "g.md"
    guide.write_text(EXAMPLE)
    by_line = _plan(guide, origin_repo, capsys, "--allow-bump", "minor", "--reason", "t")
    assert by_line[7]["status"] == "blocked"
    assert by_line[7]["reason"] == (
        f"{guide}:7: unfilled placeholder stable-9: give it with -p branch=VALUE"
    )
    assert by_line[8]["status"] == "planned"
    assert by_line[9]["text"] == "git push origin stable-9"
    given = _plan(guide, origin_repo, capsys, "-p", "branch=maint-1.2")
    assert [given[n]["status"] for n in (7, 8, 9)] == ["planned"] * 3
    assert given[9]["text"] == "git push origin maint-1.2"


def test_a_step_whose_prose_gives_its_own_example_version_has_it(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    text = (
        "# Release\n\nWe are using 3.0.0 as the example version.\n\n"
        "## Tag\n\n```bash\ngit tag v3.0.0\n```\n\n"
        "## Old series\n\nTag the patch release (e.g. 2.1.4):\n\n"
        "```bash\ngit checkout 2.1.x\ngit tag v2.1.4\n```\n"
    )
    rb = parse_runbook(text, "g.md")
    assert rb.example_version == "3.0.0"
    assert _told(text) == [(17, "2.1.4", "version", "version")]
    guide = tmp_path / "g.md"
    guide.write_text(text)
    by_line = _plan(guide, origin_repo, capsys, "--allow-bump", "minor", "--reason", "t")
    assert [by_line[n]["text"] for n in (8, 17)] == ["git tag v1.3.0", "git tag v1.3.0"]


def test_a_version_given_as_an_example_of_something_else_is_not_this_release() -> None:
    text = (
        "# Release\n\n## Deps\n\nPin the minimum Go (e.g. 1.22.3):\n\n"
        "```bash\ngo mod edit -go=1.22.3\n```\n"
    )
    assert _told(text) == []


def test_a_past_release_the_prose_names() -> None:
    assert _told(PAST) == [
        (10, "v1.55", "past_release", "input"),
        (20, "v1.64.0", "previous_tag", "previous_tag"),
    ]


@pytest.mark.parametrize(
    "command",
    [
        "go install example.com/tool@v1.55.0",  # a dependency
        "pip install 'pkg==1.2.3'",
        "git checkout semconv/v1.24.0",  # another component's tag
        "docker pull demo/demo:1.64.0",  # an image's, inside a word
        "bin/check go1.22",  # a toolchain
    ],
)
def test_other_components_versions_stay_untouched(command: str) -> None:
    prose = "The last release, or one of a couple ago:"
    text = f"# Release\n\n## Tidy\n\n{prose}\n\n```bash\n{command}\n```\n"
    assert _told(text) == []


def test_two_versions_near_the_last_release_are_the_operators_choice() -> None:
    text = PAST.replace("git reset --hard v1.64.0", "git diff v1.63.0 v1.64.0")
    assert [(lit, name) for _, lit, name, _ in _told(text)][1:] == [
        ("v1.63.0", "past_release_2"),
        ("v1.64.0", "past_release_3"),
    ]


def test_the_plan_fills_the_last_release_and_blocks_the_past_one(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    guide = tmp_path / "g.md"
    guide.write_text(PAST)
    by_line = _plan(guide, origin_repo, capsys, "--allow-bump", "minor", "--reason", "t")
    assert by_line[10]["reason"] == (
        f"{guide}:10: unfilled placeholder v1.55: give it with -p past_release=VALUE"
    )
    assert (by_line[20]["status"], by_line[20]["text"]) == ("planned", "git reset --hard v1.2.2")


def test_lint_and_params_report_the_operator_inputs(tmp_path: Path, capsys) -> None:
    guide = tmp_path / "g.md"
    guide.write_text(EXAMPLE)
    assert main(["lint", str(guide)]) == 1
    out = capsys.readouterr().out
    assert (
        f"{guide}:7: RB009 unfilled placeholder stable-9: give it with -p branch=VALUE; "
        "until then the command is blocked"
    ) in out
    assert main(["params", str(guide), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["placeholders"]
    found = {(r["line"], r["name"], r["means"]) for r in rows}
    assert found == {(7, "branch", "input"), (9, "branch", "input")}
    assert rows[0]["why"] == (
        "the guide gives it as an example (branch, e.g. stable-9): an operator input"
    )


def test_a_past_release_is_read_only_from_the_prose_right_around_its_command() -> None:
    text = PAST.replace(
        "Reset the website branch to the last release\n",
        "Reset the website branch to the last release\n\nThen check out the old docs.\n",
    )
    assert [lit for _, lit, _, _ in _told(text)] == ["v1.55"]


def test_a_literal_the_prose_names_the_latest_release_is_the_previous_version(
    tmp_path: Path, capsys
) -> None:
    from tests.conftest import make_repo

    text = (
        "# Release\n\n## Patch branch\n\n```bash\n# Assuming 0.8.0 is the latest release tag\n"
        "git checkout -b demo-0.8.x demo-0.8.0\n```\n"
    )
    assert _told(text) == [(7, "0.8.0", "previous_version", "previous_version")]
    repo = make_repo(tmp_path, tags=("demo-0.11.1",), version="0.11.1")
    guide = tmp_path / "g.md"
    guide.write_text(text)
    by_line = _plan(guide, repo, capsys, "--allow-bump", "minor", "--reason", "t")
    assert (by_line[7]["status"], by_line[7]["text"]) == (
        "planned",
        "git checkout -b demo-1.3.x demo-0.11.1",
    )


def test_an_example_in_the_sentence_that_introduces_the_block_counts_once() -> None:
    text = (
        "# Release\n\n## Branches\n\nPush main to the maintenance branch (e.g. `stable-9`):\n\n"
        "```bash\ngit push origin main:stable-9\n```\n"
    )
    assert _told(text) == [(8, "stable-9", "branch", "input")]


def test_an_example_later_in_a_section_is_not_its_intro() -> None:
    text = (
        "# Release\n\n## Branches\n\n1. Fetch everything.\n\n"
        "   A note on branches (e.g. stable-9) for later.\n\n2. Build it.\n\n"
        "   Then, much later, the push:\n\n   Done.\n\n```bash\ngit push origin stable-9\n```\n"
    )
    assert _told(text) == []


OLDER = """\
# Release

We are using v2.5.0 as the example version.

## Notes

```bash
./scripts/notes.sh v2.3.0 v2.5.0
```
"""


def test_an_older_release_of_the_project_in_a_command_is_the_operators_to_choose(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    assert _told(OLDER) == [(8, "2.3.0", "past_release", "input")]
    guide = tmp_path / "g.md"
    guide.write_text(OLDER)
    by_line = _plan(guide, origin_repo, capsys, "--allow-bump", "minor", "--reason", "t")
    assert by_line[8]["reason"] == (
        f"{guide}:8: unfilled placeholder 2.3.0: give it with -p past_release=VALUE"
    )
    given = _plan(guide, origin_repo, capsys, "-p", "past_release=1.2.2")
    assert (given[8]["status"], given[8]["text"]) == (
        "planned",
        "./scripts/notes.sh v1.2.2 v1.3.0",
    )


@pytest.mark.parametrize(
    "command",
    [
        "./scripts/notes.sh v2.4.0 v2.5.0",  # patch - 1 of the example 2.4.1: the previous one
        "./scripts/notes.sh v1.9.0",  # another major: a tool's, not this project's
        "pip install 'sphinx==2.3.0'",  # a dependency
        "./scripts/notes.sh v2.6.0",  # newer than the example
        "git tag v2.3.0",  # a placeholder already (given with -p other_version)
    ],
)
def test_what_is_not_an_older_release_to_choose(command: str) -> None:
    text = OLDER.replace("v2.5.0 as", "v2.4.1 as").replace(
        "./scripts/notes.sh v2.3.0 v2.5.0", command
    )
    assert _told(text) == []


def test_an_older_release_a_variable_of_the_guide_names_is_filled_not_asked() -> None:
    text = OLDER.replace("./scripts/notes.sh v2.3.0 v2.5.0", "LAST_VERSION_TAG=v2.3.0 ./notes.sh")
    assert _told(text) == []


def test_like_gives_a_value_only_in_a_code_span() -> None:
    text = (
        "# Release\n\n## Check\n\nThen open a page like https://example.com/releases.\n\n"
        "```bash\ncurl -fsS https://example.com/releases\n```\n"
    )
    assert _told(text) == []
