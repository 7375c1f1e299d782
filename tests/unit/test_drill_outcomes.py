"""The happy-path drill's outcome checks, on outcomes made by hand."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

from relbook.drill import Flow
from relbook.drill.checks import CHECKERS
from relbook.drill.scenario import Expectation
from relbook.model import Outcome, Status
from relbook.parse import parse_runbook

GUIDE = textwrap.dedent(
    """
    # Release

    ## Tag

    ```bash
    git tag v1.0.0
    ```

    ## Rollback

    ```bash
    git push origin :refs/tags/v1.0.0
    ```
    """
)


def _check(kind: str, outcomes: list[Outcome]) -> tuple[bool | None, str]:
    rb = parse_runbook(GUIDE, "guide.md")
    drill = SimpleNamespace(rb=rb)
    main = Flow("", "done", outcomes)
    return CHECKERS[kind](Expectation(kind, "", 0), drill, main, Flow(""), None)


def test_a_contingency_step_in_the_flow_fails_the_drill() -> None:
    rb = parse_runbook(GUIDE, "guide.md")
    rollback = next(s for s in rb.steps if s.contingency)
    tag = next(s for s in rb.steps if not s.contingency)
    ok = Outcome(tag.id, "shell", Status.DONE, line=tag.line)
    assert _check("no_contingency", [ok])[0] is True
    bad = Outcome(rollback.id, "shell", Status.DONE, line=rollback.line, section="Rollback")
    held, why = _check("no_contingency", [ok, bad])
    assert held is False and f"{rollback.id} (guide.md:{rollback.line}, Rollback)" in why


def test_a_blocked_or_refused_step_fails_the_drill() -> None:
    done = Outcome("tag.1", "shell", Status.DONE, line=6)
    assert _check("not_blocked", [done])[0] is True
    refused = Outcome("rollback.1", "shell", Status.PENDING, line=12, failed_line=13)
    refused.extra["refused"] = "it would delete tag v1.0.0, which this run created"
    held, why = _check("not_blocked", [done, refused])
    assert held is False
    assert "rollback.1 (guide.md:13) was refused: it would delete tag v1.0.0" in why
