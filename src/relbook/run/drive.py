"""One place that turns how a run stopped into its result and exit status.

The CLI, the notebook session and the drill all run steps through `drive()`;
`STOPS` is the only mapping from a stop (paused, failed, interrupted) to what
the record says and the exit status.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from relbook.datatype import datatype
from relbook.errors import Interrupted, Paused, RecordError, RelbookError, StepFailed
from relbook.model import Step
from relbook.run import messages
from relbook.run.options import RunResult

if TYPE_CHECKING:
    from relbook.run.context import RunContext


@datatype(frozen=True)
class Stop:
    """How a run that stopped ends: its record's result, exit status, and what it says."""

    result: str
    code: int
    label: str


STOPS: dict[type[RelbookError], Stop] = {
    Paused: Stop("paused", 3, "paused"),
    StepFailed: Stop("failed", 1, "step failed"),
    Interrupted: Stop("interrupted", 130, "interrupted"),
}
EXIT_DONE, EXIT_INCOMPLETE = 0, 1


def stop_of(error: BaseException) -> Stop | None:
    """The Stop for an error that stops a run (None for any other error)."""
    return STOPS.get(type(error))


def exit_code(result: str) -> int:
    """The exit status of a run whose record ended with `result`."""
    if result == "done":
        return EXIT_DONE
    stop = next((s for s in STOPS.values() if s.result == result), None)
    return stop.code if stop else EXIT_INCOMPLETE


def stop_message(error: BaseException) -> str:
    """How the CLI says why the run stopped."""
    if isinstance(error, Interrupted):
        return f"relbook: {messages.stopped_by(error.signum)}; {messages.INTERRUPTED}"
    stop = stop_of(error)
    return f"relbook: {stop.label if stop else 'error'}: {error}"


def drive(
    runner: RunContext,
    steps: Iterable[tuple[int, Step, int]] | None = None,
    *,
    close: bool = True,
    result: Callable[[str], str] | None = None,
    resume: str = messages.RESUME,
) -> RunResult:
    """Run `steps` ((n, step, total) each; default: begin the run and take its plan),
    and end the run the one way each stop ends it: the record closed with its result
    (`result` may reword it), the exit status, the error that stopped it. A run that
    did not stop is closed only when `close`. The caller holds the run's lock."""
    word = result or (lambda r: r)
    try:
        if steps is None:
            plan = runner.begin()
            from relbook.run.ci import job_steps

            steps = [(n, s, len(plan)) for n, s in job_steps(runner, plan)]
        for i, (n, step, total) in enumerate(steps):
            if isinstance(steps, list):  # what comes next (run.pipeline queues from it)
                runner.next_steps = (steps, i + 1)
            runner.execute(step, n, total)
    except (Paused, Interrupted, StepFailed) as e:
        return _stopped(runner, e, word)
    except KeyboardInterrupt as e:  # Ctrl-C or a stopping signal outside a running step
        signum = getattr(e, "signum", signal.SIGINT)
        return _stopped(runner, Interrupted("interrupted", signum=signum), word)
    except RecordError as e:
        if not runner.abandon():
            raise
        raise RecordError(  # the record cannot be written (disk full, ...)
            messages.record_unwritable(e.msg, resume), path=e.path, line=e.line
        ) from None
    except BaseException:
        runner.abandon()
        raise
    if close:
        runner.close(word(runner.natural_result()))
    state = runner.state
    from relbook.run.ci import job_finished

    done = not close or job_finished(runner.opts.job, state, runner.plan)
    code = EXIT_DONE if done else exit_code(state.result)
    return RunResult(code, runner.paths.notebook, state)


def _stopped(runner: RunContext, error: RelbookError, word: Callable[[str], str]) -> RunResult:
    stop = STOPS[type(error)]
    runner.close(word(stop.result))
    code = getattr(error, "exit_code", stop.code)  # 128 + the signal for an interrupted run
    return RunResult(code, runner.paths.notebook, runner.state, error=error)
