"""Steps a person decides on: an optional shell step ("if needed", "If `gh` is
available") runs only when someone says so; it is never silently run or dropped.

Where the answer comes from, in order: the run's hooks (a drill), the answers
file (`ID: run` or `"skip: reason"`), the operator at a terminal; with `--yes`
and no answer the step is skipped and the record says why (`--yes` confirms what
the guide does for every release, not what it leaves to judgement); with no
terminal and no answer the run pauses there (exit 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relbook.model import Choice, Kind, Outcome, Status, Step
from relbook.run import signals
from relbook.run.answers import apply_answer, parse_answer

if TYPE_CHECKING:
    from relbook.run.context import RunContext


def optional_reason(step: Step) -> str:
    """Why a step is asked before it runs ("" for a step that is not optional)."""
    if not step.optional:
        return ""
    why = step.optional_why or "optional"
    return f"optional ({why}): asked before it runs"


def optional_allows(run: RunContext, step: Step, outcome: Outcome) -> bool:
    """True when an optional shell step may run; else the outcome says why it did not."""
    if not step.optional or step.kind is not Kind.SHELL:
        return True
    why = step.optional_why or "optional"
    raw = run.answers.hooks.answer_for(step, step.id)
    given = (
        parse_answer(raw, step.id, run.operator)
        if raw is not None
        else run.answers.given(step.id, outcome.text)
    )
    if given is not None:
        if given.status is Status.DONE:
            return True
        apply_answer(outcome, given)
        return False
    if run.opts.yes:
        outcome.status = Status.SKIPPED
        outcome.reason = (
            f"optional ({why}): --yes runs it only when answered "
            f"(--answers FILE with {step.id}: run)"
        )
        return False
    if run.ui.interactive:
        run.recorder.sync()
        with signals.interruptible():
            if run.ui.confirm(f"optional step {step.id} ({why}): run it?"):
                return True
        outcome.status, outcome.reason = Status.SKIPPED, f"optional ({why}): not wanted"
        outcome.operator = run.operator
        return False
    outcome.status = Status.PENDING
    outcome.extra["optional"] = why
    return False


# -- alternatives: one way, never every way in turn -------------------------------------

_SPECIFIC = ("rc.", "rc", "alpha", "beta", "prerelease", "hotfix", "first", "patch", "major")


def _specificity(expr: str) -> int:
    """How narrow a condition is: a release candidate's way beats a minor release's."""
    atoms = [a for a in expr.replace("|", ",").split(",") if a and not a.startswith("!")]
    ranks = [
        len(_SPECIFIC) - next((i for i, k in enumerate(_SPECIFIC) if a.startswith(k)), 99)
        for a in atoms
    ]
    return max(ranks, default=-99)


def decided(run: RunContext, choice: Choice) -> tuple[str | None, str] | None:
    """The option an answer or the version takes: (label or None for none, how), or None
    when only a person can decide."""
    from relbook.run.flow import applies, release_kinds

    raw = run.opts.answers.get(choice.id)
    if raw is not None:
        return _answered(choice, str(raw), run.operator)
    kinds = release_kinds(run.params)
    fits = [o for o in choice.options if o.applies_to and applies(o.applies_to, kinds)]
    if fits:
        best = max(fits, key=lambda o: _specificity(o.applies_to))
        return best.label, f"the version {run.params.values['version']} takes it"
    if all(o.applies_to for o in choice.options):
        return None, f"no way applies to {run.params.values['version']}"
    return None if len(choice.options) > 1 else (choice.options[0].label, "the only way")


def _answered(choice: Choice, raw: str, operator: str) -> tuple[str | None, str]:
    word = raw.strip()
    if word.lower() in ("none", "no", "skip") or word.lower().startswith("skip:"):
        return None, f"answered none by {operator}"
    labels = [o.label for o in choice.options]
    if word.isdigit() and 1 <= int(word) <= len(labels):
        return labels[int(word) - 1], f"answered by {operator}"
    want = word.casefold()
    for test in (str.__eq__, str.startswith, str.__contains__):
        hits = [label for label in labels if test(label.casefold(), want)]
        if len(hits) == 1:
            return hits[0], f"answered by {operator}"
    from relbook.errors import RelbookError

    ways = "; ".join(f"{i}: {lab}" for i, lab in enumerate(labels, 1))
    raise RelbookError(f"answers: {choice.id}: {raw!r} is none of its ways ({ways})")


def choice_of(run: RunContext, step: Step) -> Choice | None:
    """The choice a step is one way of."""
    if not step.choice:
        return None
    return next((c for c in run.rb.choices if c.id == step.choice), None)


def plan_reason(run: RunContext, step: Step) -> tuple[str, str]:
    """(status, reason) of a step of a choice in the plan ("" status: as planned)."""
    choice = choice_of(run, step)
    if choice is None:
        return "", ""
    got = decided(run, choice)
    ways = " | ".join(repr(o.label) for o in choice.options)
    if got is None:
        return "", (
            f"one of {len(choice.options)} ways ({choice.id}: {ways}): asked before it runs; "
            f"--yes takes none unless answered ({choice.id}: LABEL or number)"
        )
    label, how = got
    if label == step.option:
        return "", f"the way taken of {choice.id} ({how})"
    return "not-applicable", _not_taken(choice, step, label, how)


def _not_taken(choice: Choice, step: Step, label: str | None, how: str) -> str:
    taken = f"{label!r} is taken" if label else "none is taken"
    return f"one way of {choice.id}: {taken} ({how}); this is {step.option!r}"


def choice_allows(
    run: RunContext, step: Step, outcome: Outcome, chosen: dict[str, tuple[str | None, str]]
) -> bool:
    """True when the step is of the way taken (or of no choice); else the outcome says why
    (not applicable by version, skipped by an answer or --yes, or pending)."""
    choice = choice_of(run, step)
    if choice is None:
        return True
    got = chosen.get(choice.id) or _recorded(run, choice) or decided(run, choice)
    if got is None:
        got = _ask(run, choice)
    if got is None:
        outcome.status = Status.PENDING
        outcome.extra["choice"] = choice.id
        return False
    chosen[choice.id] = got
    label, how = got
    outcome.extra["choice"] = {"id": choice.id, "taken": label, "how": how}
    if label == step.option:
        return True
    outcome.status = Status.NOT_APPLICABLE if "version" in how else Status.SKIPPED
    outcome.reason = _not_taken(choice, step, label, how)
    return False


def _recorded(run: RunContext, choice: Choice) -> tuple[str | None, str] | None:
    for o in run.state.outcomes.values():
        got = o.extra.get("choice") if o.extra else None
        if isinstance(got, dict) and got.get("id") == choice.id:
            return got.get("taken"), str(got.get("how", "recorded"))
    return None


def _ask(run: RunContext, choice: Choice) -> tuple[str | None, str] | None:
    if run.opts.yes:
        return None, f"--yes takes none unless answered ({choice.id}: LABEL or number)"
    if not run.ui.interactive:
        return None
    from relbook.parse.alternatives import title_of

    run.recorder.sync()
    n = len(choice.options)
    asks = f" ({choice.title})" if choice.title != title_of(choice.options) else ""
    with signals.interruptible():
        for i, o in enumerate(choice.options, 1):
            way = f"one of {n} ways. Way {i}: {o.label!r}: take it?"
            if run.ui.confirm(f"{choice.id}{asks}: {way}"):
                return o.label, f"chosen by {run.operator}"
    return None, f"{run.operator} took none"


def answer_problems(rb: Any, answers: dict[str, Any]) -> list[str]:
    """Answers for a choice that name none of its ways (checked before anything runs)."""
    from relbook.errors import RelbookError

    out = []
    for choice in rb.choices:
        if choice.id in answers:
            try:
                _answered(choice, str(answers[choice.id]), "")
            except RelbookError as e:
                out.append(str(e))
    return out
