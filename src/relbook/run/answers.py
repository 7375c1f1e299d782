"""Answers to manual steps and instructions, and the say-so a risky step needs.

`AnswerPolicy` decides where an answer comes from (the run's hooks, the answers
file, --yes, the operator at a terminal, or nobody: the run pauses); `RiskGate`
holds back a remote-touching or destructive shell step until someone says it may run.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from relbook.bash.effects import effects
from relbook.datatype import replace
from relbook.errors import RelbookError
from relbook.model import Kind, Outcome, Status, Step
from relbook.run import messages, signals
from relbook.run.options import Answer

if TYPE_CHECKING:
    from relbook.run.hooks import RunHooks
    from relbook.run.options import UI, RunOptions


class AnswerPolicy:
    """Where a manual step's or an instruction's answer comes from, in order: the run's
    hooks, the answers (by step id or text), --yes, the operator, else pending."""

    def __init__(
        self,
        opts: RunOptions,
        ui: UI,
        operator: str | Callable[[], str],
        *,
        hooks: RunHooks,
        sync: Callable[[], None],
        fill: Callable[[str, int], str],
        resolve: Callable[[str], str | None] = lambda key: None,
    ) -> None:
        self.opts, self.ui, self.hooks = opts, ui, hooks
        self._operator = operator  # or how to find out, when first needed
        self.sync, self.fill, self.resolve = sync, fill, resolve

    @property
    def operator(self) -> str:
        """Who answers for the operator."""
        return self._operator if isinstance(self._operator, str) else self._operator()

    def given(self, key: str, text: str) -> Answer | None:
        """The answer the answers file gives for step `key` (by its id, an older id of
        it such as `<step>@<line>`, or its text), if any."""
        answers = self.opts.answers
        raw = answers.get(key)
        if raw is None:
            raw = next((v for k, v in answers.items() if self.resolve(str(k)) == key), None)
        if raw is None:
            raw = next(
                (v for k, v in answers.items() if str(k).casefold() == text.casefold()), None
            )
        return None if raw is None else parse_answer(raw, key, self.operator)

    def answer(self, step: Step, text: str, key: str = "", automation: str = "") -> Answer:
        """The answer for `step` (or the instruction `key` inside it)."""
        raw = self.hooks.answer_for(step, key or step.id)
        if raw is not None:
            return parse_answer(raw, key or step.id, self.operator)
        given = self.given(key or step.id, text)
        if given is not None:
            return given
        if self.opts.yes:
            if automation:
                return Answer(
                    Status.DONE,
                    automate=True,
                    by=self.operator,
                    note=f"automated by relbook (--yes): {automation}",
                )
            return Answer(
                Status.DONE,
                by=self.operator,
                note=f"confirmed non-interactively by {self.operator}",
            )
        if self.ui.interactive:
            self.sync()  # what is done so far is on disk before a person is waited for
            shown = replace(step, details=tuple(self.fill(d, step.line) for d in step.details))
            with signals.interruptible():  # a stopping signal may end the wait
                return self.ui.ask(
                    shown, text, signoff=step.kind is Kind.SIGNOFF, automation=automation
                )
        return Answer(Status.PENDING)


def apply_answer(outcome: Outcome, answer: Answer) -> None:
    """Put an answer into a step's outcome."""
    outcome.status = answer.status
    outcome.reason, outcome.note = answer.reason, answer.note
    if answer.by:
        outcome.operator = answer.by
    # a signer is never assumed: sign-offs are signed (run.signoff), not answered


class RiskGate:
    """Remote-touching or destructive steps run only with the operator's say-so: a `y`
    at the prompt, an answer (run | 'skip: reason'), or --yes."""

    def __init__(
        self, policy: AnswerPolicy, opts: RunOptions, ui: UI, sync: Callable[[], None]
    ) -> None:
        self.policy, self.opts, self.ui, self.sync = policy, opts, ui, sync

    def allows(self, step: Step, outcome: Outcome) -> bool:
        """True when the step may run; else the outcome says why it did not."""
        risky = [c for c in step.commands if risky_command(c.source)]
        given = self.policy.given(step.id, outcome.text)
        if given and given.status is not Status.DONE:
            apply_answer(outcome, given)
            return False
        if not risky:
            return True
        if given or self.opts.yes:  # the answers file first: it names this very step
            return self._said(outcome, risky, "answers" if given else "--yes")
        lines = ", ".join(str(c.line) for c in risky)
        if self.ui.interactive:
            self.sync()
            with signals.interruptible():
                confirmed = self.ui.confirm(messages.risky(step, lines))
            if confirmed:
                return self._said(outcome, risky, "terminal")
            outcome.extra["declined"] = True  # not now: the run stops here and asks again
        outcome.status = Status.PENDING
        outcome.extra["needs_say_so"] = f"it touches a remote or deletes something (lines {lines})"
        return False

    def _said(self, outcome: Outcome, risky: list[Any], by: str) -> bool:
        """Say in the outcome whose say-so ran its risky commands (an override)."""
        lines = [c.line for c in risky]
        outcome.extra["say_so"] = {"by": by, "lines": lines, "who": self.policy.operator}
        return True


@lru_cache(maxsize=1024)  # asked again for a step run again, resumed or retried
def risky_command(source: str) -> bool:
    """True when a command touches a remote or deletes something (needs a say-so)."""
    return any(found for *_, found in effects(source))


def parse_answer(raw: Any, key: str, operator: str) -> Answer:
    """An answers-file value: done | 'skip: reason' | fail | {status:, reason:, note:, signer:}."""
    if isinstance(raw, bool):
        return Answer(Status.DONE if raw else Status.FAILED, by=operator)
    if isinstance(raw, dict):
        answer = parse_answer(str(raw.get("status", "done")), key, operator)
        answer.reason = str(raw.get("reason", answer.reason) or "")
        answer.note = str(raw.get("note", "") or "")
        answer.signer = str(raw.get("signer", "") or "")
        if answer.status is Status.SKIPPED and not answer.reason:
            raise RelbookError(f"answers: {key}: a skip needs a reason")
        return answer
    word, _, rest = str(raw).partition(":")
    word, rest = word.strip().lower(), rest.strip()
    if word in ("done", "yes", "ok", "confirmed", "run", "automate"):
        return Answer(Status.DONE, note=rest, by=operator, automate=word == "automate")
    if word == "skip":
        if not rest:
            raise RelbookError(f"answers: {key}: a skip needs a reason ('skip: reason')")
        return Answer(Status.SKIPPED, reason=rest, by=operator)
    if word in ("fail", "failed", "no"):
        return Answer(Status.FAILED, reason=rest or "answered fail", by=operator)
    raise RelbookError(f"answers: {key}: {raw!r} is not done, 'skip: reason' or fail")


def load_answers(path: str) -> dict[str, Any]:
    """Read an answers YAML file (step id or text -> answer)."""
    from relbook.params.inputs import read_yaml_mapping

    return read_yaml_mapping(
        path, "answers", "answers must be a mapping: step id or text -> answer"
    )
