"""Unfilled placeholders never run: real git, real bash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relbook.cli import main
from tests.conftest import Repo
from tests.e2e.runhelp import run, write_runbook

GUIDE = """\
# Release

## Release notes

```bash
GITHUB_TOKEN=<token> ./release-notes.sh 1.2.3
```
"""

SCRIPT = '#!/bin/bash\nprintf "%s %s\\n" "$GITHUB_TOKEN" "$1" > notes.out\n'


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


@pytest.fixture
def notes_repo(origin_repo: Repo) -> Repo:
    (origin_repo.path / "release-notes.sh").write_text(SCRIPT)
    (origin_repo.path / "release-notes.sh").chmod(0o755)
    origin_repo.commit("tools", {"token": "keep me\n"})
    return origin_repo


def test_token_placeholder_beside_a_file_named_token_touches_nothing(
    notes_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guide = write_runbook(tmp_path / "guide.md", GUIDE)
    before = _files(notes_repo.path)
    code = run(guide, "--version", "1.2.3", "--repo", notes_repo.path,
               "--records", tmp_path / "rec", "--yes")  # fmt: skip
    assert code == 3
    err = capsys.readouterr().err
    assert f"{guide}:6: unfilled placeholder <token>: give it with -p token=VALUE" in err
    assert _files(notes_repo.path) == before  # the script is not truncated, nothing written
    journal = (tmp_path / "rec" / "guide" / "1.2.3.journal.jsonl").read_text()
    assert '"blocked"' in journal


def test_a_given_value_fills_the_placeholder_as_a_variable(
    notes_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guide = write_runbook(tmp_path / "guide.md", GUIDE)
    code = run(guide, "--version", "1.2.3", "--repo", notes_repo.path, "--records",
               tmp_path / "rec", "--yes", "-p", "token=$(touch pwned) s3cr3t")  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert (notes_repo.path / "notes.out").read_text() == "$(touch pwned) s3cr3t 1.2.3\n"
    assert not (notes_repo.path / "pwned").exists()
    assert (notes_repo.path / "token").read_text() == "keep me\n"
    assert "s3cr3t" not in capsys.readouterr().out  # a token's value is masked


@pytest.mark.parametrize(
    ("written", "name"),
    [("SET_ME", "set_me"), ("YOUR_API_TOKEN", "your_api_token"), ("xxxxxxxx", "secret")],
)
def test_a_fill_in_marker_runs_with_the_value_given_for_it(
    notes_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, name: str
) -> None:
    # the message says `give it with -p NAME=VALUE`: given so, the command runs with it
    guide = write_runbook(tmp_path / "guide.md", GUIDE.replace("<token>", written))
    args = [guide, "--version", "1.2.3", "--repo", notes_repo.path, "--records", tmp_path / "r"]
    assert run(*args, "--yes") == 3
    assert (
        f"unfilled placeholder {written}: give it with -p {name}=VALUE" in capsys.readouterr().err
    )
    assert run(*args, "--yes", "-p", f"{name}=$(touch pwned) k3y") == 0
    assert (notes_repo.path / "notes.out").read_text() == "$(touch pwned) k3y 1.2.3\n"
    assert not (notes_repo.path / "pwned").exists()


@pytest.mark.parametrize("version", ["1.3.0", "2.0.0"])
def test_a_version_template_in_the_guide_s_own_series_runs_with_the_version_asked(
    notes_repo: Repo, tmp_path: Path, version: str
) -> None:
    text = "```bash\nGITHUB_TOKEN=<token> ./release-notes.sh 1.Y_SET_ME.Z_SET_ME\n```\n"
    guide = write_runbook(tmp_path / "guide.md", "# Release\n\n" + text)
    code = run(guide, "--version", version, "--repo", notes_repo.path,
               "--records", tmp_path / "rec", "--yes", "-p", "token=t")  # fmt: skip
    assert code == 0
    assert (notes_repo.path / "notes.out").read_text() == f"t {version}\n"  # never 1.0.0


def test_dry_run_json_plan(notes_repo: Repo, tmp_path: Path, capsys) -> None:
    guide = write_runbook(
        tmp_path / "guide.md", GUIDE + "\n## Rollback\n\n```bash\ngit tag -d v1.2.3\n```\n"
    )
    code = main(["run", str(guide), "--version", "1.2.3", "--repo", str(notes_repo.path),
                 "--dry-run", "--json"])  # fmt: skip
    assert code == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["schema"] == "relbook.plan/1"
    assert plan["env"]["RELBOOK_VERSION"] == "1.2.3"
    notes, rollback = plan["steps"]
    assert (notes["status"], notes["line"], notes["contingency"]) == ("blocked", 5, False)
    assert notes["commands"][0]["status"] == "blocked"
    assert "<token>" in notes["commands"][0]["reason"]
    assert (rollback["status"], rollback["contingency"]) == ("skipped", True)
    assert rollback["commands"][0]["risk"] == "destructive"
    main(["run", str(guide), "--version", "1.2.3", "--repo", str(notes_repo.path),
          "--dry-run", "--json", "-p", "token=abc"])  # fmt: skip
    plan = json.loads(capsys.readouterr().out)
    assert plan["steps"][0]["status"] == "planned"
    assert plan["env"]["RELBOOK_TOKEN"] == "***"
    assert plan["steps"][0]["commands"][0]["text"] == "GITHUB_TOKEN=*** ./release-notes.sh 1.2.3"


NEXT_GUIDE = """\
# Release

The script takes two arguments: `0.31.0` - the version being released, and
`0.32.0` - the next version (it opens `0.32.0-alpha`).

```bash
./create.sh 0.31.0 0.32.0
```

```bash
LAST_VERSION_TAG=v0.30.0 ./contributors.sh
```
"""


def test_the_examples_own_and_next_versions_follow_the_release(
    origin_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, body in (("create.sh", 'echo "$@" > create.out'),
                       ("contributors.sh", 'echo "$LAST_VERSION_TAG" > since.out')):  # fmt: skip
        (origin_repo.path / name).write_text(f"#!/bin/bash\n{body}\n")
        (origin_repo.path / name).chmod(0o755)
    origin_repo.commit("tools", {".gitignore": "*.out\n"})
    guide = write_runbook(tmp_path / "guide.md", NEXT_GUIDE)
    code = run(guide, "--version", "1.3.0", "--repo", origin_repo.path,
               "--records", tmp_path / "rec", "--yes")  # fmt: skip
    assert code == 0, capsys.readouterr().err
    # the release, its next minor, and the previous tag: not the guide's 0.31.0 / 0.32.0 / v0.30.0
    assert (origin_repo.path / "create.out").read_text() == "1.3.0 1.4.0\n"
    assert (origin_repo.path / "since.out").read_text() == "v1.2.2\n"


RC_GUIDE = """\
# Release

## First tag

```bash
git tag vX.Y.0rc0 && git push -q origin vX.Y.0rc0
```

## Later tags

```bash
git tag vX.Y.0rcN && git push -q origin vX.Y.0rcN
```
"""


def test_a_version_template_with_a_pre_release_written_as_python_does_is_filled_or_blocked(
    origin_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `vX.Y.0rc0` is the series' first candidate; `vX.Y.0rcN` names a number the guide
    # leaves to the operator: it is never tagged and pushed as the letters it is written in
    guide = write_runbook(tmp_path / "guide.md", RC_GUIDE)
    code = run(guide, "--version", "1.3.0", "--repo", origin_repo.path,
               "--records", tmp_path / "rec", "--yes")  # fmt: skip
    assert code == 3
    err = capsys.readouterr().err
    assert f"{guide}:12: unfilled placeholder vX.Y.0rcN" in err
    tags = origin_repo.origin_git("tag", "--list").split()
    assert "v1.3.0rc0" in tags
    assert not [t for t in tags if "X" in t or "rcN" in t]
