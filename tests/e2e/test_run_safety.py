"""Safety rules that hold on any guide: a guide with nothing to run is refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from relbook.cli import main
from tests.conftest import Repo
from tests.e2e.runhelp import run, write_runbook

PROSE_ONLY = """
# How we release

We cut a release when main is green. The release manager tags it and
announces it on the mailing list.

## Rollback

```bash
git push origin :refs/tags/v1.0.0
```
"""


@pytest.mark.parametrize("command", ["run", "drill", "lint", "dry-run"])
def test_guide_without_release_steps_is_refused(
    command: str, origin_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guide = write_runbook(tmp_path / "prose.md", PROSE_ONLY)
    records = tmp_path / "records"
    common = ["--version", "1.2.3", "--repo", str(origin_repo.path), "--records", str(records)]
    if command == "run":
        code = run(guide, *common, "--yes")
    elif command == "dry-run":
        code = run(guide, *common, "--dry-run")
    elif command == "drill":
        code = main(["drill", str(guide), *common])
    else:
        code = main(["lint", str(guide)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{guide}: no release-flow step found" in err
    assert "contingency sections (Rollback)" in err  # what it did find
    assert "```bash" in err and "- [ ]" in err  # how to mark steps
    assert "Traceback" not in err
    assert not records.exists() or not any(records.rglob("*.ipynb"))
    assert origin_repo.origin_git("tag", "-l") == "v1.2.2"


UNDONE_BY_A_SCRIPT = """
# Release

## Tag

```bash
git tag -a v1.2.3 -m "Release v1.2.3"
git push origin v1.2.3
git checkout -b release-1.2
git commit -q --allow-empty -m "Release branch work"
git push origin release-1.2
```

## Tidy up

```bash
bash tools/tidy.sh v1.2.3
```
"""
TIDY = 'git push -q origin :refs/tags/"$1"\ngit push -q origin --delete release-1.2\n'


def test_happy_path_drill_fails_when_what_the_run_pushed_is_gone(
    origin_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    origin_repo.commit("Add the tidy script", {"tools/tidy.sh": TIDY})
    origin_repo.git("push", "-q", "origin", "main")
    guide = write_runbook(tmp_path / "guide.md", UNDONE_BY_A_SCRIPT)
    argv = ["drill", str(guide), "--version", "1.2.3", "--repo", str(origin_repo.path)]
    code = main([*argv, "--records", str(tmp_path / "records")])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "expectation failed: every tag and branch the run put on origin is still there" in err
    assert "tag v1.2.3 (deleted)" in err
    assert "branch release-1.2 (deleted; its commit" in err  # its work is on no ref
    assert "FAILED" in out


def test_happy_path_drill_accepts_a_merged_branch_deleted(
    origin_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guide = write_runbook(
        tmp_path / "guide.md",
        """
        # Release

        ## Branch

        ```bash
        git checkout -b release-1.2
        git commit -q --allow-empty -m "Release branch work"
        git push origin release-1.2
        ```

        ## Merge

        ```bash
        git checkout main
        git merge --ff-only release-1.2
        git push origin main
        git push origin --delete release-1.2
        ```
        """,
    )
    argv = ["drill", str(guide), "--version", "1.2.3", "--repo", str(origin_repo.path)]
    code = main([*argv, "--records", str(tmp_path / "records")])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "[ok]   every tag and branch the run put on origin is still there" in out


UNDOES_ITSELF = """
# Release

## Tag the release

```bash
git tag -a v2.5.0 -m "Release v2.5.0"
git push origin v2.5.0
```

## If it goes wrong

<!-- relbook: normal -->
```bash
git push origin :refs/tags/v2.5.0
git tag -d v2.5.0
```
"""


def test_a_run_never_deletes_the_tag_it_pushed_even_with_yes(
    origin_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `normal` puts the section in the flow whatever contingency detection makes of it
    guide = write_runbook(tmp_path / "guide.md", UNDOES_ITSELF)
    records = tmp_path / "records"
    args = [guide, "--version", "2.6.0", "--repo", origin_repo.path, "--records", records]
    assert run(*args, "--yes") == 3
    err = capsys.readouterr().err
    assert f"{guide}:14: step 'if-it-goes-wrong.1' refused to run `git push origin :refs/" in err
    assert "it would delete tag v2.6.0 on origin, which this run created or moved" in err
    assert '"undo: git push origin :refs/tags/v2.5.0": run' in err  # how to answer for it
    assert origin_repo.origin_git("tag", "-l", "v2.6.0") == "v2.6.0"
    assert origin_repo.git("tag", "-l", "v2.6.0") == "v2.6.0"
    # the same command asks again; a step answer or --yes is not an answer for the command
    answers = tmp_path / "answers.yaml"
    answers.write_text("if-it-goes-wrong.1: run\n")
    assert run(*args, "--yes", "--answers", answers) == 3
    assert origin_repo.origin_git("tag", "-l", "v2.6.0") == "v2.6.0"
    # answered for the push only: the push runs, the local delete is refused
    answers.write_text('"undo: git push origin :refs/tags/v2.5.0": run\n')
    assert run(*args, "--yes", "--answers", answers) == 3
    assert f"{guide}:15: step 'if-it-goes-wrong.1' refused to run `git tag -d v2.6.0`" in (
        capsys.readouterr().err
    )
    assert origin_repo.origin_git("tag", "-l", "v2.6.0") == ""
    assert origin_repo.git("tag", "-l", "v2.6.0") == "v2.6.0"


def test_a_run_never_deletes_its_tag_through_githubs_cli(
    origin_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    # `gh release delete TAG --cleanup-tag` deletes the tag on GitHub: the same refusal
    bin_dir, calls = tmp_path / "bin", tmp_path / "gh-calls"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (bin_dir / "gh").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    guide = write_runbook(
        tmp_path / "guide.md",
        UNDOES_ITSELF.replace(
            "git push origin :refs/tags/v2.5.0", "gh release delete v2.5.0 --cleanup-tag --yes"
        ),
    )
    args = [guide, "--version", "2.6.0", "--repo", origin_repo.path, "--records", tmp_path / "r"]
    assert run(*args, "--yes") == 3
    assert "it would delete tag v2.6.0 on origin, which this run created or moved" in (
        capsys.readouterr().err
    )
    assert not calls.exists()
    assert origin_repo.origin_git("tag", "-l", "v2.6.0") == "v2.6.0"


def test_a_force_push_over_a_branch_the_run_pushed_is_refused(
    origin_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guide = write_runbook(
        tmp_path / "guide.md",
        """
        # Release

        ## Branch

        ```bash
        git checkout -b release-2.6
        git commit -q --allow-empty -m "Release work"
        git push origin release-2.6
        ```

        ## Start over

        <!-- relbook: normal -->
        ```bash
        git reset -q --hard HEAD~1
        git push -f origin release-2.6
        ```
        """,
    )
    args = [guide, "--version", "2.6.0", "--repo", origin_repo.path]
    pushed = origin_repo.git("rev-parse", "release-2.6", check=False)
    assert run(*args, "--records", tmp_path / "records", "--yes") == 3
    err = capsys.readouterr().err
    assert "it would force-overwrite release-2.6 on origin, which this run created" in err
    pushed = origin_repo.git("rev-parse", "origin/release-2.6")
    assert origin_repo.origin_git("rev-parse", "release-2.6") == pushed
    assert origin_repo.origin_git("log", "-1", "--format=%s", "release-2.6") == "Release work"


def test_a_happy_path_drill_of_a_guide_that_undoes_itself_fails(
    origin_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guide = write_runbook(tmp_path / "guide.md", UNDOES_ITSELF)
    argv = ["drill", str(guide), "--version", "2.6.0", "--repo", str(origin_repo.path)]
    code = main([*argv, "--records", str(tmp_path / "records")])
    out, err = capsys.readouterr()
    assert code == 1, out + err  # failed, not waiting for an answer
    assert "expectation failed: no step is blocked or refused" in err
    assert "if-it-goes-wrong.1 (" in err and "was refused" in err
