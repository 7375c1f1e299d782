"""Versions, the ordering rule, tags in a real repository with a bare origin, `relbook params`."""

from __future__ import annotations

import json

import pytest

from relbook.cli import main
from relbook.errors import ParamError
from relbook.params import bind, parse_version
from relbook.params.prefix import repo_prefix
from tests.conftest import RUNBOOKS, make_repo

RELEASE = str(RUNBOOKS / "release-management.md")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2.3", "1.2.3"),
        ("v1.2.3", "1.2.3"),
        ("V1.2.3", "1.2.3"),
        (" 2.0.0 ", "2.0.0"),
        ("1.2.3-rc.1", "1.2.3-rc.1"),
        ("1.2.3-hotfix.2", "1.2.3-hotfix.2"),
        ("1.10.0+build.7", "1.10.0+build.7"),
    ],
)
def test_valid_versions(text: str, expected: str):
    assert str(parse_version(text)) == expected


BAD = ["1.2", "01.2.3", "1.2.3.4", "v", "", "   ", "1.2.x", "1.2.3-", "1.2.3; touch x", "vv1.2.3"]


@pytest.mark.parametrize("text", BAD)
def test_bad_versions_name_the_value_and_show_an_example(text: str):
    with pytest.raises(ParamError) as e:
        parse_version(text)
    msg = str(e.value)
    assert "1.2.3" in msg and "\n" not in msg
    assert repr(text) in msg if text.strip() else "empty" in msg


@pytest.mark.parametrize("text", BAD)
def test_cli_bad_version_is_one_line_exit_2(text: str, capsys: pytest.CaptureFixture[str]):
    assert main(["params", RELEASE, "--version", text]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("relbook: error: ")
    assert "1.2.3" in captured.err and "Traceback" not in captured.err


def test_ordering_rule():
    ordered = [
        "1.2.3-alpha.1",
        "1.2.3-alpha.2",
        "1.2.3-beta.1",
        "1.2.3-rc.1",
        "1.2.3-rc.10",
        "1.2.3",
        "1.2.3-hotfix.1",
        "1.2.3-hotfix.2",
        "1.2.3-hotfix.10",
        "1.2.4-alpha.1",
        "1.2.4",
        "1.9.5",
        "1.10.0",
        "2.0.0",
    ]
    shuffled = ordered[::2] + ordered[1::2]
    assert sorted(shuffled, key=lambda t: parse_version(t).key()) == ordered


def test_release_types():
    assert parse_version("1.2.3").release_type == "operational"
    assert parse_version("1.2.3-hotfix.1").release_type == "hotfix"
    for pre in ("1.2.3-alpha.1", "1.2.3-beta.2", "1.2.3-rc.1"):
        assert parse_version(pre).release_type == "prerelease"


def test_no_repo_guesses_previous_as_patch_minus_one():
    assert bind("1.2.3")["previous_version"] == "1.2.2"
    assert bind("2.0.0")["previous_version"] is None
    assert bind("1.2.3-rc.1")["previous_version"] is None


def test_cli_params_without_version_shows_the_guide_examples(capsys: pytest.CaptureFixture[str]):
    assert main(["params", RELEASE]) == 0
    out = capsys.readouterr().out
    assert "example version in the guide: 1.2.3" in out
    assert "commands with these values" not in out
    assert f"{RELEASE}:76 ([Brief description])" in out


def test_front_matter_params(tmp_path, capsys):  # noqa: ANN001
    guide = tmp_path / "g.md"
    guide.write_text("---\nparams:\n  region: eu-west-1\n  replicas: 3\n---\n# G\n")
    assert main(["params", str(guide), "--version", "1.2.3"]) == 0
    out = capsys.readouterr().out
    assert "region            eu-west-1" in out and "replicas          3" in out
    guide.write_text("---\nparams: [region]\n---\n# G\n")
    assert main(["params", str(guide), "--version", "1.2.3"]) == 2
    assert "front matter params must be a mapping" in capsys.readouterr().err


def test_a_calendar_version_keeps_its_zero_padded_month():
    v = parse_version("2026.08.0")
    assert str(v) == "2026.08.0" and (v.major, v.minor, v.patch) == (2026, 8, 0)
    assert parse_version("v2026.08.0").key() < parse_version("2026.10.0").key()
    assert str(parse_version("2026.08.1-rc.1")) == "2026.08.1-rc.1"


def test_a_calendar_guide_plans_its_own_versions(tmp_path, capsys):  # noqa: ANN001
    repo = make_repo(tmp_path, tags=("v2026.07.0",), version="2026.07.0")
    guide = (
        "# Release\n\n## Tag\n\n```bash\ngit tag -a vYYYY.MM.X -m 'Release vYYYY.MM.X'\n```\n\n"
        "## Next\n\n```bash\ngit checkout -b whatsnew-YYYY.MM.X+1\n```\n"
    )
    plan = _plan(
        tmp_path, capsys, repo, guide, "2026.08.0", "--allow-bump", "minor", "--reason", "t"
    )
    text = _texts(plan)
    assert text[6] == "git tag -a v2026.08.0 -m 'Release v2026.08.0'"
    assert text[12] == "git checkout -b whatsnew-2026.08.1"  # X+1: the next release, not 08.0+1


def test_a_channel_version_tags_with_its_channel(tmp_path, capsys):  # noqa: ANN001
    v = parse_version("edge-26.8.4")
    assert str(v) == "26.8.4" and v.channel == "edge-"
    repo = make_repo(tmp_path, tags=("edge-26.8.3",), version="26.8.3")
    guide = '# Release\n\n## Tag\n\n```bash\nTAG="edge-YY.M.N"\ngit tag "$TAG"\n```\n'
    plan = _plan(tmp_path, capsys, repo, guide, "edge-26.8.4")
    text = _texts(plan)
    assert text[6] == 'TAG="edge-26.8.4"'
    assert plan["env"]["RELBOOK_TAG"] == "edge-26.8.4"
    assert plan["env"]["RELBOOK_PREVIOUS_TAG"] == "edge-26.8.3"


@pytest.mark.parametrize(
    ("tags", "prefix"),
    [
        (("pyiceberg-0.10.0", "pyiceberg-0.11.1"), "pyiceberg-"),
        (("12.2.0", "12.3.0"), ""),
        (("0.9.0", "v1.0.0"), None),  # a `v` tag among them: the default
        (("api-1.0.0", "cli-1.1.0"), None),  # two components' tags: nothing to say
        (("nightly", "latest"), None),
    ],
)
def test_the_prefix_a_repositorys_release_tags_carry(tags, prefix):  # noqa: ANN001
    assert repo_prefix(tags) == prefix


def test_a_repository_without_v_tags_gives_the_tag_prefix(tmp_path, capsys):  # noqa: ANN001
    repo = make_repo(tmp_path, tags=("pyiceberg-0.10.0", "pyiceberg-0.11.1"), version="0.11.1")
    guide = (
        "# Release\n\n## Old\n\n```bash\n"
        "svn delete https://dist.example.org/pyiceberg-<OLD_RELEASE_VERSION>\n```\n"
    )
    plan = _plan(tmp_path, capsys, repo, guide, "0.12.0", "--allow-bump", "minor", "--reason", "t")
    assert (plan["env"]["RELBOOK_TAG"], plan["env"]["RELBOOK_PREVIOUS_TAG"]) == (
        "pyiceberg-0.12.0",
        "pyiceberg-0.11.1",
    )
    (command,) = [c for s in plan["steps"] for c in s["commands"]]
    assert (command["status"], command["text"]) == (
        "planned",
        "svn delete https://dist.example.org/pyiceberg-0.11.1",
    )
    args = ["run", str(tmp_path / "g.md"), "--version", "0.11.1", "--repo", str(repo.path)]
    assert main([*args, "--dry-run"]) == 2
    assert "tag pyiceberg-0.11.1 already exists" in capsys.readouterr().err


def _plan(tmp_path, capsys, repo, guide: str, version: str, *extra: str) -> dict:  # noqa: ANN001
    """`relbook run --dry-run --json` of `guide` (written to g.md) against `repo`."""
    path = tmp_path / "g.md"
    path.write_text(guide)
    args = ["run", str(path), "--version", version, "--repo", str(repo.path), "--dry-run"]
    assert main([*args, "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def _texts(plan: dict) -> dict[int, str]:
    return {c["line"]: c["text"] for s in plan["steps"] for c in s["commands"]}
