"""A release run driven from a notebook, one cell per step.

`Session(runbook, version=..., ...)` takes the release lock and opens (or
resumes) the record; `session.step(id)` runs exactly one planned step through
the same Runner as `relbook run` (answers, --yes, guards, masking, recording);
`session.close()` writes the final record and releases the lock. A step that
fails, pauses or is interrupted closes the session and raises, so papermill
stops there and later cells never run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from relbook.errors import RelbookError
from relbook.model import Runbook, Step
from relbook.notebook import PARAMETER_NAMES
from relbook.options import NOTEBOOK_OPTIONS
from relbook.run import UI, Runner, RunOptions, drive, load_answers

T = TypeVar("T")
RESUME = "run the notebook again to resume"
_TRUE = ("true", "yes", "y", "on", "1")
_FALSE = ("false", "no", "n", "off", "0", "", "none")


def _plain(method: Callable[..., T]) -> Callable[..., T]:
    """relbook's errors show in a cell as their message, not as a traceback
    (IPython's `_render_traceback_` hook)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return method(*args, **kwargs)
        except RelbookError as e:
            text = f"{type(e).__name__}: {e}"
            e._render_traceback_ = lambda: [text]  # type: ignore[attr-defined]
            raise

    return wrapper


class Session:
    """One run of a release from a notebook."""

    @_plain
    def __init__(
        self,
        runbook: str,
        *,
        sha256: str = "",
        section: str = "",
        from_step: str = "",
        engine: str = "papermill",
        ui: Callable[[str], UI],
        **params: Any,
    ) -> None:
        from relbook.parse import read_runbook

        rb = read_runbook(runbook)
        _check_same(rb, sha256)
        opts = options(params, section=section, from_step=from_step, engine=engine)
        self.runner = Runner(rb, opts, ui(rb.path))
        self.paths = self.runner.locate()
        self._lock = self.runner.lock()
        self._lock.__enter__()
        self.closed = self.released = False
        try:
            steps = self.runner.begin()
        except BaseException:
            self._abandon()
            raise
        self.plan: dict[str, tuple[int, Step]] = {s.id: (n, s) for n, s in enumerate(steps, 1)}

    @_plain
    def step(self, step_id: str) -> None:
        """Run one planned step (or report it finished earlier); raises when the run stops."""
        if self.closed:
            raise RelbookError("this session is closed; run the notebook again to resume")
        if step_id not in self.plan:
            raise RelbookError(f"step {step_id!r} is not in this run's plan")
        n, step = self.plan[step_id]
        earlier = self.runner.state.outcomes.get(step_id)
        if earlier and earlier.status.finished:
            self.runner.ui.info(f"[{n}/{len(self.plan)}] {earlier.text}: {earlier.status.value}")
            return
        try:
            result = drive(self.runner, [(n, step, len(self.plan))], close=False, resume=RESUME)
        except BaseException:  # drive() left the record as it was
            self._release()
            raise
        if result.error is not None:  # drive() closed the record
            self._release()
            raise result.error

    @_plain
    def close(self, result: str = "") -> str:
        """Write the final record and release the lock; returns the run's result."""
        if not self.closed:
            try:
                self.runner.close(result)
            finally:
                self._release()
        return self.runner.state.result

    def _abandon(self) -> None:
        try:
            self.runner.abandon()
        finally:
            self._release()

    def _release(self) -> None:
        if not self.released:
            self.released = self.closed = True
            self._lock.__exit__(None, None, None)


def options(params: dict[str, Any], **fixed: Any) -> RunOptions:
    """RunOptions from notebook parameters (as papermill passes them: text, numbers, bools)."""
    unknown = sorted(set(params) - set(PARAMETER_NAMES))
    if unknown:
        raise RelbookError(
            f"unknown parameter(s) {', '.join(unknown)}; known: {', '.join(PARAMETER_NAMES)}"
        )
    p = dict(params)
    version = "" if p.get("version") is None else str(p["version"])
    if not version:
        raise RelbookError("parameter version is required (papermill -p version 1.2.3)")
    answers = load_answers(str(p["answers_file"])) if p.get("answers_file") else {}
    answers.update(_mapping("answers", p.get("answers")))
    values = {o.name: _CONVERT[o.kind](o, p.get(o.name)) for o in NOTEBOOK_OPTIONS}
    values.pop("answers_file")
    command = values["command"] or "the same papermill command (same parameters)"
    return RunOptions(**{**values, "version": version, "answers": answers, "command": command},
                      **fixed)  # fmt: skip


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    word = str(value).strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise RelbookError(f"parameter {name} must be True or False, not {value!r}")


def _seconds(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):  # as on the command line: 90s, 10m, 1h
        from relbook.parse import parse_duration

        found = parse_duration(str(value))
        if found is None:
            raise RelbookError(
                f"parameter timeout must be a number of seconds (or 90s, 10m, 1h), not {value!r}"
            ) from None
        seconds = found
    if seconds <= 0:
        raise RelbookError(f"parameter timeout must be positive, not {value!r}")
    return seconds


def _mapping(name: str, value: Any) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise RelbookError(f"parameter {name} must be a mapping (step id or text -> answer)")
    return {str(k): v for k, v in value.items()}


def _list(name: str, value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if not isinstance(value, (list, tuple)):
        raise RelbookError(f"parameter {name} must be a list of names")
    return list(value)


_CONVERT: dict[str, Callable[[Any, Any], Any]] = {  # option kind -> from papermill's value
    "str": lambda o, v: _text(v) or o.default,
    "optional-str": lambda o, v: _text(v) or None,
    "bool": lambda o, v: _flag(o.name, v),
    "list": lambda o, v: [str(m) for m in _list(o.name, v)],
    "dict": lambda o, v: _mapping(o.name, v),
    "duration": lambda o, v: _seconds(v),
}


def _check_same(rb: Runbook, sha256: str) -> None:
    if sha256 and sha256 != rb.sha256:
        raise RelbookError(
            f"{rb.path} changed since this notebook was generated (sha256 {sha256[:12]}, "
            f"now {rb.sha256[:12]}): generate it again with `relbook render notebook`"
        )
