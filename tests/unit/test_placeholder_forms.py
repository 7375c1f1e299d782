"""More placeholder notations: a path to give, a -SNAPSHOT version, a series wildcard,
and a version a git command makes a ref of that is not the guide's example."""

from __future__ import annotations

import json
from pathlib import Path

from relbook.cli import main
from relbook.params import explicit_form, unfilled
from tests.conftest import Repo


def left(text: str, example: str = "1.2.3") -> list[tuple[str, str]]:
    return [(t.text, t.name) for t in unfilled(text, example, frozenset({"version"}))]


def test_a_path_to_give_and_a_snapshot_version_are_operator_inputs() -> None:
    assert left("./tools/generate-sbom.sh /path/to/cortex") == [
        ("/path/to/cortex", "path_to_cortex")
    ]
    assert left("export NEXT_VERSION=X.Y.Z-SNAPSHOT") == [("X.Y.Z-SNAPSHOT", "NEXT_VERSION")]
    assert left("export RELEASE_VERSION=X.Y.Z") == []


def test_a_series_wildcard_is_the_series_being_released() -> None:
    assert explicit_form("git checkout -t remotes/origin/5.2.x", "5.2.1") == (
        "git checkout -t remotes/origin/{{ major }}.{{ minor }}.x"
    )
    assert explicit_form("git push origin pyiceberg-0.8.x", "0.7.0") == (
        "git push origin pyiceberg-{{ major }}.{{ minor }}.x"
    )


def test_a_git_ref_at_a_version_that_is_not_the_example_is_given_by_the_operator() -> None:
    assert left("git tag 2.5.3", example="5.2.1") == [("2.5.3", "other_version")]
    assert left("git reset --hard v1.64.0") == [("v1.64.0", "other_version")]
    assert left('git tag -a v1.2.3 -m "Release v1.2.3"') == []  # the example: filled in
    assert left("go install tool@v1.9.0 && git status") == []
    assert left("docker buildx build -t demo/demo:1.54.1 --push .") == [("1.54.1", "other_version")]
    assert left("docker build -t demo/demo:1.2.3 .") == []


def test_the_dry_run_blocks_them_with_file_and_line(origin_repo: Repo, tmp_path: Path, capsys):
    guide = tmp_path / "g.md"
    guide.write_text(
        "# Release\n\n## Tag\n\n```bash\ngit tag -a v1.2.3 -m 'Release'\n```\n\n"
        "## Old series\n\n```bash\ngit tag 0.9.4\n```\n"
    )
    args = ["run", str(guide), "--version", "1.2.3", "--repo", str(origin_repo.path)]
    assert main([*args, "--dry-run", "--json", "--allow-bump", "patch", "--reason", "t"]) == 0
    plan = json.loads(capsys.readouterr().out)
    by_line = {c["line"]: c for s in plan["steps"] for c in s["commands"]}
    assert by_line[6]["status"] == "planned" and by_line[6]["text"].startswith("git tag -a v1.2.3")
    assert by_line[12]["status"] == "blocked"
    assert by_line[12]["reason"].startswith(f"{guide}:12: unfilled placeholder")
    assert "0.9.4" in by_line[12]["reason"] and "-p other_version=VALUE" in by_line[12]["reason"]


def test_a_quoted_or_listed_version_assigned_to_the_version_is_this_release(
    origin_repo: Repo, tmp_path: Path, capsys
):
    guide = tmp_path / "g.md"
    guide.write_text(
        "# Release\n\n## Announce\n\n```\n"
        'VERSION="4.0.1.rc1" rake announce\n'
        'VERSIONS="4.0.1.rc1,4.1.2.rc1" rake announce\n'
        "```\n"
    )
    args = ["run", str(guide), "--version", "1.2.3", "--repo", str(origin_repo.path)]
    assert main([*args, "--dry-run", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    text = {c["line"]: c["text"] for s in plan["steps"] for c in s["commands"]}
    assert text[6] == 'VERSION="1.2.3" rake announce'
    assert text[7] == 'VERSIONS="1.2.3" rake announce'  # one release: the list is its version


def test_the_next_version_beside_the_version_is_the_operators() -> None:
    from relbook.params.tokens import find_tokens

    both = {t.text: (t.means, t.name) for t in find_tokens("./create.sh <version> <next-version>")}
    assert both == {
        "<version>": ("version", "version"),
        "<next-version>": ("input", "next_version"),
    }
    # alone, "the next version" is the one being released
    (alone,) = find_tokens("git tag v<next-version>")
    assert (alone.means, alone.name) == ("version", "version")


def test_a_bare_name_in_capitals_a_git_command_makes_a_ref_of_is_a_placeholder() -> None:
    """`git tag RELEASE_VERSION` is this release's version; a name that says it is the
    next one is the operator's to give; a variable's own name is not a placeholder."""
    filled = explicit_form('git tag -a NEW_VERSION -m "Release NEW_VERSION"', "1.2.3")
    assert filled == 'git tag -a {{ version }} -m "Release {{ version }}"'
    assert explicit_form("git push upstream RELEASE_VERSION", "1.2.3") == (
        "git push upstream {{ version }}"
    )
    assert explicit_form("git push origin RELEASE_TAG", "1.2.3") == "git push origin {{ tag }}"
    assert left("git tag NEXT_VERSION") == [("NEXT_VERSION", "next_version")]
    for text in (
        'git push origin "${GIT_TAG}"',  # a variable: set by an earlier step, or unset
        ': "${GIT_TAG:?ERROR: GIT_TAG is not set or is empty}"',  # its name in a message
        "VELERO_VERSION and NEW_DOCS_VERSION are slightly different",  # prose about names
        "export RELEASE_VERSION",
        "git tag -a HOTFIX_BRANCH",  # no version nor tag in its name
    ):
        assert explicit_form(text, "1.2.3") == text, text


def test_a_bare_name_is_pushed_as_the_version_never_as_itself(origin_repo: Repo, tmp_path: Path):
    guide = tmp_path / "g.md"
    guide.write_text(
        "# Releasing\n\nI use RELEASE_VERSION to represent the version to be released.\n\n"
        "## Release\n\n```bash\ngit tag RELEASE_VERSION\ngit push origin RELEASE_VERSION\n```\n"
    )
    args = ["run", str(guide), "--version", "1.2.3", "--repo", str(origin_repo.path), "--yes"]
    args += ["--records", str(tmp_path / "records"), "--operator", "t"]
    assert main([*args, "--allow-bump", "patch", "--reason", "t"]) == 0
    assert origin_repo.origin_git("tag", "--list").split() == ["1.2.3", "v1.2.2"]


def test_a_b_c_question_marks_and_a_bracketed_name_are_the_version() -> None:
    """`vA.B.C` and `v?.?.?` are whole version templates; `[VERSION]` a name in brackets
    that says it is one. Brackets of bash, patterns and links stay as written."""
    assert explicit_form("git tag -a vA.B.C -m 'vA.B.C'", "0.0.1") == (
        "git tag -a v{{ version }} -m 'v{{ version }}'"
    )
    assert explicit_form("git tag v?.?.?", "0.0.1") == "git tag v{{ version }}"
    assert explicit_form('git commit -m"chore(release): [VERSION]"', "0.0.1") == (
        'git commit -m"chore(release): {{ version }}"'
    )
    assert explicit_form("git push origin [release-tag]", "0.0.1") == "git push origin {{ tag }}"
    for text in (
        "npm version [major|minor|patch]",
        "case $answer in [Yy]) echo yes ;; esac",
        "[ -f VERSION ] && cat VERSION",
        "echo ${versions[VERSION]}",
        "see [Release notes](notes.md) and [the version][1]",
        "Section A.B.C.D of the policy",
    ):
        assert explicit_form(text, "0.0.1") == text, text


def test_a_text_that_speaks_of_a_placeholder_keeps_it_as_written() -> None:
    """ "Replace `vX.X.X` with the new version" names the placeholder; filled in, it would
    tell the operator to replace the version with itself. The command beside it is filled."""
    for text in (
        "Replace `vX.X.X` with the target/new release version",
        "replacing 'X.Y.Z' with the name of the new version",
        "(where {YYYY.MM.X-1} is the previous release)",  # nothing inside it filled either
    ):
        assert explicit_form(text, "1.2.3") == text, text
    said = "git tag -a X.Y.Z -m 'Version X.Y.Z' (where X.Y.Z is the new version)"
    assert explicit_form(said, "1.2.3") == (
        "git tag -a {{ version }} -m 'Version {{ version }}' (where X.Y.Z is the new version)"
    )


def test_a_bracketed_next_version_is_the_operators_to_give() -> None:
    assert left("git push origin [next-version]") == [("[next-version]", "next_version")]
    assert left("git tag [new-version]") == []  # this release's version: filled in


def test_a_templates_marker_a_git_command_makes_a_ref_of_is_the_version() -> None:
    """`%VERSION%`, `@VERSION@`, `<<VERSION>>` given to `git tag` are this release's
    version; the same marker a command replaces in a file stays the marker."""
    for marker in ("%VERSION%", "@VERSION@", "<<VERSION>>"):
        assert explicit_form(f"git tag {marker}", "0.0.1") == "git tag {{ version }}", marker
    assert explicit_form("git push origin %RELEASE_TAG%", "0.0.1") == "git push origin {{ tag }}"
    for text in (
        'sed -i "s/@VERSION@/$NEW/" version.h.in',
        "cat <<EOF>>notes.txt",
        "git log @{upstream}",
        "date +%Y%m%d",
    ):
        assert explicit_form(text, "0.0.1") == text, text
