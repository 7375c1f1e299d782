"""Placeholders in every notation guides use, and what each stands for."""

from __future__ import annotations

import pytest

from relbook.errors import ParamError
from relbook.params import bind, explicit_form, run_parameters, unfilled
from relbook.params.tokens import find_tokens, meaning
from relbook.params.variables import variables_set
from relbook.parse import parse_runbook


@pytest.mark.parametrize(
    ("text", "token", "means"),
    [
        ("GITHUB_TOKEN=<token> ./notes.sh", "<token>", "input"),
        ("git tag <VERSION>", "<VERSION>", "version"),
        ("git tag <new-version>", "<new-version>", "version"),
        ("git checkout <BRANCH>", "<BRANCH>", "input"),
        ("git push origin <release tag>", "<release tag>", "tag"),
        ("git diff <previous tag>", "<previous tag>", "previous_tag"),
        ("./bump.sh X.Y.Z", "X.Y.Z", "version"),
        ("./bump.sh x.y.z", "x.y.z", "version"),
        ("git tag vX.Y.0", "vX.Y.0", "version"),
        ("git checkout release-X.Y", "X.Y", "series"),
        ("./notes.sh 3.Y_SET_ME.Z", "3.Y_SET_ME.Z", "version"),
        ("./cut.sh YY.MM.MICRO", "YY.MM.MICRO", "version"),
        ("echo {version}", "{version}", "version"),
        ("gh issue comment __RELEASE_ISSUE__", "__RELEASE_ISSUE__", "input"),
        ("git cherry-pick <commit-sha>", "<commit-sha>", "input"),
        ("notes --tag [[release tag]]", "[[release tag]]", "tag"),
        ("upload --key SET_ME", "SET_ME", "input"),
        ("export KUBERNETES_MIN_VERSION=1.20", "1.20", "input"),
        ("export VERSION=0.7.0", "0.7.0", "version"),
        # other tools' templates and markers, and words that say to put a value here
        ("./tag.sh {{VERSION}}", "{{VERSION}}", "version"),
        ("./notes.sh {{ RELEASE_TAG }}", "{{ RELEASE_TAG }}", "tag"),
        ("gh issue comment {{ issue_number }}", "{{ issue_number }}", "input"),
        ("./publish.sh @VERSION@", "@VERSION@", "version"),
        ('./upload.sh "%VERSION%"', "%VERSION%", "version"),
        ("./notes.sh --version VERSION_HERE", "VERSION_HERE", "version"),
        ("./announce.sh <insert version here>", "<insert version here>", "version"),
        ('curl -H "Authorization: token xxxxxxxx" https://x', "xxxxxxxx", "input"),
        # after a `/` (a branch, a path, a URL), and a capitals name as an option's value
        ("git push origin release/vX.Y.Z", "vX.Y.Z", "version"),
        ("git checkout -b release-X.Y.x", "X.Y.x", "series"),
        ("open https://github.com/o/r/releases/tag/vX.Y.Z", "vX.Y.Z", "version"),
        ("./publish.sh --version=NEW_VERSION", "NEW_VERSION", "version"),
        ("helm push --tag RELEASE_TAG chart", "RELEASE_TAG", "tag"),
    ],
)
def test_tokens_and_their_meaning(text: str, token: str, means: str) -> None:
    found = find_tokens(text)
    assert [(t.text, t.means) for t in found] == [(token, means)]


@pytest.mark.parametrize(
    "text",
    [
        "cat <in.txt >out.txt",
        "git log --oneline | head -n 5",
        "awk '{print}' notes.md",
        "find . -name '*.md' -exec rm {} \\;",
        "[[ -f VERSION ]] && cat VERSION",
        "openssl x509 -in cert.pem; echo X.509",
        "echo '<b>bold</b>' > notes.html",
        "RETRIES=3 make test",
        "pip install foo==1.2.3",
        "sed -i 's/@VERSION@/1.2.3/' configure.ac",
        "printf '%s\\n' done",
        "date +%Y-%m-%d",
        "mktemp -d XXXXXXXX",
        "mktemp -t notes.XXXXXX",
        "sed -i 's/X.Y.Z/1.2.3/' VERSION",
        './tool --version "$VERSION"',
        "docker inspect --format '{{ .State.Running }}' app",
        "echo {{ version }} {{ tag }}",
        'echo "${{ github.ref }}"',
    ],
)
def test_ordinary_shell_holds_no_placeholder(text: str) -> None:
    assert find_tokens(text) == []


@pytest.mark.parametrize(
    ("name", "means"),
    [
        ("VERSION", "version"),
        ("VER_NUM", "version"),
        ("RELEASE_VERSION", "version"),
        ("TAG", "tag"),
        ("PREVIOUS_VERSION", "previous_version"),
        ("MAJ", "major"),
        ("MINOR_VERSION", "series"),
        ("GO_VERSION", "input"),
        ("RELEASE_BRANCH", "input"),
        ("GITHUB_TOKEN", "input"),
    ],
)
def test_variable_names_map_to_release_values(name: str, means: str) -> None:
    assert meaning(name) == means


def test_variables_a_block_sets() -> None:
    src = "export A=1; B=2 make; read -r C D; for i in 1 2; do :; done; export E"
    assert variables_set(src) == {"A", "C", "D", "i", "E"}  # `B=2 make`: for make only


def test_printf_v_a_default_assigned_in_an_expansion_and_mapfile_set_a_name() -> None:
    src = 'printf -v STAMP "%s-1" "$V"; : "${OUT:=dist}"; echo ${N=3}; mapfile -t LINES < f'
    assert variables_set(src) == {"STAMP", "OUT", "N", "LINES"}
    assert variables_set('echo "${X:-fallback}"') == set()  # a default, not an assignment


def test_release_placeholders_are_filled_inputs_only_when_given() -> None:
    text = "./notes.sh <version> vX.Y.0 <commit-sha>"
    assert (
        explicit_form(text, "")
        == "./notes.sh {{ version }} v{{ major }}.{{ minor }}.0 <commit-sha>"
    )
    left = unfilled(text, "", {"version", "major", "minor"})
    assert [t.text for t in left] == ["<commit-sha>"]
    assert unfilled(text, "", {"version", "major", "minor", "commit_sha"}) == []


GUIDE = """\
# Release

```bash
git tag "v$VERSION"
git push origin "$RELEASE_BRANCH"
```
"""


def test_guide_variables_named_after_release_values_are_set() -> None:
    rb = parse_runbook(GUIDE, "g.md")
    kinds = {(p.name, p.kind, p.means) for p in rb.placeholders}
    assert ("VERSION", "variable", "version") in kinds
    assert ("RELEASE_BRANCH", "variable", "input") in kinds
    params = bind("2.3.1", runbook=rb, check_tags=False)
    assert params.env()["VERSION"] == "2.3.1"
    assert "RELEASE_BRANCH" not in params.env()
    given = bind("2.3.1", runbook=rb, check_tags=False, extra={"RELEASE_BRANCH": "release-2.3"})
    assert given.env()["RELEASE_BRANCH"] == "release-2.3"


def test_a_variable_set_by_an_earlier_block_is_no_placeholder() -> None:
    rb = parse_runbook(
        "# R\n\n```bash\nexport BRANCH=release-1\n```\n\n```bash\ngit push origin $BRANCH\n```\n",
        "g.md",
    )
    assert not [p for p in rb.placeholders if p.kind == "variable"]


def test_run_parameters_from_file_and_flags(tmp_path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("commit_sha: abc\ntoken: one\n")
    assert run_parameters(["token=two"], str(f)) == {"commit_sha": "abc", "token": "two"}
    with pytest.raises(ParamError, match="expected NAME=VALUE"):
        run_parameters(["novalue"])
    f.write_text("- a\n")
    with pytest.raises(ParamError, match="mapping"):
        run_parameters([], str(f))


def test_lint_names_the_placeholder_instead_of_a_parse_error() -> None:
    from relbook.guard.lint import lint_runbook

    rb = parse_runbook("# R\n\n```bash\nGITHUB_TOKEN=<token> ./notes.sh X.Y.Z\n```\n", "g.md")
    found = lint_runbook(rb)
    assert [(f.code, f.line) for f in found if f.code == "RB009"] == [("RB009", 4)]
    assert "<token>" in next(f.message for f in found if f.code == "RB009")
    assert not [f for f in found if f.code.startswith("SC10")]  # no shellcheck parse errors
