"""The journal's syncer: one long-lived thread that fsyncs on request (group commit)."""

from __future__ import annotations

import os
import time

_fdatasync = getattr(os, "fdatasync", os.fsync)  # appends need the data and the size only
GAP = 0.02  # seconds between the starts of two fsyncs nobody waits for, at least


class Syncer:
    """One long-lived thread that fsyncs a journal on request. Requests that come
    while an fsync is under way are served together by the next one, and `durable`
    only ever counts bytes written before an fsync that succeeded began. Unless
    someone waits for it (a prompt, a notebook write, the end of the run), an fsync
    starts at most every GAP seconds: a run of trivial steps costs the disk (and
    the process, its thread switches) 50 fsyncs a second, not one per step."""

    def __init__(self, fd: int, durable: int) -> None:
        import threading

        self.fd, self.durable, self.wanted = fd, durable, durable
        self.error: OSError | None = None
        self.closed = False
        self.idle = False  # the thread waits for a request (else it will look again)
        self.waiting = 0  # callers of wait() (they are not kept waiting for the GAP)
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._run, name="journal-sync", daemon=True)
        self.thread.start()

    def request(self, size: int) -> None:
        """Have the first `size` bytes fsynced soon. The thread is woken only when it
        is idle: one busy with an fsync takes the new size when that one returns."""
        with self.cond:
            if size > self.wanted:
                self.wanted = size
                if self.idle:
                    self.cond.notify_all()

    def wait(self, size: int) -> None:
        """Have the first `size` bytes fsynced, and wait until they are (or failed)."""
        with self.cond:
            if size > self.wanted:
                self.wanted = size
            self.waiting += 1
            self.cond.notify_all()
            try:
                while self.durable < size and self.error is None:
                    self.cond.wait()
            finally:
                self.waiting -= 1

    def _run(self) -> None:
        began = -GAP
        with self.cond:
            while True:
                while self.wanted <= self.durable and not self.closed and self.error is None:
                    self.idle = True
                    self.cond.wait()
                    self.idle = False
                if self.wanted <= self.durable or self.error is not None:
                    return
                while not self.waiting and not self.closed:  # pace the fsyncs
                    left = began + GAP - time.monotonic()
                    if left <= 0:
                        break
                    self.cond.wait(left)
                target = self.wanted  # written before this fsync begins
                began = time.monotonic()
                self.cond.release()
                try:
                    _fdatasync(self.fd)
                    error = None
                except OSError as e:
                    error = e
                finally:
                    self.cond.acquire()
                if error is None:
                    self.durable = max(self.durable, target)
                else:
                    self.error = error
                self.cond.notify_all()

    def close(self) -> None:
        """Finish the fsyncs asked for, then stop the thread."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        self.thread.join()
