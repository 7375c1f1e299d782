"""What a drill is asked to do and what it found: plain data the drill, its checks and
its scorecard share (kept apart so that none of them imports another in a cycle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relbook.drill.scenario import Expectation, Fault, Scenario
from relbook.model import Outcome, Runbook


@dataclass
class DrillOptions:
    version: str
    description: str = ""
    repo: str | None = None
    scenario: str = ""
    tabletop: bool = False
    answers: dict[str, Any] = field(default_factory=dict)
    keep: bool = False
    records: str = "records"
    operator: str = ""
    date: str | None = None
    command: str = ""
    params: dict[str, str] = field(default_factory=dict)  # -p NAME=VALUE for placeholders


@dataclass
class Injection:
    fault: Fault
    step: str
    elapsed: float  # seconds since the drill started
    response: str = ""  # tabletop: what the participants said they would do
    section: str = ""  # tabletop: the section they chose to run


@dataclass
class Detection:
    step: str
    line: int
    status: str
    elapsed: float
    after_fault: float | None  # seconds from the fault's injection; None: no fault injected
    fault: str = ""


@dataclass
class Check:
    expectation: Expectation
    held: bool | None  # None: not checkable in this mode
    why: str
    implicit: bool = False


@dataclass
class Flow:
    """What one pass of the runner (release flow or response section) did."""

    section: str
    result: str = "not-run"
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str = ""  # message of the failure or pause that ended it
    failed_at: float = 0.0  # monotonic time the failure was seen


@dataclass
class DrillReport:
    rb: Runbook
    version: str
    scenario: Scenario
    mode: str
    record: Path
    scorecard: Path
    source: str
    sandbox: Path | None
    main: Flow
    response: Flow
    injected: list[Injection]
    detection: Detection | None
    checks: list[Check]
    total: float
    simulated_steps: dict[str, list[str]]
    manual: list[tuple[str, str, int]]
    paused: str = ""
    network: str = ""  # whether the steps could reach the network, and why
    signoffs: str = ""  # who signed the sign-offs (the drill's own key)

    @property
    def code(self) -> int:
        """0 when the drill went as the scenario expects, 1 when not, 3 when waiting."""
        if self.paused:
            return 3
        return 0 if all(c.held is not False for c in self.checks) else 1
