"""What the pieces of a run see of it: the Runner facade, as a protocol (no import cycle)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from relbook.engines import Engine
    from relbook.model import Outcome, Runbook, Step
    from relbook.params import Params
    from relbook.record import RecordPaths, State
    from relbook.record.mask import Masker
    from relbook.run.answers import AnswerPolicy, RiskGate
    from relbook.run.options import UI, RunOptions
    from relbook.run.recorder import Recorder
    from relbook.run.signoff import SignOffs


class RunContext(Protocol):
    """The state of one run that StepRunner and drive() work with."""

    rb: Runbook
    opts: RunOptions
    ui: UI
    engine: Engine
    recorder: Recorder
    answers: AnswerPolicy
    gate: RiskGate
    signoffs: SignOffs
    params: Params
    env: dict[str, str]
    operator: str
    repo: str

    @property
    def paths(self) -> RecordPaths: ...
    @property
    def state(self) -> State: ...
    @property
    def masker(self) -> Masker: ...

    def fill(self, text: str, line: int) -> str: ...
    def bash(self, source: str, line: int) -> str: ...
    def text(self, step: Step) -> str: ...
    def git_repo(self) -> str | None: ...

    def begin(self) -> list[Step]: ...
    def execute(self, step: Step, n: int, total: int) -> Outcome | None: ...
    def natural_result(self) -> str: ...

    plan: list[Step]

    def close(self, result: str = "") -> None: ...
    def abandon(self) -> bool: ...
