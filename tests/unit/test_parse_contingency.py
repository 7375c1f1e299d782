"""Sections about things going wrong are contingency, whatever their words."""

from __future__ import annotations

import re

import pytest

from relbook.parse import parse_runbook
from relbook.parse.infer import _CONTINGENCY_TERMS, about_failure

CONTINGENCY = [
    "Rollback",
    "Rolling back a release",
    "Revert the release",
    "Undo a bad tag",
    "Recovery",
    "Troubleshooting",
    "If it goes wrong",
    "If something went wrong",
    "When things go wrong",
    "If you make a mistake",
    "Known issues",
    "If the release is not approved",
    "Release rejected",
    "Start over",
    "Aborting a release",
    "Backing out",
    "Handling failures",
    "If the build fails",
    "Fixing the CI",
    "Yanking a broken release",
]
FLOW = [
    "Tag the release",
    "Publish",
    "Release criteria",
    "Prepare the changelog",
    "Announce",
    "Verify the artifacts",
    "Testing",
    "Publish helm (in case of failure, this step can be re-run)",
]


def _guide(title: str) -> str:
    undo = "```bash\ngit push origin :refs/tags/v2.5.0\n```\n"
    return f"# Release\n\n## Build\n\n```bash\nmake\n```\n\n## {title}\n\n{undo}"


@pytest.mark.parametrize("title", CONTINGENCY)
def test_contingency_headings(title: str) -> None:
    rb = parse_runbook(_guide(title), "g.md")
    assert [s.line for s in rb.flow()] == [5]  # only the build runs in the release flow
    assert [s.contingency for s in rb.steps] == [False, True]


@pytest.mark.parametrize("title", FLOW)
def test_release_flow_headings(title: str) -> None:
    rb = parse_runbook(_guide(title), "g.md")
    assert [s.contingency for s in rb.steps] == [False, False]


def test_a_text_without_the_words_of_the_terms_is_not_about_failure() -> None:
    """The quick test before the search looks for each term's word: every alternative of
    a term (its groups aside) holds it, so no text the search would find is passed over."""
    for word, term in _CONTINGENCY_TERMS:
        for alternative in re.sub(r"\(\?:[^()]*\)\??", "", term).split("|"):
            assert word in alternative, (word, term)
    assert about_failure("Yanking a broken release") and not about_failure("Tag the release")
    assert about_failure("MIſTAKES")  # re.I reads `ſ` as `s`: a non-ASCII text is searched
