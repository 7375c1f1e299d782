"""A command holding a value the prose gives as an example, or a past release the
operator chooses, never runs as written: real git with a bare origin, real bash."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Repo
from tests.e2e.runhelp import relbook, write_runbook

GUIDE = """\
# Release

## Maintenance branches

- [ ] Merge main into each maintenance branch (e.g. stable-9), then push it:
  ```bash
  git branch stable-9
  git push origin stable-9
  ```

## Tidy

After the release run

```bash
./tidy.sh v1.1
```

where the version is that of a couple ago, to remove old builds.
"""


def _args(guide: Path, repo: Repo, records: Path, *extra: str) -> list[str | Path]:
    return [guide, "--version", "1.3.0", "--repo", repo.path, "--records", records, "--yes",
            "--allow-bump", "minor", "--reason", "test", *extra]  # fmt: skip


def test_an_example_value_and_a_past_release_block_until_given(
    origin_repo: Repo, tmp_path: Path
) -> None:
    tidy = origin_repo.path / "tidy.sh"
    tidy.write_text('#!/bin/bash\necho "$1" > tidy.out\n')
    tidy.chmod(0o755)
    origin_repo.commit("tidy", {"tidy.sh": tidy.read_text()})
    guide = write_runbook(tmp_path / "guide.md", GUIDE)

    blocked = relbook(*_args(guide, origin_repo, tmp_path / "rec"))
    assert blocked.returncode == 3, blocked.stderr
    assert f"{guide}:7: unfilled placeholder stable-9: give it with -p branch=VALUE" in (
        blocked.stderr
    )
    assert origin_repo.origin_git("branch", "--list").split() == ["*", "main"]
    assert "stable-9" not in origin_repo.git("branch", "--list")  # nothing ran
    assert not (origin_repo.path / "tidy.out").exists()

    given = relbook(*_args(guide, origin_repo, tmp_path / "rec2", "-p", "branch=maint-1.2",
                           "-p", "past_release=v1.1.0"))  # fmt: skip
    assert given.returncode == 0, given.stderr
    assert "maint-1.2" in origin_repo.origin_git("branch", "--list")
    assert "stable-9" not in origin_repo.origin_git("branch", "--list")
    assert (origin_repo.path / "tidy.out").read_text() == "v1.1.0\n"


def test_an_example_value_is_asked_on_a_terminal(origin_repo: Repo, tmp_path: Path) -> None:
    from tests.e2e.test_run_prompts import finish, terminal

    guide = write_runbook(tmp_path / "guide.md", GUIDE.split("## Tidy")[0])
    child = terminal(guide, ["--version", "1.3.0", "--repo", origin_repo.path, "--records",
                             tmp_path / "rec", "--yes", "--allow-bump", "minor", "--reason",
                             "test"], NO_COLOR="1")  # fmt: skip
    child.expect(r"guide\.md:7: stable-9 is a run parameter; value of branch")
    child.sendline("maint-1.2")
    assert finish(child) == 0
    assert "maint-1.2" in origin_repo.origin_git("branch", "--list")
    assert "stable-9" not in origin_repo.origin_git("branch", "--list")
