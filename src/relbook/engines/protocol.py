"""What an engine is: the Engine protocol the runner drives, and the Execution it returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from relbook.engines.outputlog import OutputLog
from relbook.record.mask import Masker


@dataclass
class Execution:
    """The result of running one script."""

    exit_code: int
    output: str
    duration: float
    timed_out: bool = False
    interrupted: bool = False
    stopped: bool = False  # a stopping signal came once the script had ended on its own
    last_line: int = 0  # script line of the command running last
    done_lines: list[int] = field(default_factory=list)  # guards that found work already done
    stray: list[str] = field(default_factory=list)  # processes killed after the step
    log_error: str = ""  # why the full log on disk is incomplete


class Engine(Protocol):
    """What runs a shell step's bash. An engine that does not execute (`executes` is
    False: the walkthrough engine of tabletop drills) has its steps shown instead."""

    name: str
    executes: bool

    def run(
        self,
        script: str,
        *,
        env: dict[str, str],
        cwd: str,
        timeout: float | None,
        masker: Masker,
        on_output: Callable[[str], None] = ...,
        on_line: Callable[[int], None] = ...,
        on_started: Callable[[], None] = ...,
        token: str = "",
        log: OutputLog | None = None,
        marks: list[int] | None = None,
        on_done: Callable[[int], None] = ...,
    ) -> Execution: ...

    def close(self) -> None: ...
