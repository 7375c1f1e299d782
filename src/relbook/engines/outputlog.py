"""A step's full output on disk: its log file, written as the output comes."""

from __future__ import annotations

import os
from pathlib import Path

from relbook.engines.fds import close_fd


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
        start = -1
        try:
            if self.fd is None:
                self._open()
            if self.first is None:  # the header and the first output: one write
                head = (b"" if self.at_line_start else b"\n") + self.header
                start = self.size + len(head)
                data = head + data
            self._put(data)
        except OSError as e:
            self.error = e.strerror or str(e)
            self.close()
        if start >= 0 and self.size >= start:  # the header is whole on disk
            self.first = start

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
        close_fd(self, "fd", None)
