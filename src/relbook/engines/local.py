"""The local engine: steps run in this machine's bash, through the shell server."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from relbook.engines.outputlog import OutputLog
from relbook.engines.procs import Reaper
from relbook.engines.protocol import Execution
from relbook.engines.pump import _Pump
from relbook.engines.server import TRACE_FD, TRACE_FD_VAR, _Server
from relbook.engines.window import Ahead, Window
from relbook.record.mask import Masker

HEADER = "set -euo pipefail\n"
HEADER_LINES = HEADER.count("\n")


class LocalEngine:
    """Runs bash steps on this machine."""

    name = "local"
    executes = True
    _server: _Server | None = None
    _reaper: Reaper | None = None
    _window: Window | None = None
    # where a stopping signal may interrupt: the wait for a step (the runner sets it)
    interruptible: Callable[[], AbstractContextManager[Any]] = nullcontext

    def __init__(self, wrapper: tuple[str, ...] = ()) -> None:
        self.wrapper = wrapper  # argv prefix the shell runs under (a drill's netns)

    def server(self, env: dict[str, str]) -> _Server:
        """The shell server for this environment (started, or restarted, on demand)."""
        srv = self._server
        # not asked whether it still runs (a system call per step): a server gone since
        # the last step fails the hand-off (EPIPE), and run() starts another
        if srv is not None and (srv.broken or srv.env != env):
            self.drop_server()
        if self._server is None:
            if self._reaper is None:  # before the server starts: its orphans come here
                self._reaper = Reaper()
            self._server = _Server(dict(env), self.wrapper)
            self._reaper.expect(self._server.proc.pid)
        return self._server

    def drop_server(self) -> None:
        """Stop the shell server (the next step starts a new one)."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def close(self) -> None:
        """Release what the engine holds (its shell server; the subreaper role)."""
        self.cancel()
        self.drop_server()
        if self._reaper is not None:
            self._reaper.close()
            self._reaper = None

    carries = True  # run(carry=...): the server holds a session's variables

    def run(
        self,
        script: str,
        *,
        env: dict[str, str],
        cwd: str,
        timeout: float | None,
        log_path: Path | None = None,
        masker: Masker,
        on_output: Callable[[str], None] = lambda s: None,
        on_line: Callable[[int], None] = lambda n: None,
        on_started: Callable[[], None] = lambda: None,
        token: str = "",
        log: OutputLog | None = None,
        marks: list[int] | None = None,
        on_done: Callable[[int], None] = lambda n: None,
        on_ascii: Callable[[bytes], None] | None = None,
        carry: tuple[str, Callable[[], str]] | None = None,
        ahead: Sequence[Ahead] = (),
    ) -> Execution:
        """Run `script` (a step's bash) and return what happened. `marks` are the script
        lines where its commands begin (the running one is reported to `on_line`; a
        resume guard that finds a command's work done reports its line to `on_done`);
        output goes to `log` (or a log of its own at `log_path`) and `on_output` (ASCII
        output with nothing to mask to `on_ascii` instead, as bytes, when given); `token` (32 hex
        digits) marks the step's processes in their environment, for finding them
        after a crash; `on_started` runs while bash starts (the runner syncs its
        journal there). `carry` is bash for the shell server itself, run before the step
        is forked: (what changed since the last step, everything) -- a server that is
        new gets everything (see run.session). `ahead` are the steps to hand over
        queued behind this one (see engines.window); a step handed over so is run by
        calling run() with its token, in the same order."""
        token = token or os.urandom(16).hex()
        started = time.monotonic()
        own = log is None
        if log is None:
            log = OutputLog(log_path or Path(os.devnull))
        text, only = traced(script, marks)
        try:
            items = [(HEADER + traced(s, m)[0], t, "".join(b)) for s, t, m, *b in ahead]
            pump = self.window.attach(token, HEADER + text, env, carry[0] if carry else "")
            if pump is not None:
                if items:
                    self.window.send(pump.server, cwd, items, b"")
            else:
                pump = self._start(HEADER + text, env, cwd, token, carry, items)
            pump.log, pump.masker, pump.on_output, pump.on_line = log, masker, on_output, on_line
            pump.interruptible = self.interruptible
            pump.on_done, pump.on_ascii = on_done, on_ascii
            if only:
                pump.last_line = only
                on_line(only)
            try:
                on_started()
            except BaseException:
                pump.abort()
                raise
            result = pump.run(timeout, started)
        except OSError as e:
            self.window.ran = self.window.cancel()  # the runner asks for them (cancel)
            self.drop_server()
            from relbook.errors import RelbookError

            raise RelbookError(f"cannot start bash: {e.strerror or e}") from None
        finally:
            if own:
                log.close()
        result.log_error = log.error
        stop = log.error or result.interrupted or result.stopped or result.timed_out
        self.window.ended(pump, not stop)
        if pump.pid:
            result.stray = self._reaper.sweep(pump.pid, token, spare=self.window.tokens())
        return result

    def _start(
        self,
        text: str,
        env: dict[str, str],
        cwd: str,
        token: str,
        carry: tuple[str, Callable[[], str]] | None,
        items: list[tuple[str, str, str]],
    ) -> _Pump:
        """Hand a step over (and `ahead`, queued behind it) in one write."""
        for again in (True, False):
            server = self.server(env)
            pump = _Pump(server, None, Masker(), None, None)
            held = (carry[1]() if server.fresh else carry[0]) if carry else ""
            server.fresh = False
            try:
                data = pump.message(text, cwd, token, held)
                self.window.send(server, cwd, items, data)
                return pump
            except BrokenPipeError:  # the server ended since the last step
                pump.close()
                if not again:
                    raise
                self.drop_server()
        raise AssertionError("unreachable")

    @property
    def window(self) -> Window:
        """The steps handed over queued behind the running one (see engines.window)."""
        if self._window is None:
            self._window = Window(self._reaper_of)
        return self._window

    def _reaper_of(self) -> Reaper | None:
        return self._reaper

    def cancel(self) -> list[str]:
        """Withdraw the queued steps; returns the tokens of those that may have run (the
        rest surely did not). The shell server is stopped if any was outstanding."""
        if self._window is None:
            return []
        if not self._window.queue:
            return self._window.cancel()
        ran = self._window.cancel()
        self.drop_server()
        return ran


_CONNECTOR = re.compile(r"(?:&&|\|\|?|\|&|\\)\s*(?:#.*)?$")


def traced(script: str, marks: list[int] | None) -> tuple[str, int]:
    """`script` with a line printed to the trace descriptor before each command that
    begins on a line in `marks` (1-based); for a one-command script no marker at all,
    and its line is returned instead (0 otherwise). A command continuing the one
    before it (after `&&`, `|`, a backslash) gets no marker: that would split them."""
    marks = [1] if marks is None else marks
    if len(marks) <= 1:
        return script, marks[0] if marks else 0
    lines = script.split("\n")
    for m in marks:
        if not 0 < m <= len(lines) or _continues(lines, m - 1):
            continue
        lines[m - 1] = f"printf '\\0relbook at {m}\\n' >&{TRACE_FD} || :; " + lines[m - 1]
    return "\n".join(lines), 0


def trace_note(kind: str, line: int) -> str:
    """Bash that tells the engine `kind LINE` (e.g. `done 12`) through the trace."""
    return f"printf '\\0relbook {kind} %s\\n' {line} >&\"${TRACE_FD_VAR}\""


def _continues(lines: list[str], i: int) -> bool:
    """Whether line i continues the command on the lines before it."""
    for prev in reversed(lines[:i]):
        text = prev.strip()
        if text and not text.startswith("#"):
            return bool(_CONNECTOR.search(text))
    return False
