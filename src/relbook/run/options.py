"""What a run is asked to do (its options), what it needs from a screen, and what it returns."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from relbook.datatype import datatype, field
from relbook.model import Outcome, Status, Step

if TYPE_CHECKING:
    from relbook.record import State


@datatype
class Answer:
    """An operator's answer to a manual step or instruction."""

    status: Status
    reason: str = ""
    note: str = ""
    signer: str = ""
    by: str = ""
    automate: bool = False


@datatype
class RunOptions:
    version: str
    description: str = ""
    repo: str = "."
    records: str = "records"
    dry_run: bool = False
    yes: bool = False
    answers: dict[str, Any] = field(default_factory=dict)
    section: str = ""
    from_step: str = ""
    timeout: float | None = None
    operator: str = ""
    rerun_interrupted: bool = False
    allow_changed: bool = False
    new_attempt: bool = False
    allow_dirty: bool = False
    mask: list[str] = field(default_factory=list)
    date: str | None = None
    override_blackout: str = ""
    drill: bool = False
    env: dict[str, str] = field(default_factory=dict)  # extra environment (drill shims)
    engine: str = "local"
    command: str = ""  # how this run was started, for the resume hint
    job: str = ""  # one job of an exported workflow: "begin", or steps "FIRST..LAST"
    ci: dict[str, str] = field(default_factory=dict)  # the CI run (url, job, attempt)
    allow_bump: str = ""  # release a smaller bump than the history implies ...
    bump_reason: str = ""  # ... for this recorded reason
    params: dict[str, str] = field(default_factory=dict)  # -p NAME=VALUE, --params FILE
    json: bool = False  # a dry run returns its plan as a document (relbook.plan/1)
    signer: str = ""  # --signer NAME: the operator signs their own sign-offs as NAME
    signing_key: str = ""  # the SSH key they sign with (default: git's user.signingkey)
    signing: Any = None  # an Identity given outright (a drill signs as itself)
    allowed_signers: str = ""  # judges signatures instead of the runbook's (a drill's)
    approvals: dict[str, Any] = field(default_factory=dict)  # step id -> GitHub approval
    wait_signoffs: float = 0.0  # seconds a run waits at a sign-off for its signer


class UI(Protocol):
    """What the runner needs from the terminal (cli provides it)."""

    interactive: bool

    def info(self, text: str) -> None: ...
    def step_begin(self, n: int, total: int, step: Step, title: str) -> None: ...
    def command(self, line: int, text: str) -> None: ...
    def output(self, text: str) -> None: ...
    def step_end(self, outcome: Outcome) -> None: ...
    def ask(self, step: Step, text: str, *, signoff: bool, automation: str) -> Answer: ...
    def confirm(self, question: str) -> bool: ...


@datatype
class RunResult:
    """How a run ended: its exit status, record, final state, and what stopped it."""

    code: int
    record: Path | None
    state: State | None = None
    error: BaseException | None = None  # the Paused, StepFailed or Interrupted that stopped it
    plan: dict[str, Any] | None = None  # the dry run's plan document, with --json

    @property
    def result(self) -> str:
        """The record's result: done, incomplete, failed, paused, interrupted."""
        return self.state.result if self.state else ""
