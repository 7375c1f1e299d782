"""Stopping a run by signal. SIGTERM (a CI cancel, `kill`), SIGHUP (a closed SSH
session) and SIGINT (Ctrl-C) all do the same: the running step's process group is
ended, the step is recorded as interrupted, the run as interrupted, and relbook
exits 128 + the signal's number (143, 129, 130).

A signal interrupts at once only where that is safe: while a step runs and while
relbook waits for the operator. Anywhere else (writing the journal or the
notebook) it is held until the next such place, so no record write is cut short.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from relbook.errors import Terminated

STOPPING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _State:
    installed = False
    armed = 0
    received = 0  # the first stopping signal of this run (0: none)
    raised = False  # it has been raised (a held-back one is raised once)


STATE = _State()


def _handler(signum: int, frame: object) -> None:
    STATE.received = STATE.received or signum
    if STATE.armed:  # a second signal raises again: what is stopping is killed outright
        STATE.raised = True
        raise Terminated(signum)


@contextmanager
def stopping_signals() -> Iterator[None]:
    """Handle SIGTERM, SIGHUP and SIGINT as described above while a run goes on
    (only in the main thread: elsewhere signals stay as they were)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _handler) for s in STOPPING}
    STATE.installed, STATE.received, STATE.armed, STATE.raised = True, 0, 0, False
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        STATE.installed = False


@contextmanager
def interruptible() -> Iterator[None]:
    """A place where a stopping signal may interrupt at once (a running step, a
    prompt); one held back until now interrupts on entry."""
    check()
    STATE.armed += 1
    try:
        yield
    finally:
        STATE.armed -= 1


def check() -> None:
    """Stop here if a stopping signal came while stopping was unsafe."""
    if STATE.installed and STATE.received and not STATE.raised:
        STATE.raised = True
        raise Terminated(STATE.received)


def received() -> int:
    """The stopping signal this run received (0: none; Ctrl-C without our handler)."""
    return STATE.received if STATE.installed else 0
