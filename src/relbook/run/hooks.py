"""The seam a run offers to what drives it from outside (the drill): no private overrides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from relbook.model import Outcome, Step


class RunHooks(Protocol):
    """Called by the runner at fixed points of every step."""

    def before_step(self, step: Step) -> None:
        """Just before a planned step that has not finished runs."""

    def on_outcome(self, outcome: Outcome, mask: Callable[[str], str]) -> None:
        """Just before an outcome is recorded (it may add what it knows to the outcome)."""

    def answer_for(self, step: Step, key: str) -> Any | None:
        """A raw answer (as in an answers file) for step `step` or its instruction `key`,
        or None to let the answers, --yes or the operator decide."""


class NoHooks:
    """The hooks of a plain run: nothing happens at any point."""

    def before_step(self, step: Step) -> None:
        pass

    def on_outcome(self, outcome: Outcome, mask: Callable[[str], str]) -> None:
        pass

    def answer_for(self, step: Step, key: str) -> Any | None:
        return None
