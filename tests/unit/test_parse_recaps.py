"""A section that recaps the procedure before it is not a second procedure."""

from __future__ import annotations

import textwrap

import pytest

from relbook.parse import parse_runbook

PROCEDURE = """\
    # Releasing

    ## 1. Build

    Update the changelog in `CHANGES.md`.

    ```bash
    make dist
    ```

    ## {title}

    - [ ] Update the changelog
    - [ ] Build: `make dist`
    """


def lines(text: str) -> list[tuple[int, str]]:
    rb = parse_runbook(textwrap.dedent(text), "g.md")
    return [(s.line, s.kind.value) for s in rb.steps]


@pytest.mark.parametrize("title", ["Summary Checklist", "Summary", "TL;DR", "Recap", "Cheat sheet"])
def test_a_recap_after_the_procedure_has_no_steps(title: str) -> None:
    assert lines(PROCEDURE.format(title=title)) == [(5, "manual"), (7, "shell")]


def test_a_checklist_that_is_not_a_recap_stays_the_guide_s_steps() -> None:
    assert lines(PROCEDURE.format(title="Release checklist")) == [(7, "shell"), (13, "manual"),
                                                                (14, "manual")]  # fmt: skip


def test_a_summary_before_any_step_is_read_as_written() -> None:
    got = lines(
        """\
        # Releasing

        ## Summary

        - [ ] Build the release
        - [ ] Publish it

        ## Details

        The build takes an hour.
        """
    )
    assert got == [(5, "manual"), (6, "manual")]
