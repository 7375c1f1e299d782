"""Alternatives said explicitly: `<!-- relbook: choice=ID way=LABEL -->` on each step of
a way. The directive wins over what the words around it suggest, a guide with it and
no such words still offers one choice, and `relbook parameterize` writes it."""

from __future__ import annotations

import textwrap

import pytest

from relbook.errors import ParseError
from relbook.model import Runbook
from relbook.parse import parse_runbook
from relbook.render.outline import parameterize


def parsed(md: str) -> Runbook:
    return parse_runbook(textwrap.dedent(md), "g.md")


def ways(rb: Runbook) -> dict[str, tuple[str, str]]:
    return {s.text: (s.choice, s.option) for s in rb.steps}


PLAIN = """\
    # Release

    ## Using the script
    <!-- relbook: choice=publish question="How do you publish?" -->

    ```bash
    ./publish.sh
    ```

    ## By hand

    - Upload the files. <!-- relbook: choice=publish way="By hand" way-applies-to=patch -->
    - Tell people. <!-- relbook: choice=publish way="By hand" -->
    - Close the milestone.
    """


def test_a_guide_with_the_directive_and_no_wording_offers_one_choice() -> None:
    rb = parsed(PLAIN)
    assert parsed(PLAIN.replace("<!-- relbook:", "<!-- ")).choices == ()  # no wording
    (choice,) = rb.choices
    assert choice.id == "publish"
    assert choice.title == "How do you publish?"
    assert [(o.label, o.applies_to) for o in choice.options] == [
        ("Using the script", ""),  # the label defaults to the step's section
        ("By hand", "patch"),
    ]
    assert ways(rb) == {
        "./publish.sh": ("publish", "Using the script"),
        "Upload the files.": ("publish", "By hand"),
        "Tell people.": ("publish", "By hand"),
        "Close the milestone.": ("", ""),
    }


KINDS = """\
    # Releasing

    ## Minor release process

    1. Create the release branch. <!-- relbook: choice=branching way=new -->

    ## Patch release process

    1. Reuse the release branch. <!-- relbook: choice=branching way=old -->

    ## Release candidates

    1. Tag the candidate.

    Alternatively, tag it from the UI.
    """


def test_the_directive_wins_over_the_inferred_choice() -> None:
    """The headings name kinds of release (an inferred choice of three ways); the guide
    says two of them are one choice of its own: the third is no choice alone, and
    'Alternatively' beside a way the guide says adds no way to that choice."""
    rb = parsed(KINDS)
    inferred = parsed(KINDS.replace("<!-- relbook:", "<!-- "))
    assert [len(c.options) for c in inferred.choices] == [3]
    assert [(c.id, [o.label for o in c.options]) for c in rb.choices] == [
        ("branching", ["new", "old"]),
        ("choice@13", ["Tag the candidate.", "Alternatively, tag it from the UI."]),
    ]
    got = ways(rb)
    assert got["Create the release branch."] == ("branching", "new")
    assert got["Reuse the release branch."] == ("branching", "old")
    # the conditions the headings give stay: the directive says the choice, not when
    assert {s.text: s.applies_to for s in rb.steps}["Reuse the release branch."] == "patch"


def test_alternatively_after_a_said_way_is_not_added_to_it() -> None:
    rb = parsed(
        """\
        # R

        ## Merge

        Merge the PR in the UI. <!-- relbook: choice=merge way=ui -->

        Alternatively, merge it locally.
        """
    )
    assert [(c.id, [o.label for o in c.options]) for c in rb.choices] == [("merge", ["ui"])]
    assert ways(rb)["Alternatively, merge it locally."] == ("", "")


@pytest.mark.parametrize(
    ("md", "message", "line"),
    [
        ("# R\n\n- [ ] Tag. <!-- relbook: way=a -->\n", "way needs choice=ID", 3),
        ("# R\n\n<!-- relbook: choice='a b' -->\n- [ ] Tag.\n", "choice id 'a b' must be", 3),
        ("# R\n\n- [ ] T <!-- relbook: choice=c way-applies-to=minr -->\n", "unknown kind", 3),
        (
            "# R\n\n- [ ] A <!-- relbook: choice=c way=x way-applies-to=patch -->\n"
            "- [ ] B <!-- relbook: choice=c way=x way-applies-to=minor -->\n",
            "way 'x' of c: way-applies-to already given at line 3 differently",
            4,
        ),
        (
            "# R\n\n- [ ] A <!-- relbook: choice=c question=one -->\n"
            "- [ ] B <!-- relbook: choice=c question=two -->\n",
            "c: question already given at line 3 differently",
            4,
        ),
    ],
)
def test_a_wrong_choice_directive_is_a_file_line_error(md: str, message: str, line: int) -> None:
    with pytest.raises(ParseError, match=message) as e:
        parse_runbook(md, "g.md")
    assert (e.value.path, e.value.line) == ("g.md", line)


WAYS = """\
    # Release

    ## Option A: with the release script

    ```bash
    ./release.sh
    ```

    ## Option B: by hand

    1. Tag the release.
    2. Push the tag.

    ## Publish

    Do one of the following:

    - Upload with twine:

      ```bash
      twine upload dist/*
      ```

    - Upload with the web form.

    Merge the release PR in the GitHub UI.

    Alternatively, merge it locally and push main.

    ## Branches

    ### Patch release

    1. Cherry-pick the fixes.

    ### Minor release

    1. Branch off main.
    """


def _shape(rb: Runbook) -> list[object]:
    """What a choice is, lines left out (the directives added move them)."""
    return [(c.id, c.title, [(o.label, o.applies_to) for o in c.options]) for c in rb.choices] + [
        (s.id, s.choice, s.option, s.applies_to) for s in rb.steps
    ]


def test_parameterize_writes_every_inferred_choice_and_keeps_its_id() -> None:
    rb = parsed(WAYS)
    assert len(rb.choices) == 4
    out = parameterize(rb)
    assert "./release.sh" in out
    assert (
        '<!-- relbook: choice=choice@3 way="Option A: with the release script" -->\n'
        "```bash\n./release.sh" in out
    )
    assert '2. Push the tag. <!-- relbook: choice=choice@3 way="Option B: by hand" -->' in out
    assert "way-applies-to=patch" in out and "way-applies-to=minor" in out
    assert "question=" not in out  # an inferred choice asks for one of its ways
    explicit = parse_runbook(out, "g.md")
    assert all("choice" in s.directives for s in explicit.steps if s.choice)
    assert _shape(explicit) == _shape(rb)
    assert parameterize(explicit) == out  # written once


def test_parameterize_leaves_a_said_choice_as_it_is() -> None:
    text = textwrap.dedent(PLAIN)
    assert parameterize(parse_runbook(text, "g.md")) == text
