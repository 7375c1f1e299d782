"""One terminal session across a guide's blocks: the variables a step sets and its
working directory carry to the following steps, as when a person pastes the
blocks into one terminal.

Each step runs in a fresh subshell of the engine's long-lived bash. Its script
starts with the carried declarations (one line) and ends by writing `declare -p`
of the variables it may change (the names its text assigns: run.assigned; all
of them when that cannot be read from the text) to a memory file that relbook
reads after the step: what changed against the previous state is carried on and
journaled (secret values masked)."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from relbook.errors import Paused
from relbook.record.mask import SECRET_NAME, Masker
from relbook.run.assigned import held_by_server, held_line, names_to_capture
from relbook.run.declared import declaration, declared_flags, declared_value, is_masked, masked_line

# Variables bash sets itself, or that describe the subshell rather than the session.
_VOLATILE = (
    "BASH BASHOPTS BASHPID BASH_ALIASES BASH_ARGC BASH_ARGV BASH_ARGV0 BASH_CMDS "
    "BASH_COMMAND BASH_EXECUTION_STRING BASH_LINENO BASH_LOADABLES_PATH BASH_REMATCH "
    "BASH_SOURCE BASH_SUBSHELL BASH_VERSINFO BASH_VERSION COMP_WORDBREAKS DIRSTACK "
    "EPOCHREALTIME EPOCHSECONDS EUID FUNCNAME GROUPS HISTCMD HOSTNAME HOSTTYPE IFS LINENO "
    "MACHTYPE OLDPWD OPTERR OPTIND OSTYPE PIPESTATUS PPID PS1 PS2 PS3 PS4 PWD RANDOM "
    "SECONDS SHELLOPTS SHLVL SRANDOM UID _ COLUMNS LINES RELBOOK_STEP_TOKEN "
    "RELBOOK_TRACE_FD"
)
VOLATILE = frozenset(_VOLATILE.split())
_RC = "__rb_rc"
_DROP: Any = object()  # Session._change: the variable is as the baseline has it
# What can change a shell's variables or directory; a step with none of these leaves
# the session as it was, and skips writing it out (that costs more than a trivial step).
_CHANGES = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=|\(\(|:=|(?:^|[\s;&|({`])(?:export|declare|"
    r"typeset|local|readonly|read|unset|cd|pushd|popd|source|eval|mapfile|readarray|let|getopts|"
    r"shift|for|select|printf\s+-v|\.)(?=\s|$)"
)


# what makes a variable one the server could not drop again (server_takes)
_FIXED = re.compile(
    r"(?:^|[\s;&|({`!])(?:readonly|local|(?:declare|typeset)\s+(?:-[A-Za-z]+\s+)*"
    r"-[A-Za-z]*r[A-Za-z]*)(?=\s|$)"  # -r, -rx, -xr: the flag anywhere in its cluster
)


@lru_cache(maxsize=256)
def _server_names(script: str) -> tuple[str, ...] | None:
    """The names of Session.server_takes as the script alone decides them (a step's
    script is asked about when it is queued, led and handed over)."""
    if _FIXED.search(script):
        return None
    names = names_to_capture(script)
    if names is None or "PWD" in names:
        return None
    names = [n for n in names if n not in VOLATILE and not n.startswith("__rb_")]
    if not all(held_by_server(n, None) for n in names):
        return None
    return tuple(names)


def may_change(script: str) -> bool:
    """True when bash running `script` may set a variable or change directory."""
    return bool(_CHANGES.search(script))


def capture_line(path: str, names: list[str] | None = None) -> str:
    """Bash that ends a step: keep its exit status, write the session state (every
    variable, or only `names`: see run.assigned; no names, nothing: `declare -p` alone
    would print every variable) after a first line `#`, exit. A name that is not set
    makes `declare -p` complain: to no descriptor (opening /dev/null costs a trivial
    step a tenth of its time)."""
    what = "" if names is None else "".join(f" {n}" for n in names)
    dump = "" if names == [] else f" builtin declare -p{what} || :;"
    return (
        f"{_RC}=$?; : __rb; unset -v __rb_s __rb_h __rb_n __rb_m __rb_pid; "
        f"{{ builtin echo '#';{dump} }} >{shlex.quote(path)} 2>&-; "
        f"exit ${_RC}"
    )


def parse_dump(text: str) -> tuple[dict[str, str], str]:
    """`declare -p` output -> (name -> its declaration line, the working directory);
    bash's own variables and relbook's are left out."""
    out: dict[str, str] = {}
    pwd, last = "", ""
    for line in text.removesuffix("\n").split("\n"):
        if line.startswith("declare -"):
            name = line.split(" ", 3)[2].split("=", 1)[0] if line.count(" ") >= 2 else ""
            last = ""
            if name == "PWD":
                pwd = declared_value(line) or ""
            elif name and not name.startswith("__rb_") and name not in VOLATILE:
                out[name], last = line, name
        elif last:  # a value with a raw newline (older bash)
            out[last] += "\n" + line
    return out, pwd


def open_channel() -> tuple[int, str]:
    """A channel a step writes its state to: a memory file of this process (secrets in
    it never reach a disk), as (descriptor, the path a step opens)."""
    try:
        fd = os.memfd_create("relbook-session", os.MFD_CLOEXEC)
        return fd, f"/proc/{os.getpid()}/fd/{fd}"
    except (AttributeError, OSError):  # no memfd: a private temporary file
        import tempfile

        return tempfile.mkstemp(prefix="relbook-session-")


def close_channel(fd: int, path: str) -> None:
    """Release a channel (open_channel)."""
    os.close(fd)
    if not path.startswith("/proc/"):
        try:
            os.unlink(path)
        except OSError:
            pass


def read_channel(fd: int, empty: bool = True) -> str:
    """What a step wrote to a channel (a memory file), which is emptied unless it is
    still to be read by the shell server (run.shellsession)."""
    size = os.fstat(fd).st_size
    if not size:
        return ""
    data = os.pread(fd, size, 0)
    if empty:
        os.ftruncate(fd, 0)
    return data.decode("utf-8", "surrogateescape")


@dataclass
class Delta:
    """What one step changed: variables set (declaration lines), unset, and cwd."""

    set: dict[str, str] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)
    cwd: str = ""

    def __bool__(self) -> bool:
        return bool(self.set or self.unset or self.cwd)


class Session:
    """The carried state of a run: declarations on top of what a step starts with."""

    def __init__(self, home: str) -> None:
        self.home = home  # where a clean session starts (the repository)
        self.cwd = home
        self.vars: dict[str, str | None] = {}  # name -> declaration; None: unset
        self.baseline: dict[str, str] | None = None  # what an untouched step sees
        self.last_dump: tuple[tuple[str, ...] | None, str] = (None, "")
        self.captured: list[str] | None = None  # what the last wrapped step writes out
        self.carrying = False  # the engine's shell server holds the variables (carry())
        self.held: dict[str, str | None] = {}  # what it holds, as last sent
        self._prelude: str | None = ""
        # kept as the variables change, so a step costs what it changed, not what the
        # session holds: the variables each step declares itself (not held: see carry),
        # the names changed since the last carry (None: look at all), and what the
        # names a step changed held before it (see note_change)
        self._own: dict[str, str | None] = {}
        self._dirty: dict[str, None] | None = None
        self._was: dict[str, str | None] = {}
        self.fd: int | None = None
        self._fd_path = ""

    # -- the channel ---------------------------------------------------------
    def path(self) -> str:
        """Where a step writes its state (a memory file of this process: secrets in
        it never reach a disk)."""
        if self.fd is None:
            self.fd, self._fd_path = open_channel()
        return self._fd_path

    def read(self) -> str:
        """What the last step wrote ("" if it wrote nothing), and empty the channel."""
        return "" if self.fd is None else read_channel(self.fd)

    def close(self) -> None:
        """Release the channel."""
        if self.fd is not None:
            close_channel(self.fd, self._fd_path)
            self.fd = None

    # -- state ---------------------------------------------------------------
    def reset(self) -> None:
        """A clean start: nothing carried, back in the repository."""
        for name, line in self.vars.items():
            self._was.setdefault(name, line)
        self.vars.clear()
        self._own.clear()
        self._dirty = None
        self.cwd = self.home
        self._prelude = ""
        self.last_dump = (None, "")

    def begin_step(self, clean: bool, extra: dict[str, Any]) -> tuple[dict[str, str | None], str]:
        """Before a shell step: start afresh if it asks to (noted in `extra`); returns
        what the names the step changes held before it (filled in as they change) and
        the directory it starts in."""
        if clean:
            self.reset()
            extra["session"] = {"clean": True}
        self._was = {}
        return self._was, self.cwd

    def set_baseline(self, dump: str) -> None:
        """What an untouched step sees (the engine's environment, nothing carried)."""
        self.baseline = parse_dump(dump)[0]

    def wrap(self, script: str, channel: tuple[str, list[str]] | None = None) -> tuple[str, int]:
        """The bash a step runs: the carried variables (one line, if any), the step's
        script, then its state written out (to the session's channel, or `channel`:
        (path, names)); and how many lines come before the script."""
        prelude = self.prelude()
        body = f"{prelude}\n{script}" if prelude else script
        if not may_change(script):
            self.captured = []
            return body, 1 if prelude else 0
        path, self.captured = channel or (self.path(), names_to_capture(script))
        return f"{body}\n{capture_line(path, self.captured)}", 1 if prelude else 0

    def server_takes(self, script: str) -> list[str] | None:
        """The names a step that changes the session writes out when the engine's shell
        server can take that change itself, from what the step wrote (so the next step
        can be handed over before relbook has read it: run.shellsession); None when
        it cannot: a server that holds nothing, no baseline yet, a `cd`, a name that is
        not read from the text, one the server must not hold or readonly."""
        if not self.carrying or self.baseline is None:
            return None
        names = _server_names(script)
        if names is None or (self._own and any(n in self._own for n in names)):
            return None
        return list(names)

    def server_took(self, names: list[str]) -> None:
        """The server took the change of these names itself (server_takes): it holds
        them as the session has them now."""
        for n in names:
            if n in self.vars:
                self.held[n] = self.vars[n]
            else:
                self.held.pop(n, None)
            if self._dirty is not None:
                self._dirty.pop(n, None)

    def probe(self, engine: Any, env: dict[str, str], masker: Masker) -> None:
        """Learn what an untouched step sees (run once, before the first step)."""
        engine.run(capture_line(self.path()), env=env, cwd=self.home, timeout=30, masker=masker)
        self.set_baseline(self.read())

    def prelude(self) -> str:
        """One line of bash that restores the carried variables ("" when none): those the
        engine's server does not hold for every step (see carry)."""
        if self._prelude is None:
            own = self._own if self.carrying else self.vars
            self._prelude = "; ".join(
                f"unset -v {name}" if line is None else line for name, line in own.items()
            )
        return self._prelude

    def carry(self) -> tuple[str, Callable[[], str]]:
        """Bash for the engine's shell server before the next step: what changed since
        the last step, and (when asked: a server that is new) everything. The server
        then holds the variables, so a step no longer starts by declaring them all."""
        held, base, delta = self.held, self.baseline or {}, []
        names = self._dirty if self._dirty is not None else {**self.vars, **held}
        self._dirty = {}
        for n in names:  # only what changed: the rest the server holds as it was sent
            line = self.vars.get(n, "")
            if n in self.vars and (held.get(n, "") == line or held_by_server(n, line)):
                if held.get(n, "") != line:
                    delta.append(held_line(n, line))
                held[n] = line
            elif n in held:  # given back to the step (the prelude), or no longer carried
                delta.append(held_line(n, base.get(n)))
                del held[n]
        return "\n".join(delta), lambda: "\n".join(held_line(n, v) for n, v in held.items())

    def values(self) -> dict[str, str]:
        """Carried scalar values by name (to read a command's words)."""
        out = {}
        for name, line in self.vars.items():
            if line is not None and (v := declared_value(line)) is not None:
                out[name] = v
        return out

    def take(self, dump: str, names: list[str] | None = None) -> Delta:
        """Fold a step's `declare -p` (of every variable, or of `names`) into the session;
        returns what changed."""
        key = (None if names is None else tuple(names), dump)
        if not dump or key == self.last_dump:  # not written (the step failed), or no news
            return Delta()
        self.last_dump = key
        now, pwd = parse_dump(dump)
        expected = self.now  # what each name held before the step
        if names is None:
            every = {**(self.baseline or {}), **self.vars}
            gone = [n for n, line in every.items() if line is not None and n not in now]
        else:  # a name written out that is not there was unset (or never set)
            gone = [n for n in names if n not in now and expected(n) is not None]
        moved = pwd and pwd != self.cwd and (names is None or "PWD" in names)
        delta = Delta(
            {n: line for n, line in now.items() if expected(n) != line},
            gone,
            pwd if moved else "",
        )
        self.apply(delta)
        return delta

    def apply(self, delta: Delta) -> None:
        """Carry a change on (a step's, or a journaled one when a run resumes)."""
        base = self.baseline or {}
        for name, line in delta.set.items():
            self._change(name, _DROP if base.get(name) == line else line)
        for name in delta.unset:
            self._change(name, None if name in base or self.baseline is None else _DROP)
        if delta.cwd:
            self.cwd = delta.cwd

    def _change(self, name: str, line: str | None) -> None:
        """Carry `line` for `name` (None: unset; _DROP: as the baseline has it)."""
        self._was.setdefault(name, self.now(name))
        if self._dirty is not None:
            self._dirty[name] = None
        if line is _DROP:
            self.vars.pop(name, None)
        else:
            self.vars[name] = line
        own = line is not _DROP and not held_by_server(name, line)
        if own:
            self._own[name] = line
        if own or self._own.pop(name, 0) != 0 or not self.carrying:
            self._prelude = None

    def now(self, name: str) -> str | None:
        """What `name` holds in the session: carried, or as an untouched step sees it."""
        return self.vars[name] if name in self.vars else (self.baseline or {}).get(name)

    def masked(self) -> list[str]:
        """Carried variables whose value the journal masked (a resumed run needs them)."""
        return [n for n, line in self.vars.items() if line is not None and is_masked(line)]

    def provide(self, name: str, value: str) -> None:
        """Give a masked variable its value again."""
        line = self.vars.get(name) or ""
        self._change(name, declaration(declared_flags(line), name, value))


def journaled(delta: Delta, secret: Iterable[str]) -> dict[str, Any]:
    """A step's change as the journal keeps it: declarations, secret values masked."""
    hidden = set(secret) & set(delta.set)
    out: dict[str, Any] = {}
    if delta.set:
        out["set"] = {
            n: (masked_line(line) if n in hidden else line) for n, line in delta.set.items()
        }
    if delta.unset:
        out["unset"] = list(delta.unset)
    if delta.cwd:
        out["cwd"] = delta.cwd
    if hidden:
        out["secret"] = sorted(hidden)
    return out


def delta_from_journal(data: Mapping[str, Any]) -> Delta:
    """A journaled change back as a Delta (masked secrets still masked)."""
    return Delta(dict(data.get("set", {})), list(data.get("unset", [])), str(data.get("cwd", "")))


def secret_values(delta: Delta, names: Iterable[str]) -> list[str]:
    """The values of the named variables of `delta` (to mask from now on)."""
    out = []
    for name in names:
        v = declared_value(delta.set.get(name, ""))
        if v:
            out.append(v)
    return out


# -- the runner's side --------------------------------------------------------------


def note_change(
    session: Session,
    before: dict[str, str | None],
    cwd: str,
    masker: Masker,
    mask: list[str],
    extra: dict[str, Any],
) -> list[str]:
    """Note in `extra` (the step's outcome) what the step changed in the session, as
    journaled (secrets masked); returns the secret values it set (to mask from now on)."""
    now = session.now  # `before`: what the names the step changed held before it
    delta = Delta(  # a variable of the environment unset is journaled too (a resume unsets it)
        {n: v for n in before if (v := now(n)) is not None and before[n] != v},
        [n for n in before if now(n) is None and before[n] is not None],
        session.cwd if session.cwd != cwd else "",
    )
    if not delta:
        return []
    known = [s for s in masker.secrets if s]
    secret = []
    for name, line in delta.set.items():
        value = declared_value(line) or ""
        if SECRET_NAME.search(name) or name in mask or any(k in value for k in known):
            secret.append(name)
    extra.setdefault("session", {}).update(journaled(delta, secret))
    return [v for n in secret if (v := declared_value(delta.set[n]))]


def restore(session: Session, events: list[dict[str, Any]]) -> None:
    """Replay the session changes a record's journal holds, in order."""
    for e in events:
        if e.get("event") == "begin":
            session.reset()
        if e.get("event") != "outcome":
            continue
        data = e["outcome"].get("extra", {}).get("session")
        if not data:
            continue
        if data.get("clean"):
            session.reset()
        session.apply(delta_from_journal(data))


def unmask(session: Session, env: Mapping[str, str], ui: Any, path: str, command: str) -> list[str]:
    """Give the masked variables of a restored session their values: from `env`, or
    asked on a terminal; refuse to go on (Paused) without them. Returns the values."""
    missing, values = [], []
    for name in session.masked():
        value = env.get(name)
        if value is None and ui.interactive and hasattr(ui, "secret"):
            value = ui.secret(
                f"an earlier step set the secret {name}; the record keeps it masked. "
                f"Value of {name}:"
            )
        if value is None:
            missing.append(name)
            continue
        session.provide(name, value)
        values.append(value)
    if missing:
        raise Paused(
            f"{path}: earlier steps set {', '.join(missing)}, which the record keeps masked; "
            f"give {'it' if len(missing) == 1 else 'them'} in the environment "
            f"({missing[0]}=... {command or 'relbook run ...'}) or run on a terminal to be asked"
        )
    return values


def with_secrets(masker: Masker, values: Iterable[str]) -> Masker:
    """`masker`, also masking `values` (the same masker when there are none new)."""
    new = {v for v in values if v} - set(masker.secrets)
    if not new:
        return masker
    return Masker(sorted({*masker.secrets, *new}, key=len, reverse=True))


def run_in_session(run: Any, step: Any, outcome: Any, shell: Callable[[], None]) -> None:
    """Run a shell step (`shell`) in the run's session and journal what it changed there
    (the runner's side of the session; `run` is the run's context)."""
    session = run.engine.session
    before = session.begin_step(bool(step.directives.get("clean")), outcome.extra)
    shell()
    args = (session, *before, run.recorder.masker, run.opts.mask, outcome.extra)
    run.recorder.masker = with_secrets(run.recorder.masker, note_change(*args))


def restore_session(run: Any) -> None:
    """A resumed run carries on the session its finished steps left (see unmask)."""
    session = run.engine.session
    restore(session, run.recorder.journal.events)
    env = {**os.environ, **run.opts.env}
    values = unmask(session, env, run.ui, run.rb.path, run.opts.command)
    run.recorder.masker = with_secrets(run.recorder.masker, values)
