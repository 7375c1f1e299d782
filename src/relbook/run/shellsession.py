"""The engine side of the run's one session (run.session): each step runs in it, and
steps that change it can be handed over queued behind one another.

A step that changes the session writes its state (`declare -p` of the names it may
change) to a channel that relbook reads after the step, and relbook gives the shell
server what changed with the next step it hands over. A step queued behind it is
handed over before that: then the step writes to a channel of its own, and the step
queued behind it comes with one line of bash for the server, run after the step has
ended and before the next one is forked, that takes the change from that channel
itself (the names unset, the declarations read back). relbook reads the same channel
when the step's turn comes, and knows the server holds what it wrote
(Session.server_took). Only a change the server can take exactly is taken so
(Session.server_takes): no `cd`, no name read from anything but the text, nothing
readonly or that the server must not hold; a step that ends before writing its
state (it failed, or exited early) writes nothing and the server takes nothing.
"""

from __future__ import annotations

import shlex
from typing import Any

from relbook.datatype import datatype
from relbook.record.mask import Masker
from relbook.run.session import (
    Session,
    close_channel,
    may_change,
    open_channel,
    read_channel,
)


@datatype
class _Handed:
    """A step as handed over: its bash, how many lines come before its script, and the
    channel of its own it writes its state to (fd -1: the session's)."""

    text: str
    shift: int
    names: list[str] | None = None
    fd: int = -1
    path: str = ""
    taken: bool = False  # the server takes its change itself (the next step was queued)

    def take_line(self) -> str:
        """Bash for the server: take the change this step wrote (see the module)."""
        path = shlex.quote(self.path)
        names = " ".join(self.names or ())
        unset = f"unset -v {names}; " if names else ""
        return f"if [[ -s {path} ]]; then {unset}. {path}; fi"

    def close(self) -> None:
        if self.fd >= 0:
            close_channel(self.fd, self.path)
            self.fd = -1


class SessionEngine:
    """An engine that runs every step in the run's one session: the carried variables
    before the step's script, its state saved after it, the carried working directory
    instead of the repository. Everything else is the wrapped engine's."""

    def __init__(self, engine: Any, home: str) -> None:
        object.__setattr__(self, "engine", engine)
        object.__setattr__(self, "session", Session(home))
        object.__setattr__(self, "handed", {})  # token -> _Handed, of the queued steps
        object.__setattr__(self, "tail", None)  # the last step handed over, if it has a channel
        # channels of steps that ran, kept until the server is surely past the step after
        # them (it reads a step's channel before it forks the next one)
        object.__setattr__(self, "retired", [])
        self.session.carrying = bool(getattr(engine, "carries", False))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.engine, name, value)

    def queueable(self, script: str) -> bool:
        """Whether a step running `script` can be handed over queued behind another, or
        have another queued behind it (as far as the session goes)."""
        return not may_change(script) or self.session.server_takes(script) is not None

    def run(self, script: str, *, env: dict[str, str], masker: Masker, **kw: Any) -> Any:
        """Run a step's `script` in the session (see the engine's run for the rest)."""
        session, last = self.session, [0]
        if session.baseline is None and may_change(script):  # what an untouched step sees
            session.probe(self.engine, env, masker)
        handed = self.handed.pop(kw.get("token", ""), None)  # queued: as handed over
        if handed is None:
            handed = self._hand(script)
            object.__setattr__(self, "tail", handed if handed.fd >= 0 else None)
        if kw.get("ahead"):  # queued behind it (run.pipeline)
            kw["ahead"] = [self._queued(*item) for item in kw["ahead"]]
        text, shift = handed.text, handed.shift
        lines, on_line = script.count("\n") + 1, kw.pop("on_line", lambda n: None)

        def on_script_line(n: int) -> None:
            if 0 < n - shift <= lines:
                last[0] = n - shift
            on_line(n - shift)

        marks = kw.pop("marks", None)
        kw["cwd"] = session.cwd
        if session.carrying:
            kw["carry"] = session.carry()
        try:
            ex = self.engine.run(
                text,
                env=env,
                masker=masker,
                on_line=on_script_line,
                marks=[m + shift for m in marks] if marks is not None else None,
                **kw,
            )
            ex.last_line = last[0]  # the guide's line, not the prelude's or the capture's
            if handed.fd >= 0:
                dump = read_channel(handed.fd, empty=False)  # the server may read it still
                session.take(dump, handed.names)
                if handed.taken and dump:  # the server took the same (see the module)
                    session.server_took(handed.names or [])
            else:
                session.take(session.read(), session.captured)
        finally:
            self._retire(handed)
        return ex

    def _retire(self, handed: _Handed) -> None:
        """The step `handed` ran (its status came): the server has read the channels of
        the steps before it; its own is kept until the next step's status comes."""
        for old in self.retired:
            old.close()
        self.retired[:] = [handed] if handed.fd >= 0 else []
        if self.tail is handed:
            object.__setattr__(self, "tail", None)

    def _hand(self, script: str) -> _Handed:
        """Wrap a step for the session: with a channel of its own when the server can
        take its change (a step may be queued behind it)."""
        names = self.session.server_takes(script) if may_change(script) else None
        if names is None:
            return _Handed(*self.session.wrap(script))
        fd, path = open_channel()
        text, shift = self.session.wrap(script, (path, names))
        return _Handed(text, shift, names, fd, path)

    def _queued(self, script: str, token: str, marks: list[int] | None) -> tuple[Any, ...]:
        """A step handed over queued: (bash, token, marks, bash for the server before it)."""
        if not self.queueable(script):
            raise ValueError("a step whose change the server cannot take cannot be queued")
        handed = self._hand(script)
        before = ""
        if self.tail is not None:  # the step before it changes the session: the server takes it
            before = self.tail.take_line()
            self.tail.taken = True
        object.__setattr__(self, "tail", handed if handed.fd >= 0 else None)
        self.handed[token] = handed
        shifted = [m + handed.shift for m in marks] if marks is not None else None
        return handed.text, token, shifted, before

    def cancel(self) -> list[str]:
        """Withdraw the queued steps (see the engine's cancel); their channels go."""
        ran = self.engine.cancel()
        self._drop_handed()
        return ran

    def _drop_handed(self) -> None:
        for handed in [*self.handed.values(), *self.retired]:
            handed.close()
        self.handed.clear()
        self.retired.clear()
        object.__setattr__(self, "tail", None)

    def close(self) -> None:
        """Close the wrapped engine and the session's channels."""
        self.engine.close()
        self._drop_handed()
        self.session.close()
