"""A stopping signal raises wherever Python code runs: one that lands while a kept
descriptor is closed never leaves its owner naming a closed descriptor (closed again
later, that fails with EBADF, or closes another file that reused the number)."""

from __future__ import annotations

import os
import sys
from types import FrameType
from typing import Any

import pytest

from relbook.engines.fds import close_fd


class _Owner:
    fd: int = -1


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _lines_of_close_fd() -> list[int]:
    code = close_fd.__code__
    return sorted({line for _, _, line in code.co_lines() if line and line > code.co_firstlineno})


@pytest.mark.parametrize("at", _lines_of_close_fd())
def test_a_signal_at_any_line_of_close_fd_leaves_the_owner_consistent(at: int) -> None:
    r, w = os.pipe()
    os.close(w)
    owner = _Owner()
    owner.fd = r

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code is close_fd.__code__:
            if event == "line" and frame.f_lineno == at:
                sys.settrace(None)
                frame.f_trace = None
                raise KeyboardInterrupt  # as the handler of a stopping signal does
            return trace
        return None

    sys.settrace(trace)
    try:
        close_fd(owner, "fd")
    except KeyboardInterrupt:
        pass
    finally:
        sys.settrace(None)
    # either nothing is closed yet and the owner still names it, or it is forgotten
    assert (owner.fd == r and _is_open(r)) or owner.fd == -1
    close_fd(owner, "fd")  # the cleanup after the signal: no EBADF, nothing else closed
    assert owner.fd == -1
    if _is_open(r):  # a signal between forgetting and closing: not a second close
        os.close(r)
