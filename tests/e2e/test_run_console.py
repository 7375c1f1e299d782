"""Pasted output never runs: a fence of `$ ` prompts runs only the prompted lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from relbook.bash.prompts import prompt_end
from relbook.parse import parse_runbook
from tests.conftest import Repo
from tests.e2e.runhelp import run, run_beside_a_kept_file, write_runbook

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
    code = run_beside_a_kept_file(origin_repo, tmp_path, GUIDE)
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


PROMPTS = """\
# Release

## Tag

```bash
> git tag -a v1.2.3 -m "Release 1.2.3"
```

## Check

```sh
dev@build:~/src$ git tag --list 'v1.2.*'
v1.2.2
v1.2.3
touch pwned
```

## Build

```
(venv) $ git describe --tags
v1.2.3
```
"""


def test_terminal_prompts_are_not_commands_and_their_output_never_runs(
    origin_repo: Repo, tmp_path: Path
) -> None:
    # `> git tag ...` read as bash truncates a file named `git`; each prompt here is
    # the terminal's, and the lines after it are what it printed
    guide = write_runbook(tmp_path / "guide.md", PROMPTS)
    code = run(guide, "--version", "1.2.3", "--repo", origin_repo.path,
               "--records", tmp_path / "rec", "--yes")  # fmt: skip
    assert code == 0
    assert origin_repo.git("tag", "--list", "v1.2.3") == "v1.2.3"
    assert not (origin_repo.path / "git").exists()
    assert not (origin_repo.path / "pwned").exists()


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("$ make dist", "make dist"),
        ("% make dist", "make dist"),
        ("user@host:~/src$ make dist", "make dist"),
        ("root@box:/# make install", "make install"),
        ("user@host ~ % make dist", ""),  # a path with spaces around it: not a prompt
        ("[root@build ~]# make install", "make install"),
        ("[dev@box rails (3-0-10)]$ git log v3.0.9..", "git log v3.0.9.."),
        ("(venv) $ twine upload dist/*", "twine upload dist/*"),
        ("(.venv) dev@box:~/p$ twine check dist/*", "twine check dist/*"),
        ("❯ git push origin main", "git push origin main"),
        ("➜  repo git:(main) ✗ git tag v1.2.3", "git tag v1.2.3"),
        ("➜  repo git push", "git push"),
        # bash, not prompts
        ("[[ -f VERSION ]] && cat VERSION", ""),
        ('[ -n "$V" ] || exit 1', ""),
        ("(cd docs && make html)", ""),
        ("$HOME/bin/release 1.2.3", ""),
        ("scp dist.tgz user@host:/srv/", ""),
        ("git remote add up git@github.com:org/repo.git", ""),
        ("printf '%s\\n' done", ""),
        ("$", ""),
        ("$not-a-prompt", ""),
    ],
)
def test_a_prompt_is_cut_off_its_command(line: str, command: str) -> None:
    end = prompt_end(line)
    assert (line[end:] if end else "") == command
