"""Conditions as guides write them: headings, intros, list items, the step's own words;
what the version decides, and what only a person can (asked, never silently run)."""

from __future__ import annotations

import textwrap

import pytest

from relbook.params import bind
from relbook.parse import parse_runbook
from relbook.run.flow import applies, not_applicable, release_kinds


def steps(md: str) -> dict[str, object]:
    rb = parse_runbook(textwrap.dedent(md), "g.md")
    return {s.text: s for s in rb.steps}


GUIDE = """\
    # Releasing

    ## Minor release process

    1. Create the release branch `release-1.4`.
    1. Push it.

    ## Patch release process

    1. Cherry-pick the fixes onto the release branch.

    ### Tag the patch

    ```bash
    git tag v1.4.1
    ```

    ## Release candidates

    1. Cut the RC tag.

    ## Every release

    **If this is a major or minor release**, the following steps come first:

    * Review the examples.
    * Update the docs site.

    Then:

    * Announce the release.
    * Bump the snapshot version (skip this for patch releases).
    * Open the next milestone [RC.0 only]
    * Create the release branch for the first release of a series.
    * Publish the Homebrew formula (GA only)
    * If there is a new minor version, update the versioned formula:
      ```bash
      ./update.sh formula@1.4
      ```
    * Bump the plugin version if needed.
    * Push the stable branch if this is a new major or minor stable release.
    * If the signing key changed, upload the new key.
    """


@pytest.fixture(scope="module")
def guide() -> dict[str, object]:
    return steps(GUIDE)


@pytest.mark.parametrize(
    ("text", "expr"),
    [
        ("Create the release branch release-1.4.", "minor"),
        ("Push it.", "minor"),
        ("Cherry-pick the fixes onto the release branch.", "patch"),
        ("git tag v1.4.1", "patch"),  # a subsection of the patch process
        ("Cut the RC tag.", "rc"),
        ("Review the examples.", "minor"),  # the sentence that introduces the list
        ("Announce the release.", ""),
        ("Bump the snapshot version (skip this for patch releases).", "!patch"),
        ("Open the next milestone [RC.0 only]", "rc.0"),
        ("Create the release branch for the first release of a series.", "first"),
        ("Publish the Homebrew formula (GA only)", "stable"),
        ("If there is a new minor version, update the versioned formula:", "minor"),
        ("Bump the plugin version if needed.", ""),
        ("Push the stable branch if this is a new major or minor stable release.", "minor,stable"),
    ],
)
def test_where_guides_write_conditions(guide, text: str, expr: str) -> None:
    assert guide[text].applies_to == expr


def test_a_condition_says_where_it_comes_from(guide) -> None:
    step = guide["git tag v1.4.1"]
    assert step.applies_from == "the heading 'Patch release process' at line 8"
    assert guide["Review the examples."].applies_from.startswith("line 24: If this is a major")


def test_what_the_version_cannot_decide_is_optional(guide) -> None:
    assert guide["Bump the plugin version if needed."].optional
    key = guide["If the signing key changed, upload the new key."]
    assert key.optional and key.optional_why == "If the signing key changed"
    assert not guide["Announce the release."].optional


@pytest.mark.parametrize(
    ("version", "kinds"),
    [
        ("2.0.0", {"major", "minor", "stable", "first"}),
        ("1.4.0", {"minor", "stable", "first"}),
        ("1.3.5", {"patch", "stable"}),
        ("1.4.0-rc.0", {"minor", "prerelease", "rc", "rc.0", "first"}),
        ("1.4.0-rc.2", {"minor", "prerelease", "rc", "rc.2"}),
        ("1.4.0-beta.1", {"minor", "prerelease", "beta", "beta.1"}),
    ],
)
def test_what_a_release_is(version: str, kinds: set[str]) -> None:
    assert release_kinds(bind(version, check_tags=False)) == kinds


@pytest.mark.parametrize(
    ("expr", "version", "ok"),
    [
        ("minor", "2.0.0", True),  # a major release opens a new minor series too
        ("major", "1.4.0", False),
        ("!patch", "1.3.5", False),
        ("!patch", "1.4.0-rc.1", True),
        ("patch|rc", "1.4.0-rc.1", True),
        ("minor,stable", "1.4.0-rc.1", False),
        ("rc.0", "1.4.0-rc.0", True),
        ("first", "1.4.0-rc.1", False),
    ],
)
def test_conditions_hold_by_version(expr: str, version: str, ok: bool) -> None:
    assert applies(expr, release_kinds(bind(version, check_tags=False))) is ok


def test_the_reason_names_the_release_and_the_heading(guide) -> None:
    params = bind("1.4.1", check_tags=False)
    why = not_applicable(guide["Push it."], params)
    assert why == (
        "applies to minor releases (from the heading 'Minor release process' at line 3); "
        "1.4.1 is a patch release"
    )
    assert not_applicable(guide["git tag v1.4.1"], params) == ""
    rc = not_applicable(guide["Publish the Homebrew formula (GA only)"], bind("1.5.0-rc.1"))
    assert rc.startswith("applies to stable releases (not pre-releases)")
    assert rc.endswith("1.5.0-rc.1 is a pre-release")


def test_generic_sibling_is_for_what_the_others_are_not() -> None:
    got = steps(
        """\
        # Release checklist
        ## Main release
        * [ ] Open the release issue.
        ## Point release
        * [ ] Cherry-pick the fixes.
        ## Embargoed release
        * [ ] Send the patch to distros.
        ## Publicize release
        * [ ] Announce it.
        """
    )
    assert got["Open the release issue."].applies_to == "!patch"
    assert got["Cherry-pick the fixes."].applies_to == "patch"
    assert got["Send the patch to distros."].applies_to == ""
    assert got["Announce it."].applies_to == ""


def test_phases_of_one_process_are_not_conditions() -> None:
    got = steps(
        """\
        # How to release
        The steps:
        1. Preparing for a release
        2. Publishing a release candidate
        3. Voting
        4. Publishing the final release
        ## Publishing a release candidate
        1. Tag the candidate.
        ## Publishing the final release
        1. Promote the candidate.
        """
    )
    assert got["Tag the candidate."].applies_to == ""
    assert got["Promote the candidate."].applies_to == ""


@pytest.mark.parametrize(
    "text",
    [
        "Check out the release branch for the minor version you are patching.",
        "Run the pre-release checks.",
        "Cherry-pick each commit, fixing any conflicts as needed.",
        "Update the major versions of dependencies.",
    ],
)
def test_words_that_are_not_conditions(text: str) -> None:
    step = steps(f"# R\n\n## Steps\n\n1. {text}\n")[text]
    assert (step.applies_to, step.optional) == ("", False)


def test_pre_release_checklist_heading_is_before_every_release() -> None:
    got = steps("# R\n## Pre-release checklist\n- [ ] CI is green\n")
    assert got["CI is green"].applies_to == ""


def test_directive_wins_over_the_words() -> None:
    got = steps(
        """\
        # R
        ## Patch release process
        <!-- relbook: applies-to=major -->
        - [ ] Tell the board.
        """
    )
    assert got["Tell the board."].applies_to == "major"


# -- alternatives --------------------------------------------------------------------

WAYS = """\
    # Release

    ## Option A: with the release script

    ```bash
    ./release.sh
    ```

    ## Option B: by hand

    1. Tag the release.

    ## Publish

    Do one of the following:

    - Upload with twine:

      ```bash
      twine upload dist/*
      ```

    - Upload with the web form.

    Merge the release PR in the GitHub UI.

    Alternatively, merge it locally and push main.

    Announce the release.
    """


def test_alternatives_are_one_choice_each() -> None:
    rb = parse_runbook(textwrap.dedent(WAYS), "g.md")
    by_text = {s.text: s for s in rb.steps}
    assert [c.id for c in rb.choices] == ["choice@3", "choice@15", "choice@25"]
    a, b = by_text["./release.sh"], by_text["Tag the release."]
    assert (a.choice, a.option) == ("choice@3", "Option A: with the release script")
    assert (b.choice, b.option) == ("choice@3", "Option B: by hand")
    assert by_text["Upload with twine:"].choice == "choice@15"
    assert by_text["Upload with the web form."].option == "Upload with the web form."
    assert by_text["Merge the release PR in the GitHub UI."].choice == "choice@25"
    assert by_text["Alternatively, merge it locally and push main."].choice == "choice@25"
    assert by_text["Announce the release."].choice == ""


def test_kinds_of_release_as_sibling_sections_are_one_choice() -> None:
    rb = parse_runbook(textwrap.dedent(GUIDE), "g.md")
    (choice,) = rb.choices
    assert [(o.label, o.applies_to) for o in choice.options] == [
        ("Minor release process", "minor"),
        ("Patch release process", "patch"),
        ("Release candidates", "rc"),
    ]


def test_a_directive_condition_is_checked() -> None:
    from relbook.errors import ParseError

    got = steps("# R\n<!-- relbook: applies-to=minor,!rc.0 -->\n- [ ] Tell the board.\n")
    assert got["Tell the board."].applies_to == "minor,!rc.0"
    with pytest.raises(ParseError, match="unknown kind of release 'minr'") as e:
        parse_runbook("# R\n\n<!-- relbook: applies-to=minr -->\n- [ ] Tell.\n", "g.md")
    assert e.value.line == 3


def test_pre_release_beside_release_is_a_stage_of_every_release() -> None:
    got = steps(
        """\
        # Release process
        ## Pre-Release
        1. Update the changelog.
        ## Tag
        1. Tag the merged commit.
        ## Post-Release
        1. Close the milestone.
        """
    )
    assert got["Update the changelog."].applies_to == ""
    assert got["Close the milestone."].applies_to == ""


@pytest.mark.parametrize(
    ("title", "expr"),
    [
        ("Major, minor version release, or its pre-release", "minor"),
        ("Patch version release", "patch"),
        ("Release steps", ""),
    ],
)
def test_kinds_of_version_release_in_headings(title: str, expr: str) -> None:
    from relbook.parse.conditions import heading_condition

    assert heading_condition(title) == expr


def test_pre_releases_beside_stable_releases_stay_a_kind() -> None:
    got = steps(
        """\
        # Release process
        ## Pre-releases
        1. Tag the candidate.
        ## Stable releases
        1. Tag the release.
        """
    )
    assert got["Tag the candidate."].applies_to == "prerelease"
    assert got["Tag the release."].applies_to == "stable"


def test_a_manual_way_beside_a_kind_of_release_is_no_choice() -> None:
    rb = parse_runbook(
        textwrap.dedent(
            """\
            # Releasing
            ## Manual release
            1. Create the release on GitHub.
            ## Patch release
            1. Cherry-pick the fix.
            """
        ),
        "g.md",
    )
    assert rb.choices == ()
    by_text = {s.text: s for s in rb.steps}
    assert by_text["Create the release on GitHub."].choice == ""
    assert by_text["Cherry-pick the fix."].applies_to == "patch"


def test_a_manual_way_beside_an_automated_one_is_one_choice() -> None:
    rb = parse_runbook(
        "# Releasing\n## Automated release\n1. Run the release job.\n"
        "## Manual release\n1. Create the release on GitHub.\n",
        "g.md",
    )
    (choice,) = rb.choices
    assert [o.label for o in choice.options] == ["Automated release", "Manual release"]


def test_ways_named_in_paragraphs_are_one_choice() -> None:
    rb = parse_runbook(
        textwrap.dedent(
            """\
            # Release

            ## Tag

            Option A: use the script

            ```bash
            ./scripts/tag.sh 1.2.3
            ```

            Option B: tag by hand

            ```bash
            git tag -a v1.2.3 -m "v1.2.3"
            git push origin v1.2.3
            ```

            ## Announce

            - Announce the release.
            """
        ),
        "g.md",
    )
    (choice,) = rb.choices
    assert [o.label for o in choice.options] == [
        "Option A: use the script",
        "Option B: tag by hand",
    ]
    ways = [(s.line, s.choice, s.option) for s in rb.steps if s.choice]
    assert ways == [
        (7, "choice@5", "Option A: use the script"),
        (13, "choice@5", "Option B: tag by hand"),
    ]
    assert [s.text for s in rb.steps if not s.choice] == ["Announce the release."]


def test_labelled_ways_in_a_list_are_one_choice_and_either_or_is_one_manual_step() -> None:
    rb = parse_runbook(
        textwrap.dedent(
            """\
            # Release

            ## Publish

            Choose one of the following:

            - **Automated**: run `make publish`.
            - **Manual**: run `twine upload dist/*`.

            ## Docs

            Either run `make docs-deploy` or upload the `site/` folder by hand.

            ## Kinds

            - RC releases: Release Candidate, contains everything the final release ships.
            - Important: if the vote fails, start over.
            """
        ),
        "g.md",
    )
    (choice,) = rb.choices
    assert len(choice.options) == 2
    by_line = {s.line: s for s in rb.steps}
    assert sorted(by_line) == [7, 8, 12]  # a term's definition and a note are no steps
    assert by_line[7].choice == by_line[8].choice == choice.id
    either = by_line[12]
    assert either.kind.value == "manual" and not either.commands  # the operator does one


@pytest.mark.parametrize(
    ("text", "expr"),
    [
        ("Update the website (not for RCs).", "!rc"),
        ("Does not apply to patch releases: update the docs switcher.", "!patch"),
        ("This doesn't apply to release candidates: publish the docs.", "!rc"),
        ("Not needed for patch releases: write the blog post.", "!patch"),
        ("Except for patch releases, open the next milestone.", "!patch"),
        # not a negation of the kind
        ("Do not forget to update the website for patch releases.", "patch"),
        ("Update the website for patch releases.", "patch"),
    ],
)
def test_a_step_that_says_which_releases_it_is_not_for(text: str, expr: str) -> None:
    (step,) = parse_runbook(f"# R\n\n- [ ] {text}\n", "g.md").steps
    assert step.applies_to == expr
