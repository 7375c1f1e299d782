"""Commands written as indented code blocks (four spaces, no fence) run like an
unlabelled fence: when every line reads as shell; other indented text stays text."""

from __future__ import annotations

from pathlib import Path

from relbook.parse import parse_runbook
from tests.conftest import Repo
from tests.e2e.runhelp import run_beside_a_kept_file, write_runbook

GUIDE = """\
# Release

## Update the changelog

Compile the highlights into CHANGES.md, under this heading:

    ## 1.2.3 (unreleased)
    - rm -rf important

## Tag the release

    git tag -a v1.2.3 -m "Release 1.2.3"
    git tag --list 'v1.2.*' > tags.txt

## Publish

1. Record what was published:

       echo published 1.2.3 > published.txt
"""


def test_indented_commands_are_steps_on_their_own_lines(tmp_path: Path) -> None:
    rb = parse_runbook(write_runbook(tmp_path / "g.md", GUIDE).read_text(), "g.md")
    shell = [s for s in rb.steps if s.kind.value == "shell"]
    tag = [(12, 'git tag -a v1.2.3 -m "Release 1.2.3"'), (13, "git tag --list 'v1.2.*' > tags.txt")]
    published = [(19, "echo published 1.2.3 > published.txt")]
    assert [(s.line, [(p.line, p.source) for p in s.commands]) for s in shell] == [
        (12, tag),
        (19, published),
    ]


def test_indented_commands_run_and_indented_text_does_not(origin_repo: Repo, tmp_path: Path):
    code = run_beside_a_kept_file(origin_repo, tmp_path, GUIDE)
    assert code == 0
    assert origin_repo.git("tag", "--list", "v1.2.3") == "v1.2.3"
    assert (origin_repo.path / "tags.txt").read_text().split() == ["v1.2.2", "v1.2.3"]
    assert (origin_repo.path / "published.txt").read_text() == "published 1.2.3\n"
    assert (origin_repo.path / "important" / "keep").exists()
