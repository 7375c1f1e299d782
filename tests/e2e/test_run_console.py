"""Pasted output never runs: a fence of `$ ` prompts runs only the prompted lines."""

from __future__ import annotations

from pathlib import Path

from relbook.parse import parse_runbook
from tests.conftest import Repo
from tests.e2e.runhelp import run, write_runbook

GUIDE = """\
# Release

## Tag

```
$ git tag -a v1.2.3 -m "Release 1.2.3"
$ git tag --list 'v1.2.*'
v1.2.2
v1.2.3
rm -rf important
touch pwned
```
"""


def test_unlabelled_prompted_fence_runs_only_the_commands(origin_repo: Repo, tmp_path: Path):
    (origin_repo.path / "important").mkdir()
    (origin_repo.path / "important" / "keep").write_text("x\n")
    origin_repo.commit("keep", {"important/keep": "x\n"})
    guide = write_runbook(tmp_path / "guide.md", GUIDE)
    code = run(guide, "--version", "1.2.3", "--repo", origin_repo.path,
               "--records", tmp_path / "rec", "--yes")  # fmt: skip
    assert code == 0
    assert origin_repo.git("tag", "--list", "v1.2.3") == "v1.2.3"
    assert (origin_repo.path / "important" / "keep").exists()
    assert not (origin_repo.path / "pwned").exists()


def test_prompted_bash_fence_follows_the_console_rule() -> None:
    rb = parse_runbook("# R\n\n```bash\n$ make test\nok 12 tests\n$ make dist\n```\n", "g.md")
    [step] = rb.steps
    assert [(p.line, p.source) for p in step.commands] == [(4, "make test"), (6, "make dist")]


def test_unlabelled_fence_without_prompts_is_not_a_step() -> None:
    rb = parse_runbook("# R\n\n```\nkey: value\nother: 1\n```\n", "g.md")
    assert rb.steps == ()
