"""Engines run a shell step's bash and report what happened.

The local engine keeps one long-lived `bash --noprofile --norc` (restarted when
the environment changes or it dies) that forks a subshell per step, each in a
process group of its own. It streams the step's output live (masked), keeps a
bounded copy for the record and the full log on disk, follows which command is
running through a DEBUG trap on a private pipe, and after the step (or on
timeout or Ctrl-C) kills the step's group and any escapee carrying its token.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from relbook.record.mask import Masker

KEEP_BYTES = 1 << 20  # about 1 MiB of output per step kept in the record
TRACE_FD_VAR = "RELBOOK_TRACE_FD"
STEP_TOKEN_VAR = "RELBOOK_STEP_TOKEN"
DRAIN_SECONDS = 0.5  # how long to wait for output after bash exits
HEADER = (
    "set -euo pipefail\n"
    'trap \'[[ $LINENO == "${__rb_l:-}" ]] || { __rb_l=$LINENO; '
    'printf "at %s\\n" "$LINENO" >&"$' + TRACE_FD_VAR + "\"; }' DEBUG\n"
)
HEADER_LINES = HEADER.count("\n")


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
        if self.head_size < self.limit // 2:
            self.head.append(text)
            self.head_size += len(text)
            return
        self.tail.append(text)
        self.tail_size += len(text)
        while self.tail_size > self.limit // 2 and len(self.tail) > 1:
            gone = self.tail.pop(0)
            self.tail_size -= len(gone)
            self.dropped += len(gone)

    def text(self) -> str:
        if not self.dropped:
            return "".join(self.head + self.tail)
        marker = f"\n[... {self.dropped} characters not kept here; full log on disk ...]\n"
        return "".join(self.head) + marker + "".join(self.tail)


class LocalEngine:
    """Runs bash steps on this machine."""

    name = "local"
    executes = True
    _sel: selectors.BaseSelector | None = None

    _server: Any = None

    def server(self, env: dict[str, str]) -> _Server:
        """The shell server for this environment (started, or restarted, on demand)."""
        if self._server is not None and (self._server.env != env or not self._server.alive()):
            self.drop_server()
        if self._server is None:
            self._server = _Server(dict(env))
        return self._server

    def drop_server(self) -> None:
        """Stop the shell server (the next step starts a new one)."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def close(self) -> None:
        """Release what the engine holds (its shell server, its selector)."""
        self.drop_server()
        if self._sel is not None:
            self._sel.close()
            self._sel = None

    def _selector(self) -> selectors.BaseSelector:
        """One selector for all steps (creating one per step shows in the overhead)."""
        if self._sel is None:
            self._sel = selectors.DefaultSelector()
        return self._sel

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
    ) -> Execution:
        """Run `script` (a step's bash) and return what happened. Output goes to `log`
        (or a log of its own at `log_path`); `token` marks every process of the step
        (in its environment) so leftovers can be found later; `on_started` runs while
        bash starts up (the runner fsyncs its journal there)."""
        token = token or uuid.uuid4().hex
        trace_r, trace_w = os.pipe()
        started = time.monotonic()
        own = log is None
        if log is None:
            log = OutputLog(log_path or Path(os.devnull))
        try:
            proc = _spawn(self, script, env, cwd, token, trace_r, trace_w)
            try:
                on_started()
            except BaseException:
                _kill_group(proc, signal.SIGKILL)
                proc.wait()
                os.close(trace_r)
                proc.stdout.close()
                raise
            pump = _Pump(proc, trace_r, log, masker, on_output, on_line)
            pump.sel = self._selector()
            result = pump.run(timeout, started)
        finally:
            if own:
                log.close()
        result.log_error = log.error
        suspicious = pump.held_open or result.timed_out or result.interrupted
        result.stray = _kill_strays(proc.pid, token, scan=suspicious)
        return result


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
# it off again so that its own background jobs stay in that group.
_SERVER = """set -m
exec 2>/dev/null
while IFS= read -r -d '' __rb_dir && IFS= read -r -d '' __rb_out &&
      IFS= read -r -d '' __rb_trace && IFS= read -r -d '' __rb_token &&
      IFS= read -r -d '' __rb_s; do
  if ! exec 5>"$__rb_out" 6>"$__rb_trace"; then
    printf 'pid 0\\nrc 0 127\\n'; continue
  fi
  ( set +m; export RELBOOK_STEP_TOKEN="$__rb_token" RELBOOK_TRACE_FD=6
    cd -- "$__rb_dir" || exit 127; unset __rb_dir __rb_out __rb_trace __rb_token
    eval "$__rb_s" ) </dev/null >&5 2>&5 5>&- &
  __rb_pid=$!
  exec 5>&- 6>&-
  printf 'pid %s\\n' "$__rb_pid"
  wait "$__rb_pid"
  printf 'rc %s %s\\n' "$__rb_pid" "$?"
done
"""
_EVAL_LINE = _SERVER.split("\n").index(next(x for x in _SERVER.split("\n") if "eval" in x)) + 1
# bash numbers the step's lines from the line of `eval` in _SERVER


class _Server:
    """The shell that forks one subshell per step (see _SERVER)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc = subprocess.Popen(
            [_bash(), "--noprofile", "--norc", "-c", _SERVER],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.ctl = self.proc.stdout.fileno()
        self.buf = b""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def start(self, script: str, cwd: str, out_w: int, trace_w: int, token: str) -> int:
        """Send a step; returns the pid of its subshell (0 if it could not start)."""
        me = f"/proc/{os.getpid()}/fd"
        fields = [cwd, f"{me}/{out_w}", f"{me}/{trace_w}", token, script.replace("\0", "")]
        data = b"".join(f.encode("utf-8", "surrogateescape") + b"\0" for f in fields)
        self.proc.stdin.write(data)
        self.proc.stdin.flush()
        line = self.line(None)
        return int(line.split()[1]) if line.startswith("pid ") else 0

    def line(self, timeout: float | None) -> str:
        """The next control line, or "" if none came in time or the shell is gone."""
        import select

        while b"\n" not in self.buf:
            ready, _, _ = select.select([self.ctl], [], [], timeout)
            if not ready:
                return ""
            data = os.read(self.ctl, 4096)
            if not data:
                return ""
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

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


class _StepProc:
    """A step's subshell, with the parts of Popen the pump uses."""

    def __init__(self, server: _Server, pid: int, stdout: Any) -> None:
        self.server, self.pid, self.stdout = server, pid, stdout
        self.returncode: int | None = None if pid else 127

    def _take(self, timeout: float | None) -> None:
        line = self.server.line(timeout)
        if line.startswith("rc "):
            self.returncode = int(line.split()[2])
        elif not line and not self.server.alive():
            self.returncode = 255  # the shell itself is gone

    def poll(self) -> int | None:
        if self.returncode is None:
            self._take(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._take(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired("bash", timeout or 0)
        return self.returncode


def _spawn(
    engine: Any, script: str, env: dict[str, str], cwd: str, token: str, trace_r: int, trace_w: int
) -> Any:
    """Start a step's subshell in a process group the runner can kill whole."""
    _subreaper(True)
    out_r, out_w = os.pipe()
    try:
        server = engine.server(env)
        pid = server.start(HEADER + script, cwd, out_w, trace_w, token)
    except OSError as e:
        _subreaper(False)
        for fd in (out_r, out_w, trace_r, trace_w):
            os.close(fd)
        engine.drop_server()
        from relbook.errors import RelbookError

        raise RelbookError(f"cannot start bash: {e.strerror or e}") from None
    os.close(out_w)
    os.close(trace_w)
    return _StepProc(server, pid, os.fdopen(out_r, "rb", buffering=0))


class _Pump:
    """Moves output from the child to the log, the terminal and the record."""

    def __init__(self, proc, trace_r, log, masker: Masker, on_output, on_line) -> None:  # noqa: ANN001
        self.proc, self.trace_r, self.log = proc, trace_r, log
        self.masker, self.on_output, self.on_line = masker, on_output, on_line
        self.keep = _Keeper()
        self.last_line = 0
        self.done_lines: list[int] = []
        self.trace_buf = b""
        self.held_open = False

    sel: selectors.BaseSelector | None = None

    def run(self, timeout: float | None, started: float) -> Execution:
        sel = self.sel or selectors.DefaultSelector()
        out_fd = self.proc.stdout.fileno()
        os.set_blocking(out_fd, False)
        sel.register(out_fd, selectors.EVENT_READ, "out")
        os.set_blocking(self.trace_r, False)  # a leftover child may hold it open
        sel.register(self.trace_r, selectors.EVENT_READ, "trace")
        self.pidfd = _pidfd(self.proc.pid)
        if self.pidfd is not None:  # wakes the loop the moment bash exits
            sel.register(self.pidfd, selectors.EVENT_READ, "exit")
        self.deadline = started + timeout if timeout else None
        self.timed_out = self.exited_at = None
        interrupted = False
        try:
            self._loop(sel)
        except KeyboardInterrupt:
            interrupted = True
            _kill_group(self.proc)
        finally:
            self._drain_rest(sel)
            for key in list(sel.get_map().values()):
                sel.unregister(key.fd)
            os.close(self.trace_r)
            if self.pidfd is not None:
                os.close(self.pidfd)
            self.proc.stdout.close()
        code = self._wait()
        self._flush()
        return Execution(
            exit_code=code,
            output=self.keep.text(),
            duration=time.monotonic() - started,
            timed_out=bool(self.timed_out),
            interrupted=interrupted,
            last_line=self.last_line,
            done_lines=self.done_lines,
        )

    def _loop(self, sel: selectors.BaseSelector) -> None:
        """Pump output until bash has exited and its pipes are closed (or held open
        by something it left behind for longer than DRAIN_SECONDS)."""
        while True:
            now = time.monotonic()
            if self.exited_at is None and self.pidfd is None and self.proc.poll() is not None:
                self.exited_at = now
            pipes = sum(1 for k in sel.get_map().values() if k.data != "exit")
            if not pipes and (self.exited_at is not None or self.pidfd is None):
                return
            if self.deadline and now > self.deadline and self.exited_at is None:
                self.timed_out = True
                _kill_group(self.proc)
                self.deadline = None
            if self.exited_at is not None and now - self.exited_at > DRAIN_SECONDS:
                self.held_open = True  # something outlived the step and holds the pipe
                return
            wait = 0.05 if self.exited_at is not None or self.pidfd is None else 1.0
            if self.deadline:
                wait = min(wait, max(0.0, self.deadline - now))
            for key, _ in sel.select(wait):
                if key.data == "exit":
                    sel.unregister(key.fd)
                    self.exited_at = time.monotonic()
                else:
                    self._read(sel, key.fd, key.data)

    def _wait(self) -> int:
        code = self.proc.poll()  # usually gone already; wait(timeout) would poll with sleeps
        if code is not None:
            return code
        try:
            return self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _kill_group(self.proc, signal.SIGKILL)
            return self.proc.wait()

    def _read(self, sel: selectors.BaseSelector, fd: int, what: str) -> None:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            sel.unregister(fd)
            return
        if what == "trace":
            self._trace(data)
        else:
            self._emit(self.masker.feed(data))

    def _drain_rest(self, sel: selectors.BaseSelector) -> None:
        for key in list(sel.get_map().values()):
            if key.data == "exit":
                continue
            try:
                while True:
                    data = os.read(key.fd, 65536)
                    if not data:
                        break
                    if key.data == "trace":
                        self._trace(data)
                    else:
                        self._emit(self.masker.feed(data))
            except OSError:
                pass

    def _trace(self, data: bytes) -> None:
        self.trace_buf += data
        *lines, self.trace_buf = self.trace_buf.split(b"\n")
        for raw in lines:
            kind, _, num = raw.decode("ascii", "replace").partition(" ")
            if not num.isdigit():
                continue
            if kind == "at":
                self.last_line = int(num) - _EVAL_LINE + 1 - HEADER_LINES
                self.on_line(self.last_line)
            elif kind == "done":
                self.done_lines.append(int(num))

    def _emit(self, text: str) -> None:
        if not text:
            return
        self.log.write(text.encode("utf-8", "replace"))
        self.keep.add(text)
        self.on_output(text)

    def _flush(self) -> None:
        self._emit(self.masker.flush())


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


def _kill_group(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        return
    if sig == signal.SIGTERM:
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _kill_strays(pgid: int, token: str, *, scan: bool) -> list[str]:
    """Kill what the step left running: its process group, and any process that
    escaped the group (setsid) but carries the step's token in its environment.
    Escapees whose parents exited were re-parented to relbook (a child subreaper),
    so a glance at relbook's own children finds them without scanning /proc."""
    found: list[str] = []
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    else:
        found.append(f"process group {pgid}")
        scan = True
    if scan or _marked(_children(), token):
        found += kill_marked(token)
    _subreaper(False)
    return found


def kill_marked(token: str) -> list[str]:
    """Kill every process whose environment carries this step token; describe them."""
    pids = _marked(_all_pids(), token) if token else []
    found = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
        found.append(f"pid {pid} ({cmd})")
    for pid in pids:  # reap the ones re-parented to us
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    return found


def _all_pids() -> list[int]:
    if not os.path.isdir("/proc"):
        return []
    me = os.getpid()
    return [int(e.name) for e in os.scandir("/proc") if e.name.isdigit() and int(e.name) != me]


def _children() -> list[int]:
    """This process's children (Linux /proc/self/task/*/children)."""
    pids: list[int] = []
    try:
        tasks = [t.path for t in os.scandir("/proc/self/task")]
    except OSError:
        return []
    for task in tasks:
        try:
            with open(f"{task}/children") as f:
                pids += [int(p) for p in f.read().split()]
        except OSError:
            continue  # a thread that just ended
    return pids


def _marked(pids: list[int], token: str) -> list[int]:
    needle = f"{STEP_TOKEN_VAR}={token}".encode()
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle in f.read():
                    out.append(pid)
        except OSError:
            continue
    return out


_PR_SET_CHILD_SUBREAPER = 36


def _subreaper(on: bool) -> None:
    """Become (or stop being) the reaper of orphaned descendants (Linux prctl)."""
    global _LIBC
    if not sys.platform.startswith("linux"):
        return
    if _LIBC is None:
        import ctypes

        _LIBC = ctypes.CDLL(None, use_errno=True)
    _LIBC.prctl(_PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0)


_LIBC: Any = None
