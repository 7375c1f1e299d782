"""Engines run a shell step's bash and report what happened.

The local engine runs `bash --noprofile --norc` in its own process group,
streams output live (masked), keeps a bounded copy for the record and the full
log on disk, follows which command is running through a DEBUG trap on a
private pipe, and kills the whole group on timeout or Ctrl-C.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from relbook.mask import Masker

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

    def run(
        self,
        script: str,
        *,
        env: dict[str, str],
        cwd: str,
        timeout: float | None,
        log_path: Path,
        masker: Masker,
        on_output: Callable[[str], None] = lambda s: None,
        on_line: Callable[[int], None] = lambda n: None,
    ) -> Execution:
        """Run `script` (a step's bash) and return what happened."""
        token = uuid.uuid4().hex
        trace_r, trace_w = os.pipe()
        env = {**env, TRACE_FD_VAR: str(trace_w), STEP_TOKEN_VAR: token}
        started = time.monotonic()
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            try:
                proc = subprocess.Popen(
                    ["bash", "--noprofile", "--norc", "-c", HEADER + script],
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    pass_fds=(trace_w,),
                    start_new_session=True,
                )
            except OSError as e:
                os.close(trace_r)
                os.close(trace_w)
                from relbook.errors import RelbookError

                raise RelbookError(f"cannot start bash: {e.strerror or e}") from None
            os.close(trace_w)
            pump = _Pump(proc, trace_r, log, masker, on_output, on_line)
            result = pump.run(timeout, started)
        suspicious = pump.held_open or result.timed_out or result.interrupted
        result.stray = _kill_strays(proc.pid, token, scan=suspicious)
        return result


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

    def run(self, timeout: float | None, started: float) -> Execution:
        sel = selectors.DefaultSelector()
        out_fd = self.proc.stdout.fileno()
        os.set_blocking(out_fd, False)
        sel.register(out_fd, selectors.EVENT_READ, "out")
        sel.register(self.trace_r, selectors.EVENT_READ, "trace")
        deadline = started + timeout if timeout else None
        timed_out = interrupted = False
        exited_at: float | None = None
        try:
            while sel.get_map():
                now = time.monotonic()
                if deadline and now > deadline and exited_at is None:
                    timed_out = True
                    _kill_group(self.proc)
                    deadline = None
                if exited_at is None and self.proc.poll() is not None:
                    exited_at = now
                if exited_at is not None and now - exited_at > DRAIN_SECONDS:
                    self.held_open = True  # something outlived the step and holds the pipe
                    break
                wait = 0.05 if exited_at is not None else 0.2
                if deadline:
                    wait = min(wait, max(0.0, deadline - now))
                for key, _ in sel.select(wait):
                    self._read(sel, key.fd, key.data)
        except KeyboardInterrupt:
            interrupted = True
            _kill_group(self.proc)
        finally:
            self._drain_rest(sel)
            sel.close()
            os.close(self.trace_r)
            self.proc.stdout.close()
        code = self._wait()
        self._flush()
        return Execution(
            exit_code=code,
            output=self.keep.text(),
            duration=time.monotonic() - started,
            timed_out=timed_out,
            interrupted=interrupted,
            last_line=self.last_line,
            done_lines=self.done_lines,
        )

    def _wait(self) -> int:
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
                self.last_line = int(num) - HEADER_LINES
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
        self.log.flush()


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
    """Kill what the step left running: its process group, and (when something
    looks wrong) any process that escaped it with setsid but still carries the
    step's token in its environment."""
    found: list[str] = []
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    else:
        found.append(f"process group {pgid}")
        scan = True
    if not scan:
        return found
    needle = f"{STEP_TOKEN_VAR}={token}".encode()
    me = os.getpid()
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else []:
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                if needle not in f.read():
                    continue
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
            os.kill(int(entry.name), signal.SIGKILL)
            found.append(f"pid {entry.name} ({cmd})")
        except (OSError, ValueError):
            continue
    return found
