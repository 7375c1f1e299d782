"""One run at a time per repository, and per record.

Two locks, taken in this order, each failing at once when held:
- the repository lock, in the repository's git common directory
  (`.git/relbook.lock`, shared by every worktree and clone-less checkout of it):
  two runs that would write the same repository never proceed together, whatever
  their runbook, version or records directory;
- the record lock, beside the record (`records/<runbook>/<version>.lock`): two
  runs never write one record, whatever repository they point at.

Both are `flock(2)` locks on an open file: the kernel releases them when the
holder dies, however it dies (a killed relbook, a papermill kernel that crashed),
so a stale lock recovers by itself. The holder writes who it is (pid, host,
runbook, version, records, since) into the lock file; a refused run names it.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from relbook.errors import LockedError, RecordError, RelbookError

REPO_LOCK = "relbook.lock"
# how long a refused run waits for a holder that has just taken a lock to say who it is
HOLDER_PATIENCE = 2.0


@contextmanager
def release_lock(
    path: Path, *, repo: str | None = None, runbook: str = "", version: str = ""
) -> Iterator[None]:
    """Hold the repository's lock (when `repo` is a git repository) and the record's
    lock at `path`, or fail at once naming the run that holds one of them."""
    me = _holder(path, runbook, version)
    with ExitStack() as stack:
        common = git_common_dir(repo) if repo else None
        if common is not None:
            stack.enter_context(_flock(common / REPO_LOCK, me, f"repository {repo}"))
        stack.enter_context(_flock(path, me, "this release's record"))
        yield


def _holder(path: Path, runbook: str, version: str) -> dict[str, object]:
    """What a lock file says of the run holding it."""
    return {
        "pid": os.getpid(),
        "host": os.uname().nodename,  # what socket.gethostname() says, without socket
        "runbook": runbook,
        "version": version,
        "records": str(path.parent.parent.resolve()),
        "since": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


@contextmanager
def record_lock(path: Path, *, runbook: str = "", version: str = "") -> Iterator[None]:
    """Hold only a record's lock (a signer adds to a record from their own checkout)."""
    me = _holder(path, runbook, version)
    with _flock(path, me, "this release's record"):
        yield


def git_common_dir(repo: str) -> Path | None:
    """The git directory every worktree of `repo` shares (None when not a repository)."""
    if not (Path(repo) / ".git").exists():
        return None
    from relbook.params.gitfacts import COMMON_DIR, git_out

    try:
        code, out = git_out(repo, *COMMON_DIR)
    except RelbookError:  # no git
        return None
    return Path(out.strip()) if code == 0 and out.strip() else None


@contextmanager
def _flock(path: Path, me: dict[str, object], what: str) -> Iterator[None]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # not inherited by the steps' processes (os.open is close-on-exec): a step's
        # leftover never keeps the lock of a run that has ended
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise RecordError(
            f"cannot create the lock of {what}: {e.strerror}", path=str(path)
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"another relbook run holds {what}: {_holder_of(fd)}; wait for it to finish",
                path=str(path),
            ) from None
        try:
            # written, then cut to its length: a run refused meanwhile never
            # reads an empty file (the last holder emptied it on release)
            data = json.dumps(me).encode()
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))
        except OSError:
            pass  # the lock holds; only its holder's description is missing
        try:
            yield
        finally:
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder_of(fd: int) -> str:
    """Who holds the lock: a run that has just taken it writes who it is a moment
    later, so an empty or half-written file is read again for a while."""
    deadline = time.monotonic() + HOLDER_PATIENCE
    while True:
        try:
            return _describe(json.loads(os.pread(fd, 65536, 0)))
        except (OSError, ValueError, AttributeError):
            if time.monotonic() >= deadline:
                return "a process whose details are not known yet"
            time.sleep(0.01)


def _describe(info: dict) -> str:
    bits = [f"pid {info.get('pid')} on host {info.get('host')}"]
    if info.get("runbook"):
        bits.append(f"runbook {info['runbook']} version {info.get('version')}")
    if info.get("records"):
        bits.append(f"records {info['records']}")
    bits.append(f"since {info.get('since')}")
    return ", ".join(bits)
