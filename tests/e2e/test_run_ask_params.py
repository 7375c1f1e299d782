"""A run parameter nothing gives is asked on a terminal (once, a secret without echo),
kept in the record like -p, and taken from the record when the run resumes; without
a terminal the command that needs it stays blocked."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Repo
from tests.e2e.runhelp import relbook, write_runbook
from tests.e2e.test_run_prompts import finish, terminal

GUIDE = """
    # Release

    ## Tag

    ```bash
    echo "<commit-sha>" > SHA
    echo "again <commit-sha>" >> SHA
    printf '%s' "$DEPLOY_TOKEN" > TOKEN_USED
    ```

    ## Announce

    - [ ] Announce the release

    ```bash
    echo "<commit-sha>" > SHA2
    ```
"""


def _setup(origin_repo: Repo, tmp_path: Path) -> tuple[Path, list]:
    rb = write_runbook(tmp_path / "guide.md", GUIDE)
    args = ["--version", "2.6.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    return rb, args


def _params(tmp_path: Path) -> dict[str, str]:
    journal = tmp_path / "rec" / "guide" / "2.6.0.journal.jsonl"
    begin = next(json.loads(line) for line in journal.read_text().splitlines())
    return begin["meta"]["params"]


def test_asked_once_on_a_terminal_a_secret_without_echo(origin_repo: Repo, tmp_path: Path) -> None:
    rb, args = _setup(origin_repo, tmp_path)
    child = terminal(rb, [*args, "--allow-dirty"], NO_COLOR="1")
    child.expect(r"guide\.md:6: <commit-sha> is a run parameter; value of commit_sha")
    child.sendline("1a2b3c")
    child.expect(r"guide\.md:8: \$DEPLOY_TOKEN is a run parameter; value of DEPLOY_TOKEN")
    child.sendline("tok-s3cr3t")
    child.expect(r"\(d\)one")  # the manual step after the shell step: quit there
    child.sendline("q")
    assert finish(child) == 3
    seen = child.logfile_read.getvalue()
    assert "tok-s3cr3t" not in seen  # not echoed, and masked in the output
    assert seen.count("value of commit_sha") == 1  # used twice, asked once
    assert (origin_repo.path / "SHA").read_text() == "1a2b3c\nagain 1a2b3c\n"
    assert (origin_repo.path / "TOKEN_USED").read_text() == "tok-s3cr3t"
    params = _params(tmp_path)
    assert params["commit_sha"] == "1a2b3c" and params["DEPLOY_TOKEN"] == "***"
    # the same command, without a terminal: the record gives commit_sha to the last step
    again = relbook(rb, *args, "--allow-dirty", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "value of" not in again.stdout
    assert (origin_repo.path / "SHA2").read_text() == "1a2b3c\n"


def test_without_a_terminal_the_command_stays_blocked(origin_repo: Repo, tmp_path: Path) -> None:
    rb, args = _setup(origin_repo, tmp_path)
    done = relbook(rb, *args, "--yes")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "guide.md:6: unfilled placeholder <commit-sha>: give it with -p commit_sha=VALUE" in (
        done.stdout + done.stderr
    )
    assert not (origin_repo.path / "SHA").exists()
