"""Which steps are handed to the engine queued behind the running one (engines.window).

While bash runs step k, relbook records the step before and shows it; with the next
steps already handed over, bash does not wait for that. A step is queued only when
nothing from relbook is needed between it and the step before it, so that running
it early is the same as running it when its turn comes:

- a shell step of plain commands (no instruction inside, no resume guard, no
  done-if check, no timeout, no directive), not optional, of no choice, for every
  kind of release or this one, with every placeholder filled;
- no say-so (no risky command, no answer for it), nothing about git refs (a run's
  refs are looked at after each step that runs git);
- what it changes in the session the shell server can take itself (variables its
  text names, no `cd`: run.shellsession), so the next step's text and directory are
  known now; which holds for the step before it too;
- no earlier record of it (neither interrupted nor finished: those are asked about);
- a plain run: the local engine, no drill hooks.

The queue is journaled (one `queue` event) before it is handed over; each step's
`start` and outcome are journaled when its turn comes, as for any step; settle()
withdraws what is still queued when the run stops (a `start` for the queued steps
that may have run, an `unqueue` for those that surely did not).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from relbook.model import Kind, Step
from relbook.run.answers import risky_command
from relbook.run.choices import choice_of
from relbook.run.flow import not_applicable
from relbook.run.hooks import NoHooks
from relbook.run.plan import step_block
from relbook.run.session import may_change
from relbook.run.undo import REF_WORD

LOOKAHEAD = 16  # steps queued at most; topped up once half of them have run


class Lookahead:
    """The steps of one run handed over queued, and what to queue next."""

    def __init__(self, run: Any, script: Callable[..., tuple[str, list[int], list[int]]]) -> None:
        self.run = run  # the run's context (run.context.RunContext)
        self.script = script  # a run of commands -> (bash, line map, marks): StepRunner.script
        self.queued: dict[str, str] = {}  # step id -> token, in the order handed over
        # step id -> its (script, line map, marks), made when it was queued: used as made
        self.prepared: dict[str, tuple[str, list[int], list[int]]] = {}
        self.on: bool | None = None  # whether this run queues at all (decided once)

    def token(self, step: Step) -> str:
        """The token `step` was queued with ("" when it was not queued)."""
        return self.queued.get(step.id, "")

    def ahead(self, step: Step, script: str, resuming: bool) -> list[tuple[str, str, Any]]:
        """The steps to queue behind `step` (whose bash is `script`), journaled:
        (script, token, marks) each, for the engine's run(ahead=...)."""
        was_queued = self.queued.pop(step.id, None) is not None
        if len(self.queued) > LOOKAHEAD // 2 or not self._enabled():
            return []
        if not was_queued and (resuming or not self._leads(step, script)):
            return []
        new: list[tuple[Step, tuple[str, list[int], list[int]], str]] = []
        for nxt in self._following():
            if nxt.id in self.queued:
                continue
            got = self._plain(nxt)
            if got is None:
                break
            new.append((nxt, got, os.urandom(16).hex()))
            if len(self.queued) + len(new) >= LOOKAHEAD:
                break
        if not new:
            return []
        self.run.recorder.queue([s.id for s, _, _ in new], [t for _, _, t in new])
        for s, got, t in new:
            self.queued[s.id] = t
            self.prepared[s.id] = got
        return [(got[0], t, got[2]) for _, got, t in new]

    def settle(self) -> None:
        """Withdraw what is still queued (the run stops): journal a `start` for each
        queued step that may have run (it shows as interrupted), an `unqueue` for the
        rest."""
        self.prepared.clear()
        if not self.queued:
            return
        queued, self.queued = self.queued, {}
        ran = set(self.run.engine.cancel())
        recorder = self.run.recorder
        from relbook.record import now_iso

        for step_id, token in queued.items():
            if token in ran:
                recorder.start(step_id, now_iso(), token)
        rest = [s for s, t in queued.items() if t not in ran]
        if rest:
            recorder.unqueue(rest)

    # -- which steps -----------------------------------------------------------------
    def _enabled(self) -> bool:
        if self.on is None:
            run = self.run
            engine = run.engine
            self.on = (
                isinstance(getattr(run, "hooks", None), NoHooks)
                and engine.executes
                and hasattr(engine, "session")
                and hasattr(engine, "cancel")
                and getattr(engine, "wrapper", ()) == ()
                and not run.opts.timeout
            )
        return self.on

    def _following(self) -> Any:
        """The steps the run will come to after the running one, finished ones left out
        (they are not run again)."""
        steps, start = getattr(self.run, "next_steps", ((), 0))
        outcomes = self.run.recorder.state.outcomes
        for i in range(start, len(steps)):
            step = steps[i][1]
            done = outcomes.get(step.id)
            if done is None or not done.status.finished:
                yield step

    def _leads(self, step: Step, script: str) -> bool:
        """Whether the steps after `step` may be queued behind it."""
        return _plain_step(self.run, step) and self._queueable(script)

    def _plain(self, step: Step) -> tuple[str, list[int], list[int]] | None:
        """(script, line map, marks) of a step that may be queued, else None."""
        run = self.run
        state = run.recorder.state
        if step.id in state.running or step.id in state.outcomes or not _plain_step(run, step):
            return None
        if run.answers.given(step.id, run.text(step)) is not None:
            return None
        made = self.script(list(step.parts), False)
        return made if self._queueable(made[0]) else None

    def _queueable(self, script: str) -> bool:
        """Whether the session lets a step of `script` be queued (run.shellsession)."""
        queueable = getattr(self.run.engine, "queueable", None)
        return queueable(script) if queueable is not None else not may_change(script)


def _plain_step(run: Any, step: Step) -> bool:
    """A shell step that needs nothing from relbook before it runs (see the module)."""
    if step.kind is not Kind.SHELL or step.optional or step.done_if or step.timeout:
        return False
    if step.confirm or step.skip or set(step.directives) - {"id"}:
        return False
    if not step.parts or any(p.kind != "command" for p in step.parts):
        return False
    for part in step.parts:
        src = part.source
        if risky_command(src) or REF_WORD.search(src):  # no git command: no ref it moves
            return False
    if not_applicable(step, run.params) or choice_of(run, step) is not None:
        return False
    return not step_block(run, step)
