"""The drill's face: the terminal UI of a run, plus injected events and answers."""

from __future__ import annotations

from typing import Any

from relbook.model import Step
from relbook.ui import TerminalUI


class DrillUI:
    """The terminal UI of a run, plus injected events and step timing."""

    def __init__(self, ui: TerminalUI) -> None:
        self.ui = ui
        self.interactive = ui.interactive

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ui, name)

    pending: list[str]

    def event(self, text: str, now: bool = False) -> None:
        """Announce an injected fault (with the next step's header unless `now`)."""
        self.__dict__.setdefault("pending", []).append(text)
        if now:
            self.flush()

    def flush(self) -> None:
        for text in self.__dict__.pop("pending", []):
            self.ui.info(self.ui._c("warn", f"  !! DRILL EVENT: {text}"))

    def step_begin(self, n: int, total: int, step: Step, title: str) -> None:
        self.ui.step_begin(n, total, step, title)
        self.flush()

    def respond(self, question: str) -> str | None:
        """A free-text answer from the participants (None at end of input)."""
        return self.ui._input(f"  {question}\n  > ")

    def choose(self, question: str, options: list[str]) -> str:
        """One of `options` by number, or "" for none."""
        lines = [f"    {n}) {o}" for n, o in enumerate(options, 1)] + ["    0) none"]
        self.ui.info(f"  {question}\n" + "\n".join(lines))
        while True:
            got = self.ui._input("  number? ")
            if got is None or got.strip() in ("", "0"):
                return ""
            if got.strip().isdigit() and 1 <= int(got) <= len(options):
                return options[int(got) - 1]
