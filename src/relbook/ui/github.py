"""relbook on a GitHub Actions runner: a log group per step, an error annotation at
the guide's line of a failing command, a Markdown job summary, the parameters as
step outputs, and every secret value registered with the runner's masker."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from relbook.model import Outcome, Status, Step
from relbook.ui import TerminalUI

_BAD = (Status.FAILED, Status.TIMEOUT, Status.INTERRUPTED)


def on_github(env: Mapping[str, str] | None = None) -> bool:
    """True inside a GitHub Actions job."""
    return (os.environ if env is None else env).get("GITHUB_ACTIONS") == "true"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_path(path: str, workspace: str | None = None) -> str:
    """The runbook's path as GitHub annotations want it: relative to the checkout."""
    workspace = workspace if workspace is not None else os.environ.get("GITHUB_WORKSPACE", "")
    try:
        return Path(path).resolve().relative_to(Path(workspace).resolve()).as_posix()
    except (ValueError, OSError):
        return path


class GitHubUI(TerminalUI):
    """The terminal UI, speaking the runner's workflow commands."""

    def __init__(self, out: TextIO | None = None, path: str = "") -> None:
        super().__init__(out=out, path=path)
        self.interactive = False  # nobody answers prompts on a runner
        self.file = annotation_path(path) if path else ""

    def command_line(self, text: str) -> None:
        """Print a workflow command on a line of its own."""
        self._print(text)

    def step_begin(self, n: int, total: int, step: Step, title: str) -> None:
        section = step.section or "(top)"
        self.command_line(f"::group::[{n}/{total}] {_data(section)} > {_data(title)}")
        super().step_begin(n, total, step, title)

    def step_end(self, o: Outcome) -> None:
        super().step_end(o)
        self.command_line("::endgroup::")
        if o.status in _BAD:
            code = f"exit status {o.exit_code}" if o.exit_code is not None else o.status.value
            self.error(o.failed_line or o.line, f"step {o.step_id} {o.status.value} ({code})")
        elif o.status is Status.PENDING:
            why = (
                "it needs the operator's say-so"
                if "needs_say_so" in o.extra
                else "nobody confirmed it: in a workflow job only the approval of the job's "
                "environment (its required reviewers) confirms a manual step or sign-off"
            )
            self.error(o.line, f"step {o.step_id} did not run: {why}")

    def error(self, line: int, message: str) -> None:
        """An error annotation at `line` of the runbook."""
        where = f"file={_prop(self.file)},line={line}," if self.file and line else ""
        self.command_line(f"::error {where}title=relbook::{_data(message)}")

    def add_masks(self, values: Iterable[str]) -> None:
        """Ask the runner to mask these values in its logs too."""
        for value in values:
            for line in value.splitlines():
                if line.strip():
                    self.command_line(f"::add-mask::{_data(line)}")


def write_outputs(path: str, values: Mapping[str, str | None]) -> None:
    """The parameters as step outputs (a random delimiter: no value can add an output)."""
    with open(path, "a", encoding="utf-8") as f:
        for name, value in values.items():
            if value is None:
                continue
            mark = f"RELBOOK_{secrets.token_hex(8)}"
            f.write(f"{name}<<{mark}\n{value}\n{mark}\n")


def summary_markdown(
    title: str,
    params: Mapping[str, Any],
    outcomes: list[Outcome],
    result: str,
    ci: Mapping[str, str],
) -> str:
    """The job summary: what this job did to the release, step by step."""
    head = f"### {_cell(title)} {_cell(str(params.get('version', '')))}"
    job = ci.get("job", "")
    lines = [head + (f" · job `{_cell(job)}`" if job else ""), ""]
    if outcomes:
        lines += ["| step | status | by | duration |", "|---|---|---|---|"]
        for o in outcomes:
            who = o.signer or o.operator
            took = f"{o.duration:.1f}s" if o.duration else ""
            text = _cell(o.text or o.step_id)
            status = o.status.value + (f": {_cell(o.reason)}" if o.reason else "")
            lines.append(f"| {text} | {status} | {_cell(who)} | {took} |")
        notes = [o for o in outcomes if o.kind != "shell" and o.note]
        if notes:
            lines += [""] + [f"- [x] {_cell(o.text)}: {_cell(o.note)}" for o in notes]
    else:
        lines += ["| parameter | value |", "|---|---|"]
        lines += [f"| {k} | `{_cell(str(v))}` |" for k, v in params.items() if v]
    lines += ["", f"Release record: **{result or 'running'}**."]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def write_summary(path: str, text: str) -> None:
    """Append to $GITHUB_STEP_SUMMARY."""
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)
