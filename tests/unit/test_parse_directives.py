"""`<!-- relbook: ... -->` directives and YAML front matter."""

from __future__ import annotations

import json
import textwrap

import pytest

from relbook.cli import main
from relbook.errors import ParseError
from relbook.model import Kind
from relbook.parse import parse_runbook

GUIDE = textwrap.dedent(
    """\
    # Deploy

    ## Build
    <!-- relbook: id=build timeout=5m -->
    ```bash
    make build
    ```

    <!-- relbook: skip -->
    ```bash
    make docs
    ```

    - [ ] Smoke test <!-- relbook: optional id=smoke -->
    <!-- relbook: done-if: test -f dist/app.tar.gz -->
    ```bash
    make package
    ```
    <!--
      relbook: timeout=30 confirm
    -->
    ```sh
    ./upload.sh
    ```

    ## Cleanup
    <!-- relbook: contingency -->
    - [ ] Remove the staging stack

    ## Approvals
    <!-- relbook: applies-to=major manual -->
    ```bash
    ./notify-board.sh
    ```
    - [ ] Board informed <!-- relbook: signoff -->
    """
)


@pytest.fixture(scope="module")
def rb():  # noqa: ANN201
    return parse_runbook(GUIDE, "deploy.md")


def test_id_and_timeout(rb):  # noqa: ANN001
    step = rb.step("build")
    assert step.kind is Kind.SHELL and step.line == 5 and step.timeout == 300


def test_skip(rb):  # noqa: ANN001
    docs = next(s for s in rb.steps if "make docs" in s.body)
    assert docs.skip and docs.line == 10 and docs not in rb.flow()


def test_inline_directive_on_a_task_item(rb):  # noqa: ANN001
    smoke = rb.step("smoke")
    assert smoke.kind is Kind.MANUAL and smoke.optional and smoke.line == 14
    assert smoke.text == "Smoke test"


def test_done_if_takes_the_rest_of_the_directive(rb):  # noqa: ANN001
    package = next(s for s in rb.steps if "make package" in s.body)
    assert package.done_if == "test -f dist/app.tar.gz" and package.line == 16


def test_done_if_after_other_keys():
    rb = parse_runbook("<!-- relbook: id=pkg timeout=9 done-if: [ -s a ] && b -->\n- [ ] x\n")
    step = rb.step("pkg")
    assert (step.timeout, step.done_if) == (9, "[ -s a ] && b")
    with pytest.raises(ParseError, match="done-if needs a command"):
        parse_runbook("<!-- relbook: done-if: -->\n- [ ] x\n")


def test_multi_line_directive(rb):  # noqa: ANN001
    upload = next(s for s in rb.steps if "upload" in s.body)
    assert upload.timeout == 30 and upload.confirm and upload.line == 22


def test_contingency_section(rb):  # noqa: ANN001
    cleanup = rb.section_steps("Cleanup")
    assert [s.text for s in cleanup] == ["Remove the staging stack"]
    assert cleanup[0].contingency and cleanup[0] not in rb.flow()
    assert next(s for s in rb.sections if s.title == "Cleanup").contingency


def test_manual_applies_to_and_signoff(rb):  # noqa: ANN001
    notify, board = rb.section_steps("Approvals")
    assert notify.kind is Kind.MANUAL and notify.applies_to == "major" and notify.line == 32
    assert board.kind is Kind.SIGNOFF and board.line == 35


def test_directives_keep_no_dangling_findings(rb):  # noqa: ANN001
    assert [f.code for f in rb.findings] == []


@pytest.mark.parametrize(
    ("directive", "message"),
    [
        ("frobnicate", "unknown directive 'frobnicate'"),
        ("timeout=soon", "timeout must be a positive number"),
        ("timeout=0", "timeout must be a positive number"),
        ("id=has/slash", "step id 'has/slash'"),
        ('id="unclosed', "directive: No closing quotation"),
        ("flow=sideways", "flow is contingency or normal, not 'sideways'"),
    ],
)
def test_bad_directive_is_a_located_error(directive: str, message: str, capsys):  # noqa: ANN001
    text = f"# T\n\n- [ ] one\n\n<!-- relbook: {directive} -->\n- [ ] two\n"
    with pytest.raises(ParseError, match=message) as e:
        parse_runbook(text, "t.md")
    assert (e.value.path, e.value.line) == ("t.md", 5)


def test_directives_in_one_html_block_get_their_own_lines():
    text = "# T\n\n<div>\n<!-- relbook: skip -->\n<!--\n  relbook: nope -->\n</div>\n- [ ] one\n"
    with pytest.raises(ParseError, match="unknown directive 'nope'") as e:
        parse_runbook(text, "t.md")
    assert e.value.line == 5


def test_bad_directive_through_the_cli(tmp_path, capsys):  # noqa: ANN001
    guide = tmp_path / "g.md"
    guide.write_text("# T\n\n<!-- relbook: colour=blue -->\n```bash\necho\n```\n")
    assert main(["parse", str(guide)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"relbook: error: {guide}:3: unknown directive 'colour'")
    assert err.count("\n") == 1


def test_duplicate_id_is_an_error():
    text = "<!-- relbook: id=a -->\n- [ ] one\n<!-- relbook: id=a -->\n- [ ] two\n"
    with pytest.raises(ParseError, match="duplicate step id 'a'") as e:
        parse_runbook(text, "t.md")
    assert e.value.line == 4


def test_directive_with_no_step_is_a_finding():
    rb = parse_runbook("# T\n\n<!-- relbook: skip -->\n\n## Next\n\ntext\n", "t.md")
    assert [(f.line, f.code) for f in rb.findings] == [(3, "RB006")]


def test_directive_in_a_code_span_is_text():
    rb = parse_runbook("- [ ] Write `<!-- relbook: skip -->` in the guide\n", "t.md")
    assert not rb.steps[0].skip


def test_front_matter(capsys):  # noqa: ANN001
    text = textwrap.dedent(
        """\
        ---
        title: Payments release
        example_version: 4.5.6
        released: 2025-09-29
        contingency: false
        params:
          region: eu-west-1
        ---
        # Ignored title

        ```bash
        deploy --version 4.5.6 --region {{ region }}
        ```
        """
    )
    rb = parse_runbook(text, "p.md")
    assert rb.title == "Payments release" and rb.example_version == "4.5.6"
    assert rb.steps[0].line == 11
    assert rb.front_matter["params"] == {"region": "eu-west-1"}
    data = json.dumps(rb.front_matter)  # dates and other YAML types are plain JSON
    assert '"released": "2025-09-29"' in data


@pytest.mark.parametrize(
    ("front", "line", "message"),
    [
        ("---\nowner: ops\ntitle: [unclosed\n---\n", 3, "front matter"),
        ("---\n- a list\n---\n", 1, "front matter must be a YAML mapping"),
        ("---\nexample_version: 1.2\n---\n", 2, "example_version: invalid version '1.2'"),
        ("---\na: &x [*x]\n---\n", 1, "front matter nests too deep or refers to itself"),
        ("---\na: " + "[" * 200 + "]" * 200 + "\n---\n", 1, "front matter"),
    ],
)
def test_bad_front_matter_is_a_located_error(front: str, line: int, message: str):
    with pytest.raises(ParseError, match=message) as e:
        parse_runbook(front + "# T\n", "f.md")
    assert e.value.line == line


@pytest.mark.parametrize(
    ("item", "optional", "applies"),
    [
        ("Snapshot the database (if needed)", True, ""),
        ("Tidy up (Optional)", True, ""),
        ("OPTIONAL: warm the cache", True, ""),
        ("Optional steps are listed below", False, ""),
        ("Management approval for major releases", False, "major"),
        ("For MINOR versions, update the docs", False, "minor"),
        ("Board sign-off (major only)", False, "major"),
        ("Rebuild on pre-release versions", False, "prerelease"),
        ("Deploy to production", False, ""),
    ],
)
def test_optional_and_applies_to_from_item_text(item: str, optional: bool, applies: str):
    step = parse_runbook(f"- [ ] {item}\n").steps[0]
    assert (step.optional, step.applies_to) == (optional, applies)


def test_a_step_says_its_flow_whatever_its_section_and_words_say() -> None:
    rb = parse_runbook(
        textwrap.dedent(
            """\
            # Release

            ## Publish

            - Push the tag <!-- relbook: flow=contingency -->
            - If the build fails, abort the release <!-- relbook: flow=normal -->
            - Tell people

            ## Rollback

            - Delete the tag <!-- relbook: flow=normal -->
            - Tell people again
            """
        ),
        "g.md",
    )
    assert [s.contingency for s in rb.steps] == [True, False, False, False, True]
