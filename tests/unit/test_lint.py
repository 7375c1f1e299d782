"""relbook lint: shellcheck and relbook's checks, at exact Markdown lines."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from relbook import cli
from relbook.cli import main
from relbook.guard.lint import (
    RULES,
    destructive_kind,
    lint_runbook,
    publish_kind,
    shell_blocks,
    shellcheck_source,
)
from relbook.parse import parse_runbook
from tests.conftest import RUNBOOKS

RELEASE = str(RUNBOOKS / "release-management.md")


def write(tmp_path: Path, text: str, name: str = "guide.md") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return str(path)


def lint_lines(path: str) -> list[tuple[int, str]]:
    from relbook.parse import read_runbook

    return [(f.line, f.code) for f in lint_runbook(read_runbook(path))]


def test_release_management_findings_at_exact_lines(capsys):
    assert main(["lint", RELEASE]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(" ")[0] + " " + line.split(" ")[1] for line in out] == [
        f"{RELEASE}:81: RB003",  # git push origin --delete release/v1.2.3
        f"{RELEASE}:100: RB002",  # git tag -a v1.2.4 in the rollback, nothing checked first
    ]
    assert "git push --delete" in out[0] and "<!-- relbook: confirm -->" in out[0]
    assert "Rollback Procedures" in out[1]


def test_parameterized_release_management_keeps_the_same_findings(tmp_path, capsys):
    out = tmp_path / "explicit.md"
    assert main(["parameterize", RELEASE, "-o", str(out)]) == 0
    assert "{{ version }}" in out.read_text()
    # the same findings, on the same commands (a directive line above moves the second)
    lines = out.read_text().split("\n")
    got = [(lines[n - 1].strip(), code) for n, code in lint_lines(str(out))]
    assert got == [
        ("git push origin --delete release/v{{ version }}", "RB003"),
        ('git tag -a v{{ next_patch }} -m "Hotfix: Emergency rollback"', "RB002"),
    ]


def test_clean_runbooks_exit_0(tmp_path, capsys):
    clean = write(
        tmp_path,
        """
        # Clean guide

        ## Checks
        - [ ] CI is green on main

        ## Tag
        ```bash
        # tag and push the release
        git tag -a "v{{ version }}" -m "Release {{ version }}: {{ description }}"
        git push origin "v{{ version }}"
        ```
        """,
    )
    assert main(["lint", clean]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "clean" in captured.err
    assert main(["lint", str(RUNBOOKS / "octoacme-release.md")]) == 0


def test_shellcheck_findings_map_to_the_markdown_line(tmp_path):
    path = write(
        tmp_path,
        """
        # Guide

        ## Build
        - [ ] Build it
          ```bash
          # a comment
          echo $UNQUOTED
          ```

        ## Console
        ```console
        $ ls
        output line
        $ echo $OTHER
        ```
        """,
    )
    from relbook.parse import read_runbook

    found = lint_runbook(read_runbook(path))
    assert [(f.line, f.code, f.tool) for f in found] == [
        (7, "RB009", "relbook"),  # nothing in the guide sets $UNQUOTED: the step is blocked
        (7, "SC2086", "shellcheck"),
        (14, "RB009", "relbook"),
        (14, "SC2086", "shellcheck"),
    ]
    found = [f for f in found if f.tool == "shellcheck"]
    assert (found[0].step, found[0].column) == ("build.1", 8)  # `$UNQUOTED` in the Markdown line
    assert (found[1].step, found[1].column) == ("console.1", 8)


def test_shellcheck_runs_once_for_all_blocks(tmp_path, monkeypatch):
    calls = tmp_path / "calls"
    real = __import__("relbook.guard.lint", fromlist=["find_shellcheck"]).find_shellcheck()
    wrapper = tmp_path / "shellcheck"
    wrapper.write_text(f'#!/bin/bash\necho "$#" >> {calls}\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("RELBOOK_SHELLCHECK", str(wrapper))
    assert main(["lint", RELEASE]) == 1
    assert calls.read_text().split() == [str(3 + 3)]  # 3 options + the 3 shell blocks


def test_missing_shellcheck_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RELBOOK_SHELLCHECK", str(tmp_path / "nowhere" / "shellcheck"))
    assert main(["lint", RELEASE]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "shellcheck" in err and "Traceback" not in err


def test_placeholders_are_linted_as_the_quoted_variables_that_run():
    rb = parse_runbook(
        textwrap.dedent(
            """\
            # G

            ```bash
            echo {{ version }} '{{ tag }}' "{{ description }}"
            {% if release_type == "hotfix" %}
            echo hotfix
            {% endif %}
            ```
            """
        ),
        "g.md",
    )
    (block,) = shell_blocks(rb)
    assert shellcheck_source(block).split("\n") == [
        'echo "${RELBOOK_VERSION}" \'\'"${RELBOOK_TAG}"\'\' "${RELBOOK_DESCRIPTION}"',
        "",
        "echo hotfix",
        "",
    ]


def test_every_relbook_check_at_its_line(tmp_path):
    path = write(
        tmp_path,
        """
        ---
        example_version: 2.0.0
        ---
        # Risky guide

        ## Publish
        ```bash
        git tag -a "v{{ version }}" -m "Release"
        git push origin "v{{ version }}" --force
        npm install left-pad@1.3.0
        rm -rf dist/ && git reset --hard
        cat <<EOF
        rm -rf / is only text in a heredoc
        EOF
        ```

        ## Nothing here

        ## Verify
        - [ ] Run the smoke tests

        <!-- relbook: confirm -->
        ```bash
        git branch -D old-branch
        git push origin v2.0.1
        ```

        <!-- relbook: timeout=5 -->

        ## Tail
        ```bash
        echo never closed
        """,
    )
    assert lint_lines(path) == [
        (8, "RB002"),  # git tag before any check
        (9, "RB002"),  # git push before any check
        (9, "RB003"),  # --force
        (10, "RB001"),  # 1.3.0 is not 2.0.0 or a neighbour
        (11, "RB003"),  # rm -rf
        (11, "RB003"),  # reset --hard
        (17, "RB004"),  # empty section
        (28, "RB006"),  # directive applies to no step
        (31, "RB005"),  # unterminated fence
    ]


def test_front_matter_can_ignore_codes(tmp_path):
    path = write(
        tmp_path,
        """
        ---
        lint:
          ignore: [rb004, SC2086, RB009]
        ---
        # G

        ## Empty

        ## Step
        ```bash
        echo $X
        ```
        """,
    )
    assert lint_lines(path) == []


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("git push --force origin main", "git push --force"),
        ("git push -fu origin main", "git push --force"),
        ("git push origin +main", "git push --force"),
        ("git push --force-with-lease origin main", "git push --force"),
        ("git push origin --delete release/v1", "git push --delete"),
        ("git push origin :release/v1", "git push --delete"),
        ("git -C repo reset --hard HEAD~1", "git reset --hard"),
        ("sudo rm -fr /opt/app", "rm -rf"),
        ("rm -r -f build", "rm -rf"),
        ("git branch -D topic", "git branch -D"),
        ("git clean -fdx", "git clean -f"),
        ("git push origin main", ""),
        ("git branch -d merged", ""),
        ("rm -r build", "rm -r"),
        ("rm notes.txt", ""),
        ("echo 'git push --force'", ""),
    ],
)
def test_destructive_commands(command, kind):
    import shlex

    found = destructive_kind(shlex.split(command))
    assert found.startswith(kind) if kind else found == ""


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("git push origin main", "git push"),
        ("git tag -a v1 -m x", "git tag"),
        ("git tag -l", ""),
        ("git push --dry-run origin main", ""),
        ("npm publish", "npm publish"),
        ("git status", ""),
    ],
)
def test_publish_commands(command, kind):
    import shlex

    assert publish_kind(shlex.split(command)) == kind


def test_json_format_is_stable(capsys):
    assert main(["lint", RELEASE, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["schema", "path", "sha256", "clean", "counts", "findings"]
    assert data["schema"] == "relbook.lint/1" and data["clean"] is False
    assert data["counts"] == {"RB002": 1, "RB003": 1}
    first = data["findings"][0]
    assert list(first) == [
        "path",
        "line",
        "code",
        "message",
        "severity",
        "tool",
        "column",
        "step",
    ]
    assert (first["line"], first["code"], first["step"]) == (81, "RB003", "release-deployment.1")


def test_help_lists_every_relbook_code(capsys):
    with pytest.raises(SystemExit):
        cli.main(["lint", "--help"])
    out = capsys.readouterr().out
    for code, text in RULES.items():
        assert f"{code}  {text}" in out


def test_unreadable_runbook_is_exit_2(tmp_path, capsys):
    assert main(["lint", str(tmp_path / "missing.md")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_inferred_parameters_are_checked_as_they_run_with_columns_as_written(tmp_path):
    path = write(
        tmp_path,
        """
        # G

        ## Tag
        ```bash
        git tag -a v1.2.3 -m [Brief description] $FLAGS
        ```
        """,
    )
    from relbook.parse import read_runbook

    found = lint_runbook(read_runbook(path))
    # nothing about [Brief description] (a release value); $FLAGS is set by nothing
    assert [f.code for f in found] == ["RB002", "RB009", "SC2086"]
    found = found[2]
    assert (found.line, found.code, found.column) == (5, "SC2086", 42)  # `$FLAGS` as written


def test_what_a_run_would_refuse_is_an_error_in_every_branch(tmp_path):
    path = write(
        tmp_path,
        """
        # R

        ```bash
        eval "echo {{ description }}"
        {% if release_type == "hotfix" %}
        cat <<'EOF'
        {{ description }}
        EOF
        {% endif %}
        git tag v{{ verison }}
        git tag v{{ version }} -m "{{ description }}"
        ```

        - [ ] Announce it <!-- inline comments are fine -->

        <!-- relbook: skip

        - [ ] Hidden by the comment above
        """,
    )
    found = [(line, code) for line, code in lint_lines(path) if code in ("RB007", "RB008")]
    assert found == [(4, "RB008"), (7, "RB008"), (10, "RB008"), (16, "RB007")]


def test_rb001_spares_a_literal_the_run_fills(tmp_path, capsys, origin_repo):
    """`gson-1.7.2-sources.jar` of example 1.7.2 follows --version in the plan (its
    `-sources` is no pre-release), so lint does not say it stays as written."""
    path = write(
        tmp_path,
        """
        # Release

        ## Deploy

        ```bash
        mvn deploy:deploy-file -DpomFile=gson-1.7.2.pom -Dfile=gson-1.7.2-sources.jar
        cp ~/vendor/guava-31.1.0-sources.jar /tmp
        ```
        """,
    )
    assert lint_lines(path) == [(7, "RB001")]  # the other project's jar only
    capsys.readouterr()
    argv = ["run", path, "--version", "2.0.0", "--repo", str(origin_repo.path), "--dry-run"]
    assert main([*argv, "--date", "2026-06-15"]) == 0
    assert "-Dfile=gson-2.0.0-sources.jar" in capsys.readouterr().out
