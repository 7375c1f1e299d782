"""What `relbook run` shows, records and runs, pinned where three changes touched it:
the terminal echo of ASCII output written as bytes, the git questions asked side by
side at the start of a run, and queued steps that start before the step before them
is journaled. Each case was checked against the tree before those changes; these
tests keep the behaviour both trees share."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git
from tests.e2e.runhelp import (
    command,
    env,
    journal,
    kill_marked,
    relbook,
    run,
    spawn,
    wait_for,
    write_runbook,
)

_TIMES = re.compile(r"\b\d+\.\d+s\b")


def _repo(path: Path) -> Path:
    """A repository with one (empty) commit on main."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "commit", "-q", "--allow-empty", "-m", "init")
    return path


def _args(guide: Path, repo: Path | str, records: Path, version: str = "1.2.3") -> list[Any]:
    return [guide, "--version", version, "--repo", repo, "--records", records]


def _begin_repo(records: Path, version: str = "1.2.3") -> dict[str, str]:
    """The `repo` facts of a record's `begin` event."""
    events = journal(records / "g" / f"{version}.journal.jsonl")
    return next(e["meta"]["repo"] for e in events if e.get("event") == "begin")


def _outcomes(records: Path) -> dict[str, str]:
    """step id -> the status its last journaled outcome says."""
    events = journal(records / "g" / "1.2.3.journal.jsonl")
    return {e["outcome"]["step_id"]: e["outcome"]["status"] for e in events if "outcome" in e}


# --- 1. the terminal echo of step output ----------------------------------------

ECHO_GUIDE = r"""
# Echo

## Shapes

```bash
printf 'a\n\n\nb\n\n'
```

```bash
printf 'no newline'
```

```bash
for i in 1 2 3; do printf 'a'; sleep 0.05; printf 'b\n'; done
```

```bash
printf 'abc\n'; printf 'caf\xc3\xa9 \xf0\x9f\x98\x80\n'
printf 'ab\xc3'; sleep 0.05; printf '\xa9cd\n'; printf 'plain\n'
```

```bash
printf 'a\0b\n'; printf 'one\rtwo\r\n'
```

```bash
echo one
printf 'two'
echo three
echo err >&2
true
```

## Secrets

```bash
export API_TOKEN=abc123
```

```bash
echo "a $API_TOKEN b"; printf 'x abc12'; sleep 0.05; printf '3 y\n'
echo "m=$MYSECRET."
```
"""

ECHO_SHOWN = """\
record: rec/g/1.2.3.ipynb
[1/8] Shapes > printf 'a\\n\\n\\nb\\n\\n'  (g.md:5)
  $ printf 'a\\n\\n\\nb\\n\\n'
    a


    b

  ... ok T
[2/8] Shapes > printf 'no newline'  (g.md:9)
  $ printf 'no newline'
    no newline
  ... ok T
[3/8] Shapes > for i in 1 2 3; do printf 'a'; sleep 0.05; printf 'b\\n'; done  (g.md:13)
  $ for i in 1 2 3; do printf 'a'; sleep 0.05; printf 'b\\n'; done
    ab
    ab
    ab
  ... ok T
[4/8] Shapes > printf 'abc\\n'; printf 'caf\\xc3\\xa9 \\xf0\\x9f\\x98\\x80\\n'  (g.md:17)
  $ printf 'abc\\n'; printf 'caf\\xc3\\xa9 \\xf0\\x9f\\x98\\x80\\n'
    abc
    café \U0001f600
  $ printf 'ab\\xc3'; sleep 0.05; printf '\\xa9cd\\n'; printf 'plain\\n'
    abécd
    plain
  ... ok T
[5/8] Shapes > printf 'a\\0b\\n'; printf 'one\\rtwo\\r\\n'  (g.md:22)
  $ printf 'a\\0b\\n'; printf 'one\\rtwo\\r\\n'
    a\x00b
    one\rtwo\r
  ... ok T
[6/8] Shapes > echo one  (g.md:26)
  $ echo one
    one
  $ printf 'two'
    twothree
  $ echo three
  $ echo err >&2
    err
  $ true
  ... ok T
[7/8] Secrets > export API_TOKEN=abc123  (g.md:36)
  $ export API_TOKEN=abc123
  ... ok T
[8/8] Secrets > echo "a $API_TOKEN b"; printf 'x abc12'; sleep 0.05; printf '3 y\\n'  (g.md:40)
  $ echo "a $API_TOKEN b"; printf 'x abc12'; sleep 0.05; printf '3 y\\n'
    a *** b
    x *** y
  $ echo "m=$MYSECRET."
    m=***.
  ... ok T
done in T: 8 done, 0 skipped, 0 failed, 0 pending
record: rec/g/1.2.3.ipynb
"""


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
def test_step_output_is_echoed_indented_with_secrets_masked(
    tmp_path: Path, unbuffered: str
) -> None:
    guide = write_runbook(tmp_path / "g.md", ECHO_GUIDE)
    _repo(tmp_path / "r")
    done = subprocess.run(  # bytes: a carriage return is shown as it came
        command(*_args(guide, "r", Path("rec")), "--yes", "--mask", "MYSECRET"),
        cwd=tmp_path,
        env=env(MYSECRET="hunter2hunter2", PYTHONUNBUFFERED=unbuffered),
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    shown = done.stdout.decode()
    assert _TIMES.sub("T", shown) == ECHO_SHOWN
    assert "hunter2" not in shown  # (the export of API_TOKEN is the guide's own text)


def test_five_megabytes_of_output_and_a_very_long_line_are_echoed_whole(tmp_path: Path) -> None:
    script = "import sys; sys.stdout.write(('y' * 99 + '\\n') * 50000 + 'x' * 200000)"
    guide = write_runbook(
        tmp_path / "g.md", f'# Big\n\n## S\n\n```bash\npython3 -c "{script}"\n```\n'
    )
    _repo(tmp_path / "r")
    done = relbook(*_args(guide, "r", Path("rec")), "--yes", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = done.stdout.split("\n")
    assert shown.count("    " + "y" * 99) == 50000
    assert "    " + "x" * 200000 in shown  # the unfinished last line, then relbook's own
    assert all(not line.startswith("y") for line in shown)


# --- 2. what the start of a run asks git ----------------------------------------

GUIDE = "# G\n\n## S\n\n```bash\necho hi\n```\n"
DIRTY = (
    "relbook: error: {repo} has uncommitted changes; the runbook may commit them "
    "(it runs `git add .`). Commit or stash them, or pass --allow-dirty\n"
)


@pytest.fixture
def fixed_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.setenv(name, "2026-01-01T00:00:00Z")


def _head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD")


def _shape(tmp_path: Path, shape: str) -> tuple[Path, dict[str, str]]:
    """A checkout of a given shape: (the --repo to give, the repo facts to record)."""
    r = _repo(tmp_path / "r")
    facts = {"branch": "main", "dirty": "no", "head": _head(r), "origin": "", "path": str(r)}
    if shape == "origin":
        git(tmp_path, "init", "-q", "--bare", "o.git")
        git(r, "remote", "add", "origin", str(tmp_path / "o.git"))
        git(r, "push", "-q", "origin", "main")
        facts["origin"] = str(tmp_path / "o.git")
    elif shape == "other-remote":
        git(r, "remote", "add", "upstream", "https://example.com/u.git")
    elif shape == "worktree":
        git(r, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wtb")
        return tmp_path / "wt", {**facts, "branch": "wtb", "path": str(tmp_path / "wt")}
    elif shape == "subdirectory":  # not the top of a checkout: no facts of git
        (r / "a" / "b").mkdir(parents=True)
        return r / "a" / "b", {"path": str(r / "a" / "b")}
    elif shape == "not-a-repo":
        (tmp_path / "plain").mkdir()
        return tmp_path / "plain", {"path": str(tmp_path / "plain")}
    elif shape == "no-commits":
        empty = tmp_path / "empty"
        empty.mkdir()
        git(empty, "init", "-q", "-b", "main")
        return empty, {**facts, "head": "", "path": str(empty)}
    elif shape == "detached":
        git(r, "checkout", "-q", "--detach")
        facts["branch"] = ""
    return r, facts


SHAPES = ["clean", "origin", "other-remote", "worktree", "subdirectory", "not-a-repo"]
SHAPES += ["no-commits", "detached"]


@pytest.mark.usefixtures("fixed_dates")
@pytest.mark.parametrize("shape", SHAPES)
def test_the_record_has_the_checkout_as_git_tells_it_asked_one_by_one(
    tmp_path: Path, shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run (which asks git side by side) records what a run asking git one question
    at a time does (prefetch turned off, in process)."""
    from relbook.params import gitfacts

    repo, facts = _shape(tmp_path, shape)
    guide = write_runbook(tmp_path / "g.md", GUIDE)
    done = relbook(*_args(guide, repo, tmp_path / "rec1"), "--yes")
    assert done.returncode == 0, done.stderr
    assert _begin_repo(tmp_path / "rec1") == facts

    monkeypatch.setattr(gitfacts, "prefetch", lambda *a, **k: None)
    assert run(*_args(guide, repo, tmp_path / "rec2"), "--yes") == 0
    assert _begin_repo(tmp_path / "rec2") == facts


@pytest.mark.parametrize("change", ["untracked", "modified", "staged"])
def test_a_dirty_checkout_is_refused_and_allow_dirty_records_it_dirty(
    tmp_path: Path, change: str
) -> None:
    r = _repo(tmp_path / "r")
    (r / "f").write_text("a\n")
    if change != "untracked":
        git(r, "add", "f")
    if change == "modified":
        git(r, "commit", "-q", "-m", "f")
        (r / "f").write_text("b\n")
    guide = write_runbook(tmp_path / "g.md", GUIDE)
    refused = relbook(*_args(guide, r, tmp_path / "rec"), "--yes")
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == DIRTY.format(repo=r)
    assert not (tmp_path / "rec" / "g" / "1.2.3.journal.jsonl").exists()

    allowed = relbook(*_args(guide, r, tmp_path / "rec"), "--yes", "--allow-dirty")
    assert allowed.returncode == 0, allowed.stderr
    assert _begin_repo(tmp_path / "rec")["dirty"] == "yes"


def test_a_worktree_with_an_untracked_file_is_refused(tmp_path: Path) -> None:
    r = _repo(tmp_path / "r")
    git(r, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wtb")
    (tmp_path / "wt" / "x").write_text("x\n")
    guide = write_runbook(tmp_path / "g.md", GUIDE)
    refused = relbook(*_args(guide, tmp_path / "wt", tmp_path / "rec"), "--yes")
    assert refused.returncode == 2
    assert refused.stderr == DIRTY.format(repo=tmp_path / "wt")


@pytest.mark.parametrize("where", ["r", "link"])
def test_records_inside_the_repository_leave_it_clean_for_the_next_run(
    tmp_path: Path, where: str
) -> None:
    r = _repo(tmp_path / "r")
    (tmp_path / "link").symlink_to(r)
    guide = write_runbook(tmp_path / "g.md", GUIDE)
    repo, records = Path(where), Path(where) / "rec"
    for version in ("1.2.3", "1.2.4"):
        done = relbook(*_args(guide, repo, records, version), "--yes", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert _begin_repo(r / "rec", version)["dirty"] == "no"
    assert "/rec/" in (r / ".git" / "info" / "exclude").read_text().split("\n")
    assert git(r, "status", "--porcelain") == ""


def test_a_relative_repo_is_the_repository_it_names(tmp_path: Path) -> None:
    r = _repo(tmp_path / "r")
    (tmp_path / "sub").mkdir()
    guide = write_runbook(tmp_path / "g.md", GUIDE)
    done = relbook(*_args(guide, "../r", tmp_path / "rec"), "--yes", cwd=tmp_path / "sub")
    assert done.returncode == 0, done.stderr
    assert _begin_repo(tmp_path / "rec") == {
        "branch": "main",
        "dirty": "no",
        "head": _head(r),
        "origin": "",
        "path": str(r),
    }


def test_a_missing_repo_directory_is_refused_before_anything_is_recorded(
    tmp_path: Path,
) -> None:
    guide = write_runbook(tmp_path / "g.md", GUIDE)
    for extra in ("--yes", "--dry-run"):
        done = relbook(*_args(guide, tmp_path / "nope", tmp_path / "rec"), extra)
        assert done.returncode == 2
        assert done.stderr == f"relbook: error: --repo {tmp_path / 'nope'}: no such directory\n"
    assert not (tmp_path / "rec").exists()


@pytest.mark.parametrize("state", ["tagged", "dirty", "not-a-repo"])
def test_a_dry_run_plan_is_the_one_asked_one_by_one(
    tmp_path: Path, state: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from relbook.params import gitfacts

    repo = tmp_path / "r"
    if state in ("tagged", "dirty"):
        _repo(repo)
        git(repo, "tag", "v1.2.2")
        if state == "dirty":
            (repo / "new.txt").write_text("x\n")
    elif state == "not-a-repo":
        repo.mkdir()
    guide = write_runbook(tmp_path / "g.md", GUIDE)
    argv = [*_args(guide, repo, tmp_path / "rec"), "--dry-run", "--json"]
    done = relbook(*argv)
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["env"].get("RELBOOK_PREVIOUS_TAG") == "v1.2.2"

    monkeypatch.setattr(gitfacts, "prefetch", lambda *a, **k: None)
    capsys.readouterr()
    assert run(*argv) == 0
    assert capsys.readouterr().out == done.stdout


# --- 3. queued steps ---------------------------------------------------------------


def _blocks_guide(path: Path, count: int, special: dict[int, str] | None = None) -> Path:
    """A guide of `count` trivial blocks, block i appending `bi` to ../effects."""
    text = "# G\n\n"
    for i in range(1, count + 1):
        extra = (special or {}).get(i, "")
        text += f"## S{i}\n\n```bash\necho b{i} >> ../effects\n{extra}```\n\n"
    return write_runbook(path, text)


def _effects(tmp_path: Path) -> Counter[str]:
    path = tmp_path / "effects"
    return Counter(path.read_text().split()) if path.exists() else Counter()


@pytest.mark.parametrize("failing", [1, 4, 11])
def test_a_failing_block_stops_every_block_after_it(tmp_path: Path, failing: int) -> None:
    guide = _blocks_guide(tmp_path / "g.md", 12, {failing: "false\n"})
    _repo(tmp_path / "r")
    done = relbook(*_args(guide, "r", Path("rec")), "--yes", cwd=tmp_path)
    assert done.returncode == 1
    assert _effects(tmp_path) == Counter(f"b{i}" for i in range(1, failing + 1))
    assert _outcomes(tmp_path / "rec") == {
        **{f"s{i}.1": "done" for i in range(1, failing)},
        f"s{failing}.1": "failed",
    }
    assert f"[{failing + 1}/12]" not in done.stdout
    assert f"{failing - 1} done, 0 skipped, 1 failed, {12 - failing} pending" in done.stderr


MARK = "RELBOOK_DIFF_CHECK_MARK"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_a_block_and_a_resume_run_each_block_once(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """The block that was stopped runs again (its effect before the stop twice); no
    block journaled done runs again, every block runs."""
    hold = "if [ ! -e ../held ]; then touch ../held; sleep 30; fi\n"
    guide = _blocks_guide(tmp_path / "g.md", 20, {8: hold})
    _repo(tmp_path / "r")
    args = [*_args(guide, "r", Path("rec")), "--yes"]
    proc = spawn(*args, cwd=tmp_path, env=env(**{MARK: "1"}))
    try:
        wait_for(lambda: (tmp_path / "held").exists(), what="block 8 to run")
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        kill_marked(MARK)
    assert proc.returncode == 128 + sig
    assert "Run the same command to resume." in err
    assert _effects(tmp_path) == Counter(f"b{i}" for i in range(1, 9))
    first = _outcomes(tmp_path / "rec")
    assert first == {**{f"s{i}.1": "done" for i in range(1, 8)}, "s8.1": "interrupted"}

    again = relbook(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert _effects(tmp_path) == Counter({**{f"b{i}": 1 for i in range(1, 21)}, "b8": 2})
    assert set(_outcomes(tmp_path / "rec").values()) == {"done"}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_among_trivial_blocks_and_a_resume_repeat_no_journaled_block(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """Wherever among queued trivial blocks the signal lands: a block journaled done is
    not run again, a block journaled done had its effect, and after the resume every
    block has run."""
    count = 40
    wait = "while [ ! -e ../go ]; do sleep 0.01; done\n"  # the run cannot end first
    guide = _blocks_guide(tmp_path / "g.md", count, {count: wait})
    _repo(tmp_path / "r")
    args = [*_args(guide, "r", Path("rec")), "--yes"]
    proc = spawn(*args, cwd=tmp_path)
    try:
        wait_for(lambda: sum(_effects(tmp_path).values()) >= 5, what="five blocks")
        proc.send_signal(sig)
    finally:
        (tmp_path / "go").touch()
    proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig
    ran = _effects(tmp_path)
    done = {s for s, status in _outcomes(tmp_path / "rec").items() if status == "done"}
    assert all(ran[f"b{s[1:-2]}"] == 1 for s in done)

    again = relbook(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    after = _effects(tmp_path)
    assert set(after) == {f"b{i}" for i in range(1, count + 1)}
    assert all(after[f"b{s[1:-2]}"] == 1 for s in done)
    assert all(n <= 2 for n in after.values())
