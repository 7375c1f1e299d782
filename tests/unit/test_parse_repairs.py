"""What to do when a step goes wrong, written inside the procedure: never the release flow."""

from __future__ import annotations

import textwrap

import pytest

from relbook.parse import parse_runbook


def steps(text: str) -> list[tuple[int, str, bool]]:
    rb = parse_runbook(textwrap.dedent(text), "g.md")
    return [(s.line, s.kind.value, s.contingency) for s in rb.steps]


def test_the_numbered_steps_under_a_repair_are_part_of_it() -> None:
    got = steps(
        """\
        # Release

        1. Generate the changelog with `scripts/release.py`
        1. If `release.py` fails, edit it by hand:
           1. Replace the `## Unreleased` header with the version number
           1. Remove any empty sections

              ```bash
              sed -i '/^### Fixed$/d' CHANGES.md
              ```
        1. Tag the release
        """
    )
    assert got == [
        (3, "manual", False),
        (4, "manual", True),
        (5, "manual", True),
        (8, "shell", True),  # the item's block is its step
        (11, "manual", False),
    ]


@pytest.mark.parametrize(
    "repair",
    [
        "Should that fail, copy the template from release.py by hand",
        "If CI does not pass, stop and investigate the failures",
        "If that doesn't work, clone a fresh copy and try again",
        "In case of issues that can't be solved in time, skip the dependency update",
    ],
)
def test_a_bullet_that_says_what_to_do_when_it_fails_is_contingency(repair: str) -> None:
    got = steps(f"# Release\n\n## Publish\n\n1. Publish the release\n   - {repair}\n")
    assert got == [(5, "manual", False), (6, "manual", True)]


def test_a_paragraph_under_a_step_that_is_a_repair_is_a_contingency_step() -> None:
    got = steps(
        """\
        # Release

        1. Wait for the release branch workflow to complete. It will:
           - Create the release branch

           If the workflow fails, check the Actions tab; the script can be run
           locally (`GITHUB_REF=refs/tags/v0.85.0 ./scripts/release-branch.sh`).

           The workflow takes a few minutes.

        2. Wait for the build workflows to pass.
        """
    )
    assert got == [(3, "manual", False), (6, "manual", True), (11, "manual", False)]


def test_a_numbered_item_whose_fence_is_not_bash_is_done_by_hand() -> None:
    text = """\
        # Release

        ## Troubleshooting

        1. `unknown revision` -- add a `replaces` entry to the `go.mod`.
        2. `failed to push some refs` -- save the tags in `tags.txt` and push them with:

           ```bash
           temp-push-tags:
               for tag in `cat tags.txt`; do \\
                   git push ${REMOTE} $${tag}; \\
               done;
           ```
        """
    rb = parse_runbook(textwrap.dedent(text), "g.md")
    got = [(s.line, s.kind.value, s.contingency, s.commands) for s in rb.steps]
    assert got == [
        (5, "manual", True, ()),
        (6, "manual", True, ()),  # the Makefile target is shown as text, never run
    ]
    assert [f.code for f in rb.findings] == ["RB010"]


def test_numbered_criteria_are_conditions_not_steps() -> None:
    got = steps(
        """\
        # Release

        ## Bugfix release criteria

        1. The bug has no workaround. Examples of simple workarounds are:
            - Reverting a feature gate.
        2. The bug happens in common setups.

        ## Bugfix release procedure

        1. Create a pull request against the release branch to apply the fix.
        """
    )
    assert got == [(11, "manual", False)]


def test_a_sentence_about_a_command_is_not_an_order() -> None:
    got = steps(
        """\
        # Release

        - `python3 scripts/release.py --help` is your friend.
          - It has only been tested in Python 3.12+
        - `make release`
        """
    )
    assert got == [(5, "manual", False)]
