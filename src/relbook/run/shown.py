"""What the record shows of a shell step: the guide's commands filled in with the
release's values, as the operator would have typed them, each with its `file:line`.

relbook's own wrapping (resume guards, trace markers, variable references) is what
runs; it stays in the cell's metadata (`extra["script"]`), for debugging. A command
a resume guard found already done is shown as skipped with the check that decided."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from relbook.bash.effects import Guard, guard_for
from relbook.errors import RelbookError
from relbook.model import Outcome, Part, Status, Step

if TYPE_CHECKING:
    from relbook.run.context import RunContext


@dataclass
class Shown:
    """One command of the guide as the record shows it."""

    line: int
    text: str  # filled in, masked
    comments: tuple[str, ...] = ()
    check: str = ""  # how a resume guard would find it done ("" when none)
    skipped: bool = False  # the guard found it done

    def as_json(self, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "where": f"{path}:{self.line}", "text": self.text}
        if self.skipped:
            out["status"], out["check"] = "already-done", self.check
        return out


def shown_command(run: RunContext, part: Part, guard: Guard | None) -> Shown:
    """`part` filled in for people; with its guard's check said in the same values."""
    text = filled(run, part)
    check = ""
    if guard is not None:
        human = guard_for(text) or guard  # the same test, with values instead of references
        check = f"{human.reason}: {human.shown()}"
        if human.instead:
            check += f"; ran `{human.instead}` instead"
    comments = tuple(part.comment.split("\n")) if part.comment else ()
    return Shown(part.line, text, comments, run.masker.mask(check))


def filled(run: RunContext, part: Part) -> str:
    """A command as the operator would have typed it (as written if it cannot be filled)."""
    try:
        return run.masker.mask(run.fill(part.source, part.line))
    except RelbookError:
        return run.masker.mask(part.source)


def skipped_note(check: str) -> str:
    """The words for a command skipped as already done."""
    return f"skipped: already done ({check})" if check else "skipped: already done"


def source_text(shown: list[Shown]) -> str:
    """The cell's source: comments, skipped notes and the commands, in the guide's order."""
    lines: list[str] = []
    for s in shown:
        lines += [f"# {c}" for c in s.comments]
        if s.skipped:
            lines.append(f"# {skipped_note(s.check)}")
        lines.append(s.text)
    return "\n".join(lines)


def segment_shown(
    run: RunContext, segment: list[Part], guards: dict[int, Guard], done: list[int]
) -> list[Shown]:
    """A run of commands as the record shows them (those a guard found done, skipped)."""
    shown = []
    for part in segment:
        s = shown_command(run, part, guards.get(part.line))
        s.skipped = part.line in done
        shown.append(s)
    return shown


def put_commands(run: RunContext, outcome: Outcome, shown: list[Shown], scripts: list[str]) -> None:
    """Each command with its file:line (and the check that skipped it), and the bash that
    ran, into the step's metadata."""
    outcome.extra["commands"] = [s.as_json(run.rb.path) for s in shown]
    if scripts:
        outcome.extra["script"] = run.masker.mask("\n".join(scripts))


def show_done_if(run: RunContext, step: Step, outcome: Outcome) -> None:
    """The step's `done-if` check held: its commands are shown skipped, with the check."""
    outcome.status, outcome.reason = Status.ALREADY_DONE, f"done-if held: {step.done_if}"
    check = f"done-if `{run.masker.mask(step.done_if)}` succeeded"
    shown = [shown_command(run, p, None) for p in step.commands]
    for s in shown:
        s.check, s.skipped = check, True
    outcome.source = source_text(shown)
    put_commands(run, outcome, shown, [])
    run.ui.info(f"    {skipped_note(check)}")
