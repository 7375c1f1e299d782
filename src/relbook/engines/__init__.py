"""Engines run a shell step's bash and report what happened.

The local engine keeps one long-lived `bash --noprofile --norc` (restarted when
the environment changes or it dies) that forks a subshell per step, each in a
process group of its own under `set -euo pipefail`. A step is handed over in
one write: a fixed-size header and the script, which bash reads with two
`read -N` (length-prefixed reads, not a byte per system call). The engine
streams the step's output live (masked), keeps a bounded copy for the record
and the full log on disk, learns which command is running from a marker line
the script prints before each of its commands (none for a one-command step) into
the same pipe as the output, so that the two never race (see TRACE_MARK),
and after the step (or on timeout or Ctrl-C) kills the step's group and
anything it left behind (see procs: relbook is the subreaper of its run).
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from relbook.engines.procs import STEP_TOKEN_VAR, Reaper, kill_marked
from relbook.record.mask import Masker

__all__ = [
    "STEP_TOKEN_VAR",
    "TRACE_FD_VAR",
    "Engine",
    "Execution",
    "LocalEngine",
    "OutputLog",
    "kill_marked",
    "trace_note",
]

KEEP_BYTES = 1 << 20  # about 1 MiB of output per step kept in the record
TRACE_FD_VAR = "RELBOOK_TRACE_FD"
TRACE_FD = 6
# Trace lines (`at LINE`: a command begins; `done LINE`: a resume guard found its work
# done) travel in the step's output pipe, after this mark, so that what a command
# prints comes after its own marker and before the next one, whatever the timing.
TRACE_MARK = b"\0relbook "
DRAIN_SECONDS = 0.5  # how long to wait for output after bash exits
HEADER = "set -euo pipefail\n"
HEADER_LINES = HEADER.count("\n")
CHUNK = 1 << 16
BIG_CHUNK = 1 << 20  # a step that fills its pipe gets a pipe (and reads) this big
_TRACE_MAX = 64  # a trace line is shorter than this


@dataclass
class Execution:
    """The result of running one script."""

    exit_code: int
    output: str
    duration: float
    timed_out: bool = False
    interrupted: bool = False
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
    ) -> Execution: ...

    def close(self) -> None: ...


class _Keeper:
    """Keeps the head and tail of a stream, about `limit` bytes in all."""

    def __init__(self, limit: int = KEEP_BYTES) -> None:
        self.limit = limit
        self.head: list[str] = []
        self.head_size = 0
        self.tail: list[str] = []
        self.tail_size = 0
        self.dropped = 0

    def add(self, text: str) -> None:
        half = self.limit // 2
        if self.head_size < half:  # the head: the first `half` characters exactly
            first = text[: half - self.head_size]
            self.head.append(first)
            self.head_size += len(first)
            text = text[len(first) :]
            if not text:
                return
        self.tail.append(text)
        self.tail_size += len(text)
        while self.tail_size > half:  # the tail: the last `half`, whatever the chunks
            excess, oldest = self.tail_size - half, self.tail[0]
            if len(oldest) > excess:
                self.tail[0] = oldest[excess:]
            else:
                self.tail.pop(0)
            gone = min(excess, len(oldest))
            self.tail_size -= gone
            self.dropped += gone

    def text(self) -> str:
        if not self.dropped:
            return "".join(self.head + self.tail)
        marker = f"\n[... {self.dropped} characters not kept here; full log on disk ...]\n"
        return "".join(self.head) + marker + "".join(self.tail)


class LocalEngine:
    """Runs bash steps on this machine."""

    name = "local"
    executes = True
    _server: _Server | None = None
    _reaper: Reaper | None = None
    # where a stopping signal may interrupt: the wait for a step (the runner sets it)
    interruptible: Callable[[], AbstractContextManager[Any]] = nullcontext

    def __init__(self, wrapper: tuple[str, ...] = ()) -> None:
        self.wrapper = wrapper  # argv prefix the shell runs under (a drill's netns)

    def server(self, env: dict[str, str]) -> _Server:
        """The shell server for this environment (started, or restarted, on demand)."""
        srv = self._server
        if srv is not None and (srv.broken or srv.env != env or not srv.alive()):
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
        self.drop_server()
        if self._reaper is not None:
            self._reaper.close()
            self._reaper = None

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
    ) -> Execution:
        """Run `script` (a step's bash) and return what happened. `marks` are the script
        lines where its commands begin (the running one is reported to `on_line`);
        output goes to `log` (or a log of its own at `log_path`); `token` (32 hex
        digits) marks the step's processes in their environment, for finding them
        after a crash; `on_started` runs while bash starts (the runner syncs its
        journal there)."""
        token = token or os.urandom(16).hex()
        started = time.monotonic()
        own = log is None
        if log is None:
            log = OutputLog(log_path or Path(os.devnull))
        text, only = traced(script, marks)
        try:
            server = self.server(env)
            pump = _Pump(server, log, masker, on_output, on_line)
            pump.interruptible = self.interruptible
            pump.start(HEADER + text, cwd, token)
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
            self.drop_server()
            from relbook.errors import RelbookError

            raise RelbookError(f"cannot start bash: {e.strerror or e}") from None
        finally:
            if own:
                log.close()
        result.log_error = log.error
        if pump.pid:
            result.stray = self._reaper.sweep(pump.pid, token)
        return result


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


def _bash() -> str:
    """bash's full path, looked up once (exec would try every PATH entry each time)."""
    global _BASH
    if _BASH is None:
        _BASH = shutil.which("bash") or "bash"
    return _BASH


_BASH: str | None = None


# A long-lived bash that runs each step in a forked subshell: forking a running
# shell costs a fraction of starting bash anew, which dominates trivial steps.
# Job control (set -m) gives each step a process group of its own; the step turns
# it off again so that its own background jobs stay in that group. A step comes
# as a 56-byte header (token, output descriptor, lengths of the working directory
# and of the script, in hex) and the two strings; `read -N` in the C locale takes
# each in one system call (byte counts, where other reads go a byte at a time).
# The working directory is sent only when it changes. The step's trace lines go
# to its output pipe (ordered with its output); the server's own output carries
# the step's `rc PID STATUS` line, and a pipe of its own (fd 3 here) its `pid`
# line, read only when relbook needs the pid before the step ends (to signal
# it): a trivial step wakes relbook for its output and its end, not its start.
_SERVER = f"""set -m
exec 3>&2 2>/dev/null
__rb_dir=.
while LC_ALL=C read -r -N 56 __rb_h; do
  __rb_n=$((16#${{__rb_h:40:8}})) __rb_m=$((16#${{__rb_h:48:8}})) __rb_s=
  if ((__rb_n)); then LC_ALL=C read -r -N "$__rb_n" __rb_dir || break; fi
  if ((__rb_m)); then LC_ALL=C read -r -N "$__rb_m" __rb_s || break; fi
  if ! exec 5>"/proc/$PPID/fd/$((16#${{__rb_h:32:8}}))"; then
    printf 'pid 0\\n' >&3; printf 'rc 0 127\\n'; continue
  fi
  ( set +m; export {STEP_TOKEN_VAR}="${{__rb_h:0:32}}" {TRACE_FD_VAR}={TRACE_FD}
    cd -- "$__rb_dir" || exit 127; unset __rb_h __rb_n __rb_m __rb_dir __rb_pid
    eval "$__rb_s" ) </dev/null {TRACE_FD}>&5 >&5 2>&5 5>&- 3>&- &
  __rb_pid=$!
  exec 5>&-
  printf 'pid %s\\n' "$__rb_pid" >&3
  wait "$__rb_pid"
  printf 'rc %s %s\\n' "$__rb_pid" "$?"
done
"""


class _Server:
    """The shell that forks one subshell per step (see _SERVER)."""

    def __init__(self, env: dict[str, str], wrapper: tuple[str, ...] = ()) -> None:
        self.env = env
        self.pids, pids_w = os.pipe()  # the server's `pid` lines (see _SERVER)
        try:
            self.proc = subprocess.Popen(
                [*wrapper, _bash(), "--noprofile", "--norc", "-c", _SERVER],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=pids_w,
                start_new_session=True,
            )
        except BaseException:
            os.close(self.pids)
            raise
        finally:
            os.close(pids_w)
        os.set_blocking(self.pids, False)
        self.pids_buf = b""
        self.ctl = self.proc.stdout.fileno()
        os.set_blocking(self.ctl, False)
        self.buf = b""
        self.cwd: str | None = None
        self.broken = False  # a step could not be stopped: start afresh
        self.pidfd = _pidfd(self.proc.pid)  # readable once the server is gone

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, script: str, cwd: str, out_w: int, token: str) -> None:
        """Hand a step over, in one write."""
        where = b"" if cwd == self.cwd else cwd.encode("utf-8", "surrogateescape")
        body = script.replace("\0", "").encode("utf-8", "surrogateescape")
        if len(token) != 32 or not token.isascii():
            raise ValueError("a step token is 32 ASCII characters")
        head = f"{token}{out_w:08x}{len(where):08x}{len(body):08x}".encode()
        _write_all(self.proc.stdin.fileno(), head + where + body)
        self.cwd = cwd

    def stop(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        if self.pids >= 0:
            os.close(self.pids)
            self.pids = -1
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _Pump:
    """Moves a step's output to the log, the terminal and the record; follows the
    server's control lines (the step's pid, its trace, its exit status)."""

    def __init__(self, server: _Server, log, masker: Masker, on_output, on_line) -> None:  # noqa: ANN001
        self.server, self.log = server, log
        self.masker, self.on_output, self.on_line = masker, on_output, on_line
        self.keep = _Keeper()
        self.chunk = CHUNK  # bytes read from the output pipe at a time
        self.held = b""  # the start of a trace line split across reads
        self.last_line = 0
        self.done_lines: list[int] = []
        self.held_open = False
        self.pid = 0  # the step's subshell (and process group), once the server says
        self.want_pid = False  # the pid is needed before the step ends (to stop it)
        self.code: int | None = None
        self.out_r = self.out_w = -1
        self.stop_at: float | None = None  # when a stopping step gets SIGKILL
        self.give_up_at: float | None = None
        self.timed_out = False
        self.interruptible: Callable[[], AbstractContextManager[Any]] = nullcontext

    def start(self, script: str, cwd: str, token: str) -> None:
        self.out_r, self.out_w = os.pipe()
        os.set_blocking(self.out_r, False)
        try:
            self.server.send(script, cwd, self.out_w, token)
        except BaseException:
            self._close_out()
            raise

    def abort(self) -> None:
        """Kill a step that was handed over but must not run."""
        self._wait_pid()
        self._signal(signal.SIGKILL)
        self._close_out()
        while self.code is None and self._poll(5.0):
            pass

    def run(self, timeout: float | None, started: float) -> Execution:
        self.deadline = started + timeout if timeout else None
        interrupted = False
        while True:
            try:
                with self.interruptible():
                    self._loop()
                break
            except KeyboardInterrupt:
                if interrupted:  # a second Ctrl-C: no more patience
                    self.stop_at = time.monotonic()
                else:
                    interrupted = True
                    self._stop()
        self._drain()
        self._close_out()
        self._emit(self.masker.flush())
        return Execution(
            exit_code=self.code if self.code is not None else 255,
            output=self.keep.text(),
            duration=time.monotonic() - started,
            timed_out=self.timed_out,
            interrupted=interrupted,
            last_line=self.last_line,
            done_lines=self.done_lines,
        )

    def _loop(self) -> None:
        """Pump until the step has exited and its output is closed (or held open by
        something it left behind for longer than DRAIN_SECONDS)."""
        exited_at = None
        while self.code is None or self.out_r >= 0:
            now = time.monotonic()
            wait = 1.0
            if self.code is not None:  # exited, output still open
                exited_at = exited_at or now
                if now - exited_at > DRAIN_SECONDS:
                    self.held_open = True
                    break
                wait = 0.05
            elif self.deadline and now >= self.deadline and self.stop_at is None:
                self.timed_out = True
                self._stop()
            elif self.stop_at is not None and now >= self.stop_at:
                self._signal(signal.SIGKILL)
                self.stop_at, self.give_up_at = None, now + 5
            elif self.give_up_at is not None and now >= self.give_up_at:
                self.server.broken = True  # the step would not die: drop its server
                self.code = 128 + signal.SIGKILL
            for at in (self.deadline, self.stop_at, self.give_up_at):
                if at is not None and self.code is None:
                    wait = min(wait, max(0.0, at - now))
            self._poll(wait)

    def _poll(self, wait: float) -> bool:
        """Wait up to `wait` seconds for output or control lines; False if nothing came."""
        poller = select.poll()
        srv = self.server
        if self.out_r >= 0:
            poller.register(self.out_r, select.POLLIN)
        poller.register(srv.ctl, select.POLLIN)
        if srv.pidfd is not None:
            poller.register(srv.pidfd, select.POLLIN)
        if self.want_pid and not self.pid and srv.pids >= 0:
            poller.register(srv.pids, select.POLLIN)
        events = poller.poll(wait * 1000)
        # control first: a command's marker is written before its output
        for fd, _ in sorted(events, key=lambda e: e[0] != srv.ctl):
            if fd == self.out_r:
                self._read_out()
            elif fd == srv.pids:
                self._read_pids()
            elif fd == srv.ctl:
                self._read_ctl()
            elif self.code is None:  # the server is gone
                self._read_ctl()
                if self.code is None:
                    self.code = 255
                    srv.broken = True
        return bool(events)

    def _read_out(self) -> None:
        try:
            data = os.read(self.out_r, self.chunk)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if len(data) == CHUNK == self.chunk:  # a full pipe: the step prints a lot
            self._widen()
        if data:
            self._take(data)
        else:
            self._close_out()

    def _read_ctl(self) -> None:
        srv = self.server
        try:
            data = os.read(srv.ctl, CHUNK)
        except BlockingIOError:
            return
        if not data:  # the server is gone
            if self.code is None:
                self.code = 255
            srv.broken = True
            return
        *lines, srv.buf = (srv.buf + data).split(b"\n")
        for line in lines:
            self._control(line, server=True)

    def _control(self, line: bytes, *, server: bool = False) -> None:
        """One control line: a trace line from the step (`at`, `done`) or, from the
        server's own output, its `rc` (a step cannot write an end of itself)."""
        kind, _, rest = line.partition(b" ")
        words = rest.split()
        if not words or not all(w.isdigit() for w in words):
            return  # not ours: a step may write anything to its trace descriptor
        if kind == b"at":
            self.last_line = int(words[0])
            self.on_line(self.last_line)
        elif kind == b"done":
            self.done_lines.append(int(words[0]))
        elif kind == b"rc" and len(words) == 2 and server:
            self._read_pids()  # the step's pid line came before its rc line
            if int(words[0]) == self.pid:
                self.code = int(words[1])
                if self.out_w >= 0:  # the server had it open: the step's output ends
                    os.close(self.out_w)  # when the last process holding it does
                    self.out_w = -1

    def _read_pids(self) -> None:
        """Take the server's `pid` lines (the last is this step's)."""
        srv = self.server
        if self.pid or srv.pids < 0:
            return
        try:
            data = os.read(srv.pids, CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        *lines, srv.pids_buf = (srv.pids_buf + data).split(b"\n")
        for line in lines:
            kind, _, rest = line.partition(b" ")
            if kind == b"pid" and rest.isdigit():
                self.pid = int(rest)
        if self.pid and self.stop_at is not None:
            self._signal(signal.SIGTERM)

    def _wait_pid(self) -> None:
        self.want_pid = True
        self._read_pids()
        while not self.pid and self.code is None and self._poll(5.0):
            pass

    def _stop(self) -> None:
        """End the step like Ctrl-C ends a command: SIGTERM to its group, SIGKILL
        two seconds later if it is still there."""
        self.stop_at = time.monotonic() + 2
        self.want_pid = True  # not known yet: it is signalled as soon as it is
        self._read_pids()
        self._signal(signal.SIGTERM)

    def _signal(self, sig: int) -> None:
        if self.pid:
            try:
                os.killpg(self.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass

    def _widen(self) -> None:
        """A bigger pipe for a step that prints a lot: the step writes on while its
        output is shown and logged, and each wake-up of relbook moves up to 1 MiB
        (whatever PYTHONUNBUFFERED says, one write per chunk to the terminal)."""
        self.chunk = BIG_CHUNK
        try:
            import fcntl

            fcntl.fcntl(self.out_r, fcntl.F_SETPIPE_SZ, BIG_CHUNK)
        except (ImportError, AttributeError, OSError):
            pass  # not Linux, or over the system's limit: the pipe stays as it is

    def _drain(self) -> None:
        while self.out_r >= 0:
            try:
                data = os.read(self.out_r, self.chunk)
            except OSError:
                break
            if not data:
                break
            self._take(data)
        self._take(b"", end=True)

    def _close_out(self) -> None:
        for name in ("out_r", "out_w"):
            fd = getattr(self, name)
            if fd >= 0:
                os.close(fd)
                setattr(self, name, -1)

    def _take(self, data: bytes, *, end: bool = False) -> None:
        """Split the output pipe's bytes into output and trace lines (TRACE_MARK ...);
        the output before a marker is shown before what the marker starts."""
        data, self.held = self.held + data, b""
        while True:
            at = data.find(TRACE_MARK)
            if at < 0:
                break
            stop = data.find(b"\n", at, at + _TRACE_MAX)
            if stop < 0 and not end and len(data) - at < _TRACE_MAX:
                data, self.held = data[:at], data[at:]  # the rest of it is on its way
                break
            if stop < 0:  # not a trace line after all
                self._emit(self.masker.feed(data[: at + 1]))
                data = data[at + 1 :]
                continue
            if at:
                self._emit(self.masker.feed(data[:at]))
            self._emit(self.masker.flush())
            self._control(data[at + len(TRACE_MARK) : stop])
            data = data[stop + 1 :]
        if not end:  # a mark may begin at the end of this chunk
            cut = data.rfind(b"\0", max(0, len(data) - len(TRACE_MARK) + 1))
            if cut >= 0 and TRACE_MARK.startswith(data[cut:]):
                data, self.held = data[:cut], data[cut:] + self.held
        if data:
            self._emit(self.masker.feed(data))

    def _emit(self, text: str) -> None:
        if not text:
            return
        self.log.write(text.encode("utf-8", "replace"))
        self.keep.add(text)
        self.on_output(text)


class OutputLog:
    """The full output of a release's shell steps, in one file beside the record:
    each step's output under a header line, its byte range kept in its outcome.
    (One file, not one per step: creating a file costs more than a trivial step.)
    A write that fails (disk full) stops the log, not the step; `error` says why."""

    def __init__(self, path: Path) -> None:
        self.path, self.error = path, ""
        self.fd: int | None = None  # opened at the first output
        self.size = 0
        self.at_line_start = True
        self.header = b""
        self.first: int | None = None

    def begin(self, header: str) -> None:
        """A new step: `header` goes in front of its first output."""
        self.header, self.first = header.encode(), None

    def span(self) -> tuple[int, int] | None:
        """Byte range of the current step's output, if it printed anything."""
        return None if self.first is None else (self.first, self.size)

    def write(self, data: bytes) -> None:
        """Append a step's output (after its header, the first time)."""
        if self.error or not data:
            return
        try:
            if self.fd is None:
                self._open()
            if self.first is None:
                self._put((b"" if self.at_line_start else b"\n") + self.header)
                self.first = self.size
            self._put(data)
        except OSError as e:
            self.error = e.strerror or str(e)
            self.close()

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        self.size = os.fstat(self.fd).st_size
        self.at_line_start = not self.size or os.pread(self.fd, 1, self.size - 1) == b"\n"

    def _put(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            self.size += n
            view = view[n:]
        if data:
            self.at_line_start = data.endswith(b"\n")

    def close(self) -> None:
        """Close the file (a later write opens it again)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when `pid` exits (Linux 5.3+), or None."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None
