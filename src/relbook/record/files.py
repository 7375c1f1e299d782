"""Durable file writes: temp file, fsync, rename (and fsync of the directory)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from relbook.errors import RecordError


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves the old or the new file, never
    half; the new file is read back before it replaces the old one. A write that fails
    (disk full, read-only, quota) leaves the old file and raises RecordError."""
    tmp = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only where a record file is written

        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "r+b") as f:
            os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; keep the usual mode
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            if os.fstat(fd).st_size != len(data) or os.pread(fd, len(data) + 1, 0) != data:
                raise OSError(errno.EIO, "the file read back differs from what was written")
        os.replace(tmp, path)
    except OSError as e:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise RecordError(f"cannot write: {e.strerror or e}", path=str(path)) from None
    fsync_dir(path.parent)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_dir(path: Path) -> None:
    """fsync a directory so a rename in it survives a crash."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
