"""Closing a descriptor that an object keeps, safely under stopping signals."""

from __future__ import annotations

import os


def close_fd(owner: object, name: str, empty: int | None = -1) -> None:
    """Close the descriptor kept in `owner.<name>` and forget it (`empty` there).

    A stopping signal raises wherever Python code runs (see relbook.run.signals). The
    attribute is cleared before the descriptor is closed, so it never names one that
    is closed already: closing it again would fail with EBADF or, once the number is
    reused, close another file. (A signal right between the two leaves the descriptor
    open and forgotten: a leak until relbook exits, never a wrong close.)"""
    fd = getattr(owner, name)
    if fd is None or fd < 0:
        return
    setattr(owner, name, empty)
    os.close(fd)
