"""Shell fences that are not bash are text: never a step, and lint says why (RB010).
A fence shown as the example of the template before it is not a second step."""

from __future__ import annotations

import textwrap

import pytest

from relbook.guard.lint import lint_runbook
from relbook.parse import parse_runbook

FOREIGN = {
    "PowerShell": "PS C:\\> .\\build.ps1 -Version 1.2.3\n",
    "a Makefile": "release: build\n\tgit tag v1.2.3\n",
    "YAML": "name: demo\nversion: 1.2.3\n",
    "a diff": "--- a/VERSION\n+++ b/VERSION\n@@ -1 +1 @@\n-1.2.2\n+1.2.3\n",
    "a Dockerfile": "FROM alpine:3\nRUN apk add git\n",
    "JSON": '{"version": "1.2.3"}\n',
    "Go": "package main\n\nfunc main() {}\n",
    "Python": "def bump(version):\n    return version\n",
    "bash cannot parse it": 'echo "unterminated\ngit push origin v1.2.3\n',
    "a Python session": '>>> import foo\n>>> foo.release("1.2.3")\n',
    "a Windows command prompt": "C:\\src> build.cmd /release 1.2.3\n",
    "a Ruby session": 'irb(main):001:0> Foo::VERSION\n=> "1.2.3"\n',
    "an HTTP request": "POST /api/releases HTTP/1.1\nHost: example.com\n",
    "SQL": "UPDATE releases\nSET state = 'out' WHERE version = '1.2.3';\n",
    "the output of git log": "commit 3f2a1b9c0d\nAuthor: Dev <dev@example.com>\n",
    "a go.mod file": "module example.com/foo\n\ngo 1.22\n",
    "TOML or an INI file": '[package]\nname = "foo"\nversion = "1.2.3"\n',
    "a word right before `(`": 'release("1.2.3")\n',
}


@pytest.mark.parametrize("what", sorted(FOREIGN))
def test_a_shell_fence_in_another_language_is_text_and_lint_says_why(what: str) -> None:
    text = (
        "# Release\n\n## Tag\n\n```bash\n" + FOREIGN[what] + "```\n\n"
        "## Push\n\n```bash\ngit push origin main\n```\n"
    )
    rb = parse_runbook(text, "g.md")
    assert [s.line for s in rb.steps] == [text.split("\n").index("## Push") + 3]
    [finding] = [f for f in rb.findings if f.code == "RB010"]
    assert finding.line == 5 and what in finding.message
    assert "never run" in finding.message
    linted = [(f.line, f.code) for f in lint_runbook(rb, shellcheck="")]
    assert (5, "RB010") in linted


def test_bash_with_heredocs_cases_and_loops_stays_bash() -> None:
    body = textwrap.dedent(
        """\
        for f in a b; do echo "$f"; done
        notes() { git log --oneline "$1"..; }
        files=(VERSION CHANGELOG.md)
        [ "$V" = "1.2.3" ] && echo same
        (( n = 1 + 2 ))
        test "$V" = 1.2.3
        case "$1" in
          rc) echo rc ;;
        esac
        cat <<'EOF' > notes.md
        it's "quoted"
        EOF
        if [ -f VERSION ]; then cat VERSION; fi
        """
    )
    rb = parse_runbook(f"# R\n\n## S\n\n```bash\n{body}```\n", "g.md")
    assert len(rb.steps) == 1 and not [f for f in rb.findings if f.code == "RB010"]


def test_an_example_of_the_template_before_it_is_not_a_second_step() -> None:
    rb = parse_runbook(
        textwrap.dedent(
            """\
            # Releasing

            1. Run the script:

            ```shell
            ./hack/trigger-release.sh <version> <remote name>
            ```

            Example:
            ```shell
            ./hack/trigger-release.sh v1.6.0-rc1 upstream
            ```

            For example, tag it:

            ```shell
            git tag v1.6.0
            ```
            """
        ),
        "g.md",
    )
    assert [s.line for s in rb.steps if s.kind.value == "shell"] == [5, 16]
