"""Queued steps: the next steps handed to the shell server while one runs.

Python (recording a step, showing it, choosing the next) and bash (running it) take
turns when a step is handed over only once the one before has been recorded: with
two cores, one of them idles (as it would if bash waited for that record). So a
runner may pass run() the next *plain* steps (`ahead`: their text fully known now,
nothing to ask, check or decide between them; run.window chooses them), written to
the server in the same write, each marked queued; the server runs them one after the
other while relbook records.

What holds:
- each step still runs alone, in a subshell and process group of its own under
  `set -euo pipefail`, in the order handed over; the server answers each with one
  control line, in that order (`rc PID STATUS`, or `skip`);
- a failure stops the queue: a queued step runs only if the step before it exited 0
  and its output was logged (go), else the server skips it and every queued step
  after it (engines.server); relbook records the step before while it runs;
- nothing runs unrecorded: the runner journals the queued steps (one `queue` event)
  before they are handed over, and a queued step with no outcome counts as started
  when a record is resumed (it may have run); a queued step cannot start once relbook
  is gone (the output descriptor it opens is relbook's);
- withdrawing the queue (cancel) stops the server at once: SIGSTOP (it forks nothing
  more), its running step's processes killed, SIGKILL; it tells which queued steps may
  have run (those whose status had come, and the one running); the rest never will.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from relbook.datatype import datatype
from relbook.engines.pump import _Pump
from relbook.errors import RelbookError
from relbook.record.mask import Masker

if TYPE_CHECKING:
    from relbook.engines.procs import Reaper
    from relbook.engines.server import _Server

# a queued step: (script, token, marks[, bash for the server before it: run.shellsession])
Ahead = tuple[Any, ...]


@datatype
class _Queued:
    token: str
    text: str  # the bash handed over (checked against what run() is asked to run)
    pump: _Pump


class Window:
    """The steps handed over queued, oldest first (see the module's docstring)."""

    def __init__(self, reaper: Callable[[], Reaper | None]) -> None:
        self.queue: deque[_Queued] = deque()
        self.failed = False  # the last status was not 0: the server skips what is queued
        self.reaper = reaper
        self.ran: list[str] = []  # withdrawn steps that may have run, until cancel() says

    def tokens(self) -> list[str]:
        """The tokens of the queued steps (their processes are not a finished step's)."""
        return [q.token for q in self.queue]

    def attach(self, token: str, text: str, env: dict[str, str], carry: str) -> _Pump | None:
        """The pump of the queued step `token` when it is the next one (None when nothing
        is queued); anything else is refused, the queue withdrawn first."""
        if not self.queue:
            return None
        head = self.queue[0]
        same = head.token == token and head.text == text and head.pump.server.env == env
        if same and not carry and not self.failed:
            self.queue.popleft()
            return head.pump
        self.ran = self.cancel()
        raise RelbookError("a step ran out of the order it was queued in (queue withdrawn)")

    def send(
        self, server: _Server, cwd: str, items: Sequence[tuple[str, str, str]], data: bytes
    ) -> None:
        """Write `data` (a step's message, or nothing) and the queued steps `items`
        ((bash, token, bash for the server before it) each) to `server`, in one write."""
        new = []
        try:
            for text, token, before in items:
                pump = _Pump(server, None, Masker(), None, None)
                data += pump.message(text, cwd, token, before, queued=True)
                new.append(_Queued(token, text, pump))
            server.write(data)
        except BaseException:
            for q in new:
                q.pump.close()
            raise
        if not self.queue:
            self.failed = False
        self.queue.extend(new)

    def ended(self, pump: _Pump, ok: bool) -> None:
        """A step's end is known: when it exited 0 and relbook has nothing against it
        (its output was logged, it was not stopped), the next queued step may run (go),
        and is recorded while it does (a queued step with no outcome counts as started
        when a record is resumed); else nothing queued runs (the server skips it all)."""
        if pump.code == 0 and ok and self.queue and not self.failed:
            self.queue[0].pump.server.go()
        elif pump.code != 0 or not ok:
            self.failed = True

    def cancel(self) -> list[str]:
        """Withdraw every queued step; returns the tokens of those that may have run
        (of this and of any withdrawal since the last call)."""
        queue, self.queue = list(self.queue), deque()
        ran, self.ran = self.ran, []
        if queue and not self.failed:
            server = queue[0].pump.server
            running = halt(server)
            for q in queue:
                line = server.lines.popleft() if server.lines else None
                if line is not None and line.startswith(b"rc "):
                    ran.append(q.token)  # it ran to its end, unrecorded
                    if line.split()[-1] != b"0":
                        break  # the server skipped the rest
                    continue
                if line is None and running:
                    ran.append(q.token)  # it was running: killed
                    reaper = self.reaper()
                    if reaper is not None:
                        reaper.sweep(running[0], q.token)
                break
        for q in queue:
            q.pump.close()
        return ran


def halt(server: _Server) -> list[int]:
    """Stop `server` where it is: SIGSTOP (it forks no more), the processes of the step it
    runs killed, then SIGKILL; its last control lines are kept in `server.lines`.
    Returns the pids of the children it had (the running step's subshell)."""
    pid = server.proc.pid
    try:
        os.kill(pid, signal.SIGSTOP)
    except ProcessLookupError:
        pass
    children = server.children()
    for child in children:  # one just forked may not have its own group yet: both
        for kill in (os.killpg, os.kill):
            try:
                kill(child, signal.SIGKILL)
            except OSError:
                pass
    server.proc.kill()
    server.proc.wait()
    server.broken = True
    server.drain()
    return children
