"""The output pump: a step's output to the log, the terminal and the record, and the
server's control lines (the step's exit status) followed; the step's pid is looked
for only when the step must be signalled before it ends."""

from __future__ import annotations

import os
import select
import signal
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from relbook.engines.fds import close_fd
from relbook.engines.protocol import Execution
from relbook.engines.server import _Server
from relbook.record.mask import Masker

KEEP_BYTES = 1 << 20  # about 1 MiB of output per step kept in the record
# Trace lines (`at LINE`: a command begins; `done LINE`: a resume guard found its work
# done) travel in the step's output pipe, after this mark, so that what a command
# prints comes after its own marker and before the next one, whatever the timing.
TRACE_MARK = b"\0relbook "
DRAIN_SECONDS = 0.5  # how long to wait for output after bash exits
CHUNK = 1 << 16
BIG_CHUNK = 1 << 20  # a step that fills its pipe gets a pipe (and reads) this big
_TRACE_MAX = 64  # a trace line is shorter than this


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


class _Pump:
    """Moves a step's output to the log, the terminal and the record; follows the
    server's control lines (the step's pid, its trace, its exit status)."""

    def __init__(self, server: _Server, log, masker: Masker, on_output, on_line) -> None:  # noqa: ANN001
        self.server, self.log = server, log
        self.masker, self.on_output, self.on_line = masker, on_output, on_line
        self.keep = _Keeper()
        self.chunk = CHUNK  # bytes read from the output pipe at a time
        self.held = b""  # the start of a trace line split across reads
        self.plain = False  # the masker holds nothing back and has no secret to mask
        self.last_line = 0
        self.done_lines: list[int] = []
        self.on_done: Callable[[int], None] = lambda n: None
        self.on_ascii: Callable[[bytes], None] | None = None  # on_output, for ASCII bytes
        self.held_open = False
        self.pid = 0  # the step's subshell (and process group), once the server says
        self.want_pid = False  # the pid is needed before the step ends (to stop it)
        self.code: int | None = None
        self.skipped = False  # queued, and not run: a step before it failed
        self.out_r = self.out_w = -1
        self.stop_at: float | None = None  # when a stopping step gets SIGKILL
        self.give_up_at: float | None = None
        self.timed_out = False
        self.interruptible: Callable[[], AbstractContextManager[Any]] = nullcontext

    def message(
        self, script: str, cwd: str, token: str, carry: str = "", queued: bool = False
    ) -> bytes:
        """The step's output pipe, made, and its message to the server, to write."""
        # non-blocking, both ends: the server opens the write end anew (/proc/PID/fd/N),
        # with flags of its own
        self.out_r, self.out_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            return self.server.message(script, cwd, self.out_w, token, carry, queued)
        except BaseException:
            self._close_out()
            raise

    def close(self) -> None:
        """Release the output pipe of a step that will not be pumped."""
        self._close_out()

    def abort(self) -> None:
        """Kill a step that was handed over but must not run."""
        self._wait_pid()
        _signal(self.pid, signal.SIGKILL)
        self._close_out()
        while self.code is None and self._poll(5.0):
            pass

    def run(self, timeout: float | None, started: float) -> Execution:
        self.deadline = started + timeout if timeout else None
        self.take_ctl()  # a queued step's status may have come while another was pumped
        interrupted = ended = False
        while True:
            try:
                self._loop()
                break
            except KeyboardInterrupt:
                if interrupted or ended:  # a second Ctrl-C: no more patience
                    self.stop_at = time.monotonic()
                elif self.code is not None:  # its status came first: it ended on its own
                    ended = True
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
            stopped=ended,
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
                _signal(self.pid, signal.SIGKILL)
                self.stop_at, self.give_up_at = None, now + 5
            elif self.give_up_at is not None and now >= self.give_up_at:
                self.server.broken = True  # the step would not die: drop its server
                self.code = 128 + signal.SIGKILL
            for at in (self.deadline, self.stop_at, self.give_up_at):
                if at is not None and self.code is None:
                    wait = min(wait, max(0.0, at - now))
            if self.code is not None and exited_at == now:  # most often already at its end:
                while self._read_out():  # reads say so without a poll
                    pass
                if self.out_r < 0:
                    break
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
        if self.want_pid and not self.pid and self.code is None:
            wait = min(wait, 0.01)  # the step's pid: looked for until it is known
        # a stopping signal interrupts here, in the wait, and nowhere else: never in the
        # middle of the bookkeeping of descriptors and control lines around it
        with self.interruptible():
            events = poller.poll(wait * 1000)
        # control first: a command's marker is written before its output
        for fd, _ in sorted(events, key=lambda e: e[0] != srv.ctl):
            if fd == self.out_r:
                self._read_out()
            elif fd == srv.ctl:
                self._read_ctl()
            elif self.code is None:  # the server is gone
                self._read_ctl()
                if self.code is None:
                    self.code = 255
                    srv.broken = True
        if self.want_pid and not self.pid:
            self._find_pid()
        return bool(events)

    def _read_out(self) -> bool:  # True when output came
        try:
            data = os.read(self.out_r, self.chunk)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        if len(data) == CHUNK == self.chunk:  # a full pipe: the step prints a lot
            self.chunk = widen(self.out_r)
        if data:
            self._take(data)
        else:
            self._close_out()
        return bool(data)

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
        srv.lines.extend(lines)
        self.take_ctl()

    def take_ctl(self) -> None:
        """Take this step's status from the server's control lines: one line each, in
        the order the steps were handed over (the rest belong to queued steps)."""
        lines = self.server.lines
        while lines and self.code is None:
            line = lines.popleft()
            if line == b"skip":  # handed over queued, and not run (see engines.server)
                self.skipped = True
                self.code = 255
                self._closed_by_server()
            else:
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
            self.on_done(int(words[0]))
        elif kind == b"rc" and len(words) == 2 and server:  # the next status is this step's
            self.pid = int(words[0])  # the step's process group, for the sweep
            self.code = int(words[1])
            self._closed_by_server()

    def _closed_by_server(self) -> None:
        close_fd(self, "out_w")  # the server had it open: the step's output ends when the
        # last process holding it does

    def _find_pid(self) -> None:
        """Learn the step's pid (and process group) from the server's children, and
        send it the signal it is owed."""
        if self.pid:
            return
        pid = self.server.step_pid()
        # bash writes a step's status before it forks the next (queued) step: a status
        # read after the look at its children says that child is not this step
        self._read_ctl()
        if self.code is not None:
            return
        self.pid = pid
        if self.pid and self.stop_at is not None:
            _signal(self.pid, signal.SIGTERM)

    def _wait_pid(self) -> None:
        self.want_pid = True
        give_up = time.monotonic() + 5
        self._find_pid()
        while not self.pid and self.code is None and time.monotonic() < give_up:
            self._poll(0.01)

    def _stop(self) -> None:
        """End the step like Ctrl-C ends a command: SIGTERM to its group, SIGKILL
        two seconds later if it is still there."""
        self.stop_at = time.monotonic() + 2
        self.want_pid = True  # not known yet: it is signalled as soon as it is
        if self.pid:
            _signal(self.pid, signal.SIGTERM)
        else:
            self._find_pid()

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
        close_fd(self, "out_r")
        close_fd(self, "out_w")

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
        if not data:
            return
        if self.plain and data.isascii():  # the bytes are the text: no decoding, no copy
            self._emit(data.decode("ascii"), data)
            return
        self._emit(self.masker.feed(data))
        # with no secret to mask, a chunk that ends in ASCII leaves nothing held back
        self.plain = not self.masker.secrets and data[-1] < 0x80

    def _emit(self, text: str, raw: bytes | None = None) -> None:
        if not text:
            return
        self.log.write(text.encode("utf-8", "replace") if raw is None else raw)
        self.keep.add(text)
        if raw is not None and self.on_ascii is not None:
            self.on_ascii(raw)
        else:
            self.on_output(text)


def _signal(pid: int, sig: int) -> None:
    """Signal a step's process group (pid 0: not known yet, nothing to signal)."""
    if pid:
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def widen(fd: int) -> int:
    """A bigger pipe for a step that prints a lot: the step writes on while its output
    is shown and logged, and each wake-up of relbook moves up to 1 MiB (whatever
    PYTHONUNBUFFERED says, one write per chunk to the terminal). Returns the read size."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, BIG_CHUNK)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or over the system's limit: the pipe stays as it is
    return BIG_CHUNK
