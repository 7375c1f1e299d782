"""Safety rules that hold on any guide: a guide with nothing to run is refused."""

from __future__ import annotations

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
