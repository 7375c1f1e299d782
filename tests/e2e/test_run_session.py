"""One terminal session across a guide's blocks: variables and the working
directory carry to later steps, through a crash and a resume."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.conftest import Repo
from tests.e2e.runhelp import (
    env,
    journal,
    relbook,
    resume_with_a_masked_secret,
    run,
    spawn,
    write_runbook,
)

SESSION_GUIDE = """
# Release

## Prepare

```bash
export VERSION=2.5.0
export RELEASE_BRANCH=release-$VERSION
NOTES="notes for $VERSION"
mkdir -p build && cd build
```

## Build

```bash
test "$(basename "$PWD")" = build
echo "$NOTES" > notes.txt
{crash}
```

## Publish

```bash
cd ..
git checkout -b "$RELEASE_BRANCH"
git push origin "$RELEASE_BRANCH"
```
"""
# kills relbook itself (the parent of the engine's shell), once
CRASH = 'if [ ! -e "$CRASH_MARK" ]; then touch "$CRASH_MARK"; kill -KILL "$PPID"; sleep 5; fi'


def _args(guide: Path, repo: Repo, records: Path) -> list[str | Path]:
    return [guide, "--version", "2.6.0", "--repo", repo.path, "--records", records, "--yes"]


def test_a_variable_exported_in_one_block_is_there_in_a_later_one(
    origin_repo: Repo, tmp_path: Path
) -> None:
    guide = write_runbook(tmp_path / "guide.md", SESSION_GUIDE.replace("{crash}", ""))
    records = tmp_path / "records"
    assert run(*_args(guide, origin_repo, records)) == 0
    assert origin_repo.origin_git("branch", "--list", "release-*") == "release-2.6.0"
    assert (origin_repo.path / "build" / "notes.txt").read_text() == "notes for 2.6.0\n"
    events = journal(records / "guide" / "2.6.0.journal.jsonl")
    first = next(e["outcome"] for e in events if e.get("event") == "outcome")
    carried = first["extra"]["session"]
    assert carried["set"]["RELEASE_BRANCH"] == 'declare -x RELEASE_BRANCH="release-2.6.0"'
    assert carried["cwd"] == str(origin_repo.path / "build")


def test_the_session_survives_a_kill_between_blocks_and_a_resume(
    origin_repo: Repo, tmp_path: Path
) -> None:
    guide = write_runbook(tmp_path / "guide.md", SESSION_GUIDE.replace("{crash}", CRASH))
    records = tmp_path / "records"
    mark = tmp_path / "crashed"
    first = spawn(*_args(guide, origin_repo, records), env=env(CRASH_MARK=str(mark)))
    first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL and mark.exists()
    assert origin_repo.origin_git("branch", "--list", "release-*") == ""
    second = relbook(*_args(guide, origin_repo, records), env=env(CRASH_MARK=str(mark)))
    assert second.returncode == 0, second.stdout + second.stderr
    assert "was interrupted" in second.stdout
    assert origin_repo.origin_git("branch", "--list", "release-*") == "release-2.6.0"
    assert (origin_repo.path / "build" / "notes.txt").read_text() == "notes for 2.6.0\n"


SECRET_GUIDE = """
# Release

## Log in

```bash
export DEPLOY_TOKEN="tok-$(cat "$SECRET_FILE")"
```

## Wait

```bash
{crash}
```

## Deploy

```bash
printf '%s' "$DEPLOY_TOKEN" > "$OUT"
echo "deploying with $DEPLOY_TOKEN"
```
"""


def test_a_secret_a_step_set_is_masked_in_the_record_and_asked_again_on_resume(
    origin_repo: Repo, tmp_path: Path
) -> None:
    guide = write_runbook(tmp_path / "guide.md", SECRET_GUIDE.replace("{crash}", CRASH))
    records = tmp_path / "records"
    mark, out = tmp_path / "crashed", tmp_path / "used-token"
    secret = tmp_path / "vault"
    secret.write_text("s3cr3t-value")
    base = env(CRASH_MARK=str(mark), OUT=str(out), SECRET_FILE=str(secret))
    first = spawn(*_args(guide, origin_repo, records), env=base)
    first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL
    jpath = records / "guide" / "2.6.0.journal.jsonl"
    assert "s3cr3t-value" not in jpath.read_text()
    assert "declare -x DEPLOY_TOKEN=***" in jpath.read_text()
    args = _args(guide, origin_repo, records)
    given = resume_with_a_masked_secret(
        args, base, "DEPLOY_TOKEN", "tok-s3cr3t-value", out, records
    )
    assert "deploying with ***" in given.stdout


def test_a_clean_step_starts_a_new_session_and_exit_status_is_kept(
    origin_repo: Repo, tmp_path: Path
) -> None:
    guide = write_runbook(
        tmp_path / "guide.md",
        """
        # Release

        ## One

        ```bash
        export STAGE=one
        cd /
        ```

        ## Two

        <!-- relbook: clean -->
        ```bash
        test -z "${STAGE:-}"
        test "$PWD" = "$REPO"
        ```

        ## Three

        ```bash
        false && true
        ```
        """,
    )
    records = tmp_path / "records"
    repo = str(origin_repo.path.resolve())
    done = relbook(*_args(guide, origin_repo, records), env=env(REPO=repo))
    assert done.returncode == 1, done.stdout + done.stderr  # `false && true` fails the step
    assert "guide.md:21: step 'three.1' failed (exit status 1)" in done.stderr
    outcomes = [e["outcome"] for e in journal(records / "guide" / "2.6.0.journal.jsonl")
                if e.get("event") == "outcome"]  # fmt: skip
    assert [o["status"] for o in outcomes] == ["done", "done", "failed"]


QUEUED_GUIDE = """
# Release

## One

```bash
export A=1
```

## Two

```bash
B="$A-two"
```

## Three

```bash
{crash}
C="$B-three"
```

## Four

```bash
echo "$A $B $C" > "$OUT"
```
"""


def test_steps_that_set_variables_queued_behind_one_another_survive_a_kill(
    origin_repo: Repo, tmp_path: Path
) -> None:
    guide = write_runbook(tmp_path / "guide.md", QUEUED_GUIDE.replace("{crash}", CRASH))
    records, out, mark = tmp_path / "records", tmp_path / "out", tmp_path / "crashed"
    first = spawn(*_args(guide, origin_repo, records), env=env(CRASH_MARK=str(mark), OUT=str(out)))
    first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL and mark.exists() and not out.exists()
    events = journal(records / "guide" / "2.6.0.journal.jsonl")
    assert any(e.get("event") == "queue" for e in events)  # handed over before they ran
    again = relbook(
        *_args(guide, origin_repo, records), env=env(CRASH_MARK=str(mark), OUT=str(out))
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert out.read_text() == "1 1-two 1-two-three\n"
