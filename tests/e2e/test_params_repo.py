"""Tags in real repositories with a bare origin: previous version, refusals, `relbook params`."""

from __future__ import annotations

from pathlib import Path

import pytest

from relbook.cli import main
from relbook.errors import ParamError
from relbook.params import bind
from tests.conftest import RUNBOOKS, make_repo

RELEASE = str(RUNBOOKS / "release-management.md")


def test_previous_from_repo_tags(tmp_path: Path):
    repo = make_repo(tmp_path, tags=("v1.9.0", "v1.9.1"))
    p = bind("2.0.0", "Big one", repo=str(repo.path), date="2026-03-31")
    assert p.values == {
        "version": "2.0.0",
        "description": "Big one",
        "tag": "v2.0.0",
        "previous_version": "1.9.1",
        "previous_tag": "v1.9.1",
        "next_patch": "2.0.1",
        "release_type": "operational",
        "bump": "major",
        "date": "2026-03-31",
    }
    assert p.env()["RELBOOK_PREVIOUS_VERSION"] == "1.9.1"


def test_hotfix_comes_after_its_release(tmp_path: Path):
    repo = make_repo(tmp_path, tags=("v1.2.3",))
    p = bind("1.2.3-hotfix.1", repo=str(repo.path))
    assert p["previous_version"] == "1.2.3" and p["release_type"] == "hotfix"
    assert p["tag"] == "v1.2.3-hotfix.1"


def test_prerelease_comes_before_its_release(tmp_path: Path):
    repo = make_repo(tmp_path, tags=("v1.2.3",))
    with pytest.raises(ParamError, match=r"not greater than the latest release v1\.2\.3"):
        bind("1.2.3-rc.1", repo=str(repo.path))
    p = bind("1.3.0-rc.1", repo=str(repo.path))
    assert p["previous_version"] == "1.2.3" and p["release_type"] == "prerelease"


def test_previous_skips_prereleases_but_they_still_order(tmp_path: Path):
    repo = make_repo(tmp_path, tags=("v1.9.1", "v2.0.0-rc.2"))
    assert bind("2.0.0", repo=str(repo.path))["previous_version"] == "1.9.1"
    with pytest.raises(ParamError, match=r"not greater than the latest release v2\.0\.0-rc\.2"):
        bind("2.0.0-rc.1", repo=str(repo.path))


def test_numeric_not_lexical_compare(tmp_path: Path):
    repo = make_repo(tmp_path, tags=("v1.9.5",))
    assert bind("1.10.0", repo=str(repo.path))["previous_version"] == "1.9.5"
    (tmp_path / "two").mkdir()
    repo2 = make_repo(tmp_path / "two", tags=("v1.10.0",))
    with pytest.raises(ParamError, match=r"not greater than the latest release v1\.10\.0"):
        bind("1.9.6", repo=str(repo2.path))


def test_existing_local_tag_is_refused(tmp_path: Path):
    repo = make_repo(tmp_path, tags=("v1.2.2",))
    repo.git("tag", "v1.2.3")
    with pytest.raises(ParamError, match=r"tag v1\.2\.3 already exists"):
        bind("v1.2.3", repo=str(repo.path))


def test_tag_only_on_origin_is_refused(tmp_path: Path):
    repo = make_repo(tmp_path, tags=("v1.2.2", "v1.2.3"))
    repo.git("tag", "-d", "v1.2.3")
    assert "v1.2.3" not in repo.git("tag").split()
    with pytest.raises(ParamError, match=r"tag v1\.2\.3 already exists on origin"):
        bind("1.2.3", repo=str(repo.path))


def test_non_semver_tags_are_ignored(tmp_path: Path):
    tags = ("v1.2.2", "release-2024", "v2", "vnext", "v1.2.3.4", "v01.2.3", "vv9.9.9", "9.9.9")
    repo = make_repo(tmp_path, tags=tags)
    p = bind("1.2.3", repo=str(repo.path))
    assert p["previous_version"] == "1.2.2"


def test_bad_repo_and_bad_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["params", RELEASE, "--version", "1.2.3", "--repo", str(tmp_path)]) == 2
    assert "not a git repository" in capsys.readouterr().err
    assert main(["params", RELEASE, "--version", "1.2.3", "--date", "31/03/2026"]) == 2
    err = capsys.readouterr().err
    assert "'31/03/2026'" in err and "YYYY-MM-DD" in err


def test_cli_params_with_repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    repo = make_repo(tmp_path, tags=("v1.9.0", "v1.9.1"))
    assert main(["params", RELEASE, "--version", "2.0.0", "--repo", str(repo.path)]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines() if line[:1].isalpha()}
    assert rows["version"] == "2.0.0"
    assert rows["previous_version"] == "1.9.1"
    assert rows["next_patch"] == "2.0.1"
    assert f"{RELEASE}:46: git checkout -b release/v2.0.0" in out
    assert f"{RELEASE}:96: git checkout v1.9.1" in out
    assert f"{RELEASE}:100: git tag -a v2.0.1" in out
    assert f"used at {RELEASE}:46, 51, 52, 72, 76, 77, 80, 81, 97, 99 (1.2.3)" in out
