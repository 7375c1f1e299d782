"""RB011: a variable a step uses that nothing sets before it in the guide's session."""

from __future__ import annotations

import textwrap

from relbook.guard.blocks import shell_blocks
from relbook.guard.unset import check_unset_variables
from relbook.parse import parse_runbook

GUIDE = """\
---
params:
  deploy_env: staging
  DEPLOY_ENV: staging
---
# Release

## Branch

```bash
export RELEASE_BRANCH="release-$RELBOOK_VERSION"
NOTES="notes for $VERSION"
git push origin "$RELEASE_BRANCH" "$GITHUB_SHA" "$HOME" "${MAYBE:-none}"
echo "$DEPLOY_ENV"
```

## Later

<!-- relbook: clean -->
```bash
echo "$NOTES"
echo "$NOTES again"
for f in *.md; do echo "$f"; done
echo "$LATER_SET"
LATER_SET=1
```
"""


def _found(text: str) -> list[tuple[int, str]]:
    rb = parse_runbook(textwrap.dedent(text), "guide.md")
    return [(f.line, f.message.split()[0]) for f in check_unset_variables(rb, shell_blocks(rb))]


def test_what_nothing_sets_before_it_in_this_session() -> None:
    # $RELEASE_BRANCH is set above it, $VERSION is a release value relbook sets, $GITHUB_SHA
    # and $HOME every runner has, ${MAYBE:-none} has a default, $DEPLOY_ENV a front matter
    # default; after the clean directive $NOTES is gone (reported once), $f is the loop's
    assert _found(GUIDE) == [(21, "$NOTES")]


def test_the_message_names_the_variable_and_what_to_do() -> None:
    rb = parse_runbook(GUIDE, "guide.md")
    (finding,) = check_unset_variables(rb, shell_blocks(rb))
    assert str(finding).startswith("guide.md:21: RB011 $NOTES is used here but nothing sets it")
    assert "give it a default (${NOTES:-...})" in finding.message


def test_an_operator_input_is_left_to_rb009() -> None:
    got = _found('# R\n\n## S\n\n```bash\necho "$DEPLOY_TOKEN"\n```\n')
    assert got == []  # RB009 reports it: give it with -p DEPLOY_TOKEN=VALUE (or export it)


def test_a_front_matter_default_is_no_unfilled_placeholder() -> None:
    from relbook.guard.lint import check_placeholders

    rb = parse_runbook(GUIDE, "guide.md")
    found = [f.message for f in check_placeholders(rb, shell_blocks(rb))]
    assert found and not [m for m in found if "DEPLOY_ENV" in m]


def test_an_assignment_before_a_command_sets_nothing_for_later_steps() -> None:
    from relbook.params.variables import variables_set

    assert variables_set("DRY_RUN=false BRANCH=main ./scripts/release.sh") == set()
    assert variables_set('A="x y" B=$(date +%s) make') == set()
    assert variables_set("BRANCH=main; ./scripts/release.sh") == {"BRANCH"}
    assert variables_set("export BRANCH=main RC=1") == {"BRANCH", "RC"}
    assert variables_set('NAME=$(git describe) && echo "$NAME"') == {"NAME"}
    guide = (
        "# R\n\n## One\n\n```bash\nBRANCH=main ./release.sh\n```\n\n"
        '## Two\n\n```bash\n./release.sh "$BRANCH"\n```\n'
    )
    assert _found(guide) == [] and "$BRANCH" in _placeholders(guide)  # RB009: blocked


def _placeholders(text: str) -> str:
    from relbook.guard.lint import check_placeholders

    rb = parse_runbook(text, "guide.md")
    return "\n".join(f.message for f in check_placeholders(rb, shell_blocks(rb)))


def test_arrays_and_crlf_lines_are_statements_that_set() -> None:
    from relbook.params.variables import variables_set

    assert variables_set("PKGS=(core cli)") == {"PKGS"}
    assert variables_set("X=1\r\necho ok") == {"X"}
    assert variables_set("A=$(echo $(echo $(date)))") == {"A"}  # nested deeper than read
