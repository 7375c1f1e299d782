"""Versions right: the bump a release commit carries, and the version checked against the
Conventional Commits since the previous tag, on real repositories with a bare origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from relbook.cli import main
from tests.conftest import Repo, make_repo
from tests.e2e.runhelp import notebook, run, write_runbook

RUNBOOK = """
    # Library release

    ## Prepare

    ```bash
    # Update version numbers
    git commit -q -am "Release $RELBOOK_TAG"
    git tag -a "$RELBOOK_TAG" -m "Release $RELBOOK_TAG"
    git push -q origin main "$RELBOOK_TAG"
    ```
"""

PYPROJECT = """\
# demo package
[tool.commitizen]
version = "0.9.0"  # commitizen's own

[project]
name = "demo"
version = "1.2.2"  # released by relbook
"""
PACKAGE = '{\n  "name": "demo",\n  "deps": {"x": {"version": "1.2.2"}},\n  "version": "1.2.2"\n}\n'
MODULE = '"""demo."""\n\n__version__ = "1.2.2"\n'
FRONT = """\
    ---
    version_files:
      - VERSION
      - pyproject.toml:project.version
      - package.json:version
      - src/demo/__init__.py:__version__
    ---
"""


@pytest.fixture
def lib(origin_repo: Repo) -> Repo:
    origin_repo.commit(
        "chore: package metadata",
        {"pyproject.toml": PYPROJECT, "package.json": PACKAGE, "src/demo/__init__.py": MODULE},
    )
    origin_repo.git("tag", "-f", "-a", "v1.2.2", "-m", "Release v1.2.2")
    origin_repo.git("push", "-q", "-f", "origin", "main", "--tags")
    return origin_repo


def test_release_commit_holds_exactly_the_version_changes(lib: Repo, tmp_path: Path) -> None:
    rb = write_runbook(tmp_path / "lib.md", FRONT + RUNBOOK)
    lib.commit("fix: handle empty input")
    args = ["--version", "1.2.3", "--repo", lib.path, "--records", tmp_path / "rec", "--yes"]
    assert run(rb, *args) == 0
    changed = lib.origin_git("diff", "--name-only", "v1.2.3~1", "v1.2.3").split()
    assert sorted(changed) == ["VERSION", "package.json", "pyproject.toml", "src/demo/__init__.py"]
    assert lib.origin_git("show", "v1.2.3:pyproject.toml") == PYPROJECT.replace(
        'version = "1.2.2"', 'version = "1.2.3"'
    ).rstrip("\n")
    assert lib.origin_git("show", "v1.2.3:package.json") == PACKAGE.replace(
        '"version": "1.2.2"\n', '"version": "1.2.3"\n'
    ).rstrip("\n")
    assert 'version = "0.9.0"' in lib.origin_git("show", "v1.2.3:pyproject.toml")
    assert lib.origin_git("show", "v1.2.3:src/demo/__init__.py").endswith('"1.2.3"')
    cell = notebook(tmp_path / "rec" / "lib" / "1.2.3.ipynb").cells[1]
    assert '#   +version = "1.2.3"  # released by relbook\n' in cell.source  # the diff, shown


def test_dry_run_shows_the_bump_diff(lib: Repo, tmp_path: Path, capsys) -> None:
    rb = write_runbook(tmp_path / "lib.md", FRONT + RUNBOOK)
    args = ["--version", "1.2.3", "--repo", lib.path, "--records", tmp_path / "rec", "--dry-run"]
    assert run(rb, *args) == 0
    out = capsys.readouterr().out
    assert '      -  "version": "1.2.2"\n      +  "version": "1.2.3"\n' in out
    assert "      +++ b/src/demo/__init__.py\n" in out
    assert lib.git("status", "--porcelain") == ""


def test_a_wrong_version_in_a_file_stops_before_any_step(lib: Repo, tmp_path: Path, capsys):
    lib.commit(
        "fix: x", {"package.json": PACKAGE.replace('"version": "1.2.2"', '"version": "1.0"')}
    )
    rb = write_runbook(tmp_path / "lib.md", FRONT + RUNBOOK)
    args = ["--version", "1.2.3", "--repo", lib.path, "--records", tmp_path / "rec", "--yes"]
    assert run(rb, *args) == 2
    assert "package.json:4: version is '1.0', not a version" in capsys.readouterr().err
    assert not list((tmp_path / "rec").rglob("*.jsonl"))  # nothing recorded


def _dir(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.fixture
def breaking(origin_repo: Repo) -> Repo:
    origin_repo.commit("fix: retry the upload")
    origin_repo.commit("feat(api)!: drop v1 endpoints\n\nBREAKING CHANGE: /v1 is gone.")
    return origin_repo


def test_a_breaking_change_refuses_a_patch(breaking: Repo, tmp_path: Path, capsys) -> None:
    rb = write_runbook(tmp_path / "lib.md", RUNBOOK)
    args = ["--version", "1.2.3", "--repo", breaking.path, "--records", tmp_path / "rec", "--yes"]
    assert run(rb, *args) == 2
    err = capsys.readouterr().err
    short = breaking.git("rev-parse", "--short", "HEAD")
    assert (
        "version 1.2.3 is a patch release, but 1 of 2 commits since v1.2.2 implies a major" in err
    )
    assert f"{short} feat(api)!: drop v1 endpoints" in err and "Release 2.0.0" in err
    assert not list(
        (tmp_path / "rec").rglob("*.jsonl")
    )  # nothing recorded and breaking.origin_git("tag") == "v1.2.2"


def test_allow_bump_with_a_reason_proceeds_and_is_recorded(breaking: Repo, tmp_path: Path):
    rb = write_runbook(tmp_path / "lib.md", RUNBOOK)
    base = ["--version", "1.2.3", "--repo", breaking.path, "--records", tmp_path / "rec", "--yes"]
    assert run(rb, *base, "--allow-bump", "patch") == 2  # a reason is required
    assert run(rb, *base, "--allow-bump", "minor", "--reason", "x") == 2  # 1.2.3 is a patch
    assert run(rb, *base, "--allow-bump", "patch", "--reason", "v1 was never public") == 0
    assert breaking.origin_git("tag", "--list", "v1.2.3") == "v1.2.3"
    nb = notebook(tmp_path / "rec" / "lib" / "1.2.3.ipynb")
    check = nb.metadata["relbook"]["version_check"]
    assert check["override"] == {"bump": "patch", "reason": "v1 was never public"}
    assert "| Version check override | patch allowed: v1 was never public" in nb.cells[0].source


def test_version_auto_picks_what_the_history_implies(breaking: Repo, tmp_path: Path, capsys):
    rb = write_runbook(tmp_path / "lib.md", RUNBOOK)
    assert main(["params", str(rb), "--repo", str(breaking.path)]) == 0
    assert "suggested next version: 2.0.0 (1 of 2 commits since v1.2.2 implies a major" in (
        capsys.readouterr().out
    )
    args = ["--version", "auto", "--repo", breaking.path, "--records", tmp_path / "rec", "--yes"]
    assert run(rb, *args) == 0
    assert "version: 2.0.0 (" in capsys.readouterr().err
    assert breaking.origin_git("tag", "--list", "v2.0.0") == "v2.0.0"
    assert (tmp_path / "rec" / "lib" / "2.0.0.ipynb").exists()


def test_larger_bumps_than_the_history_implies_are_warnings(tmp_path: Path, capsys) -> None:
    repo = make_repo(_dir(tmp_path / "fixes"))
    repo.commit("fix: one")
    rb = write_runbook(tmp_path / "lib.md", RUNBOOK)
    args = ["--repo", repo.path, "--records", tmp_path / "rec", "--dry-run"]
    assert run(rb, "--version", "1.3.0", *args) == 0
    assert "warning: version 1.3.0 is a minor release, larger than" in capsys.readouterr().out
    quiet = make_repo(_dir(tmp_path / "quiet"))
    args = ["--repo", quiet.path, "--records", tmp_path / "rec", "--dry-run"]
    assert run(rb, "--version", "2.0.0", *args) == 0
    assert "warning: version 2.0.0 is a major release, larger than" in capsys.readouterr().out


def test_zero_major_rules(tmp_path: Path, capsys) -> None:
    repo = make_repo(_dir(tmp_path / "zero"), tags=("v0.4.2",), version="0.4.2")
    repo.commit("feat!: new config format")
    rb = write_runbook(tmp_path / "lib.md", RUNBOOK)
    args = ["--repo", repo.path, "--records", tmp_path / "rec", "--yes"]
    assert run(rb, "--version", "0.4.3", *args) == 2
    assert "implies a minor bump (0.x rules)" in capsys.readouterr().err
    assert run(rb, "--version", "auto", *args) == 0
    assert repo.origin_git("tag", "--list", "v0.5.0") == "v0.5.0"


def test_a_notebook_relbook_rendered_into_the_repo_is_not_a_change(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    rb = write_runbook(tmp_path / "lib.md", RUNBOOK.replace("-am", "-m").replace(
        "git commit", "git add . && git commit"))  # fmt: skip
    notebook_path = origin_repo.path / "release.ipynb"
    assert main(["render", "notebook", str(rb), "-o", str(notebook_path)]) == 0
    foreign = origin_repo.path / "scratch.ipynb"
    foreign.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    args = ["--version", "1.2.3", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    assert run(rb, *args, "--yes") == 2  # a notebook relbook did not write is a change
    assert "uncommitted changes" in capsys.readouterr().err
    foreign.unlink()
    assert run(rb, *args, "--yes") == 0
    tree = origin_repo.origin_git("ls-tree", "-r", "--name-only", "v1.2.3").split()
    assert "release.ipynb" not in tree and "VERSION" in tree
    assert "/release.ipynb" in (origin_repo.path / ".git/info/exclude").read_text()


@pytest.mark.slow
def test_the_readme_papermill_route_word_for_word(origin_repo: Repo) -> None:
    """README: render the notebook inside the repository, then run it with papermill."""
    import datetime
    import os
    import re
    import subprocess
    import sys

    from relbook.params.blackout import BlackoutError, check_blackout
    from relbook.parse import read_runbook
    from tests.conftest import ROOT
    from tests.e2e.runhelp import GUIDE

    readme = (ROOT / "README.md").read_text()
    render = re.search(r"`(relbook render notebook RUNBOOK \[-o release.ipynb\])`", readme)
    route = re.search(r"^(papermill release\.ipynb out\.ipynb .*)$", readme, re.M)
    assert render and route, "the README's papermill route moved: update this test"
    try:
        check_blackout(read_runbook(GUIDE), datetime.date.today().isoformat(), None)
    except BlackoutError:
        pytest.skip("today is inside the shipped guide's blackout window")
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    origin_repo.commit("docs: the release guide", {"runbook.md": GUIDE.read_text()})
    words = render.group(1).replace("RUNBOOK", "runbook.md").replace("[", "").replace("]", "")
    for line in (words, route.group(1)):
        got = subprocess.run(
            line, shell=True, cwd=origin_repo.path, env=env, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        assert got.returncode == 0, got.stdout + got.stderr
    assert "Release v1.2.3" in origin_repo.origin_git("tag", "-n1", "v1.2.3")
    assert origin_repo.origin_git("show", "v1.2.3:VERSION") == "1.2.3"
    tree = origin_repo.origin_git("ls-tree", "-r", "--name-only", "v1.2.3").split()
    assert not [name for name in tree if name.endswith(".ipynb")]
