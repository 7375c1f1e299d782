"""A table of contents (a list naming the guide's own headings) holds no steps, and
telling one costs the same whatever the number of headings."""

from __future__ import annotations

import textwrap

from relbook.parse import parse_runbook
from relbook.parse.contents import Contents


def _steps(text: str) -> list[str]:
    return [s.text for s in parse_runbook(textwrap.dedent(text), "g.md").steps]


def test_items_naming_headings_by_their_words() -> None:
    c = Contents(["Prepare the release", "Tag it", "2. Publish (30 min)", "Tagging"])
    assert c.names_heading("Prepare")  # a run of a heading's words
    assert c.names_heading("prepare THE release")  # case does not matter
    assert c.names_heading("1. Tag it now")  # a heading's words inside the item
    assert c.names_heading("Publish")
    assert not c.names_heading("Pre")  # words, not characters
    assert not c.names_heading("release the tag")  # not a run of one heading
    assert not c.names_heading("...")
    # a heading's words amid a longer sentence: an order that mentions it, no title
    assert not c.names_heading("Tag it after the release branch is merged")


def test_steps_that_mention_the_guides_title_are_steps() -> None:
    got = _steps(
        """\
        # Release

        ## Release steps

        1. Raise an issue to publish the release plan.
        2. Publish the release page on GitHub.
        3. Announce the release on the mailing list.
        """
    )
    assert len(got) == 3


def test_more_than_half_of_at_least_two_items() -> None:
    c = Contents(["Build", "Publish", "Announce"])
    assert c.is_contents(["Build", "Publish", "Make coffee"])
    assert not c.is_contents(["Build", "Make coffee"])  # half is not more than half
    assert not c.is_contents(["Build"])
    assert not Contents([]).is_contents(["Build", "Publish"])


def test_a_heading_of_punctuation_names_nothing() -> None:
    """`## 1.` or `## ---` holds no word: it no longer makes every list a table of contents."""
    got = _steps(
        """\
        # Release

        ## .

        ## Steps

        1. Build the artifacts
        2. Publish the artifacts
        """
    )
    assert got == ["Build the artifacts", "Publish the artifacts"]


def test_a_table_of_contents_among_many_headings_is_not_steps() -> None:
    sections = "\n".join(f"## Part {n}\n\n- Run the check number {n}\n" for n in range(300))
    contents = "\n".join(f"- Part {n}" for n in range(0, 300, 7))
    got = _steps(f"# Guide\n\n{contents}\n\n{sections}")
    assert len(got) == 300 and all(t.startswith("Run the check") for t in got)


def test_a_list_linking_to_the_guides_sections_is_an_overview() -> None:
    got = _steps(
        """\
        # Release

        The process has three parts:

        1. The [Core](#core) collector, with its builder.
        2. The [Contrib](#contrib) collector.
        3. The [artifacts](#artifacts)

        ## Core

        1. Push the core tags.

        ## Contrib

        1. Push the contrib tags, see [Core](#core) for how.
        2. Announce the release.
        """
    )
    assert got == ["Push the core tags.", "Push the contrib tags, see Core for how.",
                   "Announce the release."]  # fmt: skip


def test_orders_that_each_cross_reference_a_section_stay_steps() -> None:
    got = _steps(
        """\
        # Release

        ## Steps

        1. Bump the version (see [these notes](#versioning)).
        2. Update the changelog as described [here](#changelog).

        ## Versioning

        We use SemVer.
        """
    )
    assert got == ["Bump the version (see these notes).",
                   "Update the changelog as described here."]  # fmt: skip
