"""The run's seams without bash: the StepRunner through a fake engine, drive()'s one
mapping of stops, the drill's hooks, the walkthrough engine, the Recorder on a temp dir."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from relbook.engines import Execution
from relbook.engines.walkthrough import WalkthroughEngine
from relbook.errors import Paused, StepFailed
from relbook.model import Outcome, Status, Step
from relbook.parse import parse_runbook
from relbook.record import read_journal, record_paths, replay
from relbook.record.mask import Masker
from relbook.run import Answer, Runner, RunOptions
from relbook.run.recorder import Recorder

GUIDE = """# Guide

## Release

- [ ] Check the changelog

```bash
echo building 1.2.3
```

```bash
git push origin v1.2.3
```
"""


@dataclass
class FakeEngine:
    """Answers each script with the next exit status; remembers what it was given."""

    codes: list[int] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    name: str = "fake"
    executes: bool = True

    def run(self, script: str, **kw: Any) -> Execution:
        self.scripts.append(script)
        code = self.codes.pop(0) if self.codes else 0
        kw["on_output"](f"ran {len(self.scripts)}\n")
        return Execution(exit_code=code, output=f"ran {len(self.scripts)}\n", duration=0.01)

    def close(self) -> None:
        pass


class FakeUI:
    interactive = False

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, text: str) -> None:
        self.lines.append(text)

    def step_begin(self, n: int, total: int, step: Step, title: str) -> None:
        self.lines.append(f"[{n}/{total}] {title}")

    def command(self, line: int, text: str) -> None: ...
    def output(self, text: str) -> None: ...
    def step_end(self, outcome: Outcome) -> None: ...

    def ask(self, step: Step, text: str, *, signoff: bool, automation: str) -> Answer:
        raise AssertionError("not interactive")

    def confirm(self, question: str) -> bool:
        raise AssertionError("not interactive")


class Hooks:
    def __init__(self) -> None:
        self.before: list[str] = []
        self.recorded: list[str] = []

    def before_step(self, step: Step) -> None:
        self.before.append(step.id)

    def on_outcome(self, outcome: Outcome, mask: Any) -> None:
        self.recorded.append(outcome.step_id)
        outcome.extra["seen"] = True

    def answer_for(self, step: Step, key: str) -> Any:
        return "skip: the hook says so" if step.kind.value == "manual" else None


def _runner(tmp_path: Path, engine: Any, **opts: Any) -> Runner:
    rb = parse_runbook(GUIDE, str(tmp_path / "guide.md"))
    o = RunOptions(
        version="1.2.3",
        repo=str(tmp_path),
        records=str(tmp_path / "records"),
        operator="Tester",
        date="2026-06-03",
        **opts,
    )
    return Runner(rb, o, FakeUI(), engine=engine)


def test_every_step_runs_through_the_engine_and_is_recorded(tmp_path: Path) -> None:
    engine = FakeEngine()
    run = _runner(tmp_path, engine, yes=True)
    result = run.run()
    assert (result.code, result.result, result.error) == (0, "done", None)
    assert len(engine.scripts) == 2 and "git push origin" in engine.scripts[1]
    assert '"$RELBOOK_TAG"' in engine.scripts[1] or "RELBOOK_" in engine.scripts[1]
    state = replay(read_journal(run.paths.journal))
    assert state.result == "done"
    assert [o.status for o in state.outcomes.values()] == [Status.DONE] * 3


def test_a_failing_command_stops_the_run_with_exit_1(tmp_path: Path) -> None:
    run = _runner(tmp_path, FakeEngine(codes=[3]), yes=True)
    result = run.run()
    assert result.code == 1 and isinstance(result.error, StepFailed)
    assert result.result == "failed"
    assert "exit status 3" in str(result.error)


def test_nobody_to_answer_pauses_with_exit_3(tmp_path: Path) -> None:
    engine = FakeEngine()
    result = _runner(tmp_path, engine).run()
    assert result.code == 3 and isinstance(result.error, Paused)
    assert "waiting for manual step" in str(result.error)
    assert engine.scripts == []  # nothing ran after the unanswered step


def test_a_remote_step_never_runs_without_say_so(tmp_path: Path) -> None:
    engine = FakeEngine()
    run = _runner(tmp_path, engine, answers={"release.1": "done"})
    result = run.run()
    assert result.code == 3 and "touches a remote" in str(result.error)
    assert len(engine.scripts) == 1  # the build ran, the push did not


def test_hooks_see_every_step_and_may_answer(tmp_path: Path) -> None:
    engine, hooks = FakeEngine(), Hooks()
    run = _runner(tmp_path, engine, yes=True)
    run = Runner(run.rb, run.opts, run.ui, engine=engine, hooks=hooks)
    result = run.run()
    assert result.code == 0
    ids = [s.id for s in run.plan]
    assert hooks.before == ids and hooks.recorded == ids
    manual = run.state.outcomes[ids[0]]
    assert manual.status is Status.SKIPPED and manual.reason == "the hook says so"
    assert all(o.extra.get("seen") for o in run.state.outcomes.values())


def test_the_walkthrough_engine_executes_nothing(tmp_path: Path) -> None:
    answers = {s: "done" for s in ("release.1", "release.2", "release.3")}
    run = _runner(tmp_path, WalkthroughEngine(), answers=answers)
    result = run.run()
    assert result.code == 0
    push = run.state.outcomes["release.3"]
    assert push.extra["tabletop"] and push.simulated == ["git push origin v1.2.3"]


def test_the_recorder_writes_a_journal_that_replays(tmp_path: Path) -> None:
    paths = record_paths(tmp_path, "guide", "1.2.3")
    rec = Recorder(paths)
    rec.masker = Masker(["s3cr3t-token"])
    rec.begin({"runbook": {"name": "guide"}}, ["a", "b"])
    rec.start("a", "2026-06-03T10:00:00+0000", "tok")
    o = Outcome(step_id="a", kind="shell", status=Status.DONE, text="t", output="s3cr3t-token\n")
    rec.record(o)
    assert rec.token_of("a") == "tok" and not rec.all_finished()
    rec.finish("incomplete")
    state = replay(read_journal(paths.journal))
    assert state.result == "incomplete" and state.plan == ["a", "b"]
    assert "s3cr3t-token" not in paths.journal.read_text()
    assert paths.notebook.exists()
    again = Recorder(paths)
    again.resume(state, ["a", "b", "c"], "Tester", "", {})
    assert again.state.plan == ["a", "b", "c"]
    assert again.abandon() and not again.abandon()


@pytest.mark.parametrize(("error", "code"), [(Paused("p"), 3), (StepFailed("f"), 1)])
def test_drive_holds_the_one_mapping(error: Exception, code: int) -> None:
    from relbook.run import STOPS, exit_code

    assert STOPS[type(error)].code == code
    assert exit_code(STOPS[type(error)].result) == code
    assert exit_code("done") == 0 and exit_code("incomplete") == 1
