"""The journal: append-only JSON lines with a hash chain, fsynced by one syncer; the
truth a record's notebook is derived from and a resumed run continues from."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relbook.digest import record_sha256
from relbook.errors import RecordError

if TYPE_CHECKING:
    from relbook.record.sync import Syncer


def _chain(prev: str, body: str) -> str:
    return record_sha256()((prev + body).encode()).hexdigest()[:16]


# an event's body: what read_journal checks the chain with (the keys sorted)
_dumps = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


class Journal:
    """Append-only JSON-lines journal with a hash chain (edits are detected)."""

    def __init__(self, path: Path, events: list[dict[str, Any]] | None = None) -> None:
        self.path = path
        self.events = list(events or [])
        self.last_hash = self.events[-1]["h"] if self.events else ""
        self.unsynced = False
        self._sync: Syncer | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as e:
            raise RecordError(f"cannot open journal: {e.strerror}", path=str(path)) from None
        self.size = os.fstat(self.fd).st_size
        self._mend()

    def _mend(self) -> None:
        """End the journal with a newline: add the one a whole last event lacks, or
        cut off the half-written event a crash left behind."""
        if not self.size or os.pread(self.fd, 1, self.size - 1) == b"\n":
            return
        data = self.path.read_bytes()
        cut = data.rfind(b"\n") + 1
        try:
            whole = bool(self.events) and json.loads(data[cut:])["h"] == self.events[-1]["h"]
        except (ValueError, KeyError, TypeError):
            whole = False
        try:
            if whole:
                _write_all(self.fd, b"\n")
            else:
                os.ftruncate(self.fd, cut)
        except OSError as e:
            raise RecordError(f"cannot repair journal: {e.strerror}", path=str(self.path)) from None
        self.size = os.fstat(self.fd).st_size

    def _cut(self) -> None:
        """Remove a half-written event (the journal stays a sequence of whole events)."""
        try:
            os.ftruncate(self.fd, self.size)
        except OSError:
            pass  # read_journal drops a torn last line

    def append(self, event: dict[str, Any], *, sync: bool = False) -> None:
        """Write one event; with sync, fsync so it survives a power cut."""
        body = _dumps(event)
        h = _chain(self.last_hash, body)
        data = f'{body[:-1]}, "h": "{h}"}}\n'.encode()  # read_journal re-sorts the keys
        try:
            _write_all(self.fd, data)
            if os.fstat(self.fd).st_size != self.size + len(data):  # verified, not assumed
                raise OSError(errno.EIO, "the journal's size is not what was written")
        except OSError as e:
            self._cut()
            raise RecordError(f"cannot write journal: {e.strerror}", path=str(self.path)) from None
        self.size += len(data)
        self.unsynced = True
        self.last_hash = h
        self.events.append({**event, "h": h})
        if sync:
            self.sync()

    def sync(self) -> None:
        """Return once everything appended so far is on disk (fsynced)."""
        if self.unsynced:
            self._syncer().wait(self.size)
        self._raise()

    def sync_soon(self) -> None:
        """Ask for what was appended to be fsynced, without waiting: the journal's
        syncer thread does it while the next step runs, one fsync for whatever was
        appended by then (group commit). The next sync() waits for it and reports
        its error."""
        self._raise()
        if self.unsynced:
            self._syncer().request(self.size)

    @property
    def durable(self) -> int:
        """How many bytes of the journal are known to be on disk."""
        return self._sync.durable if self._sync is not None else 0

    def _syncer(self) -> Syncer:
        if self._sync is None:
            from relbook.record.sync import Syncer

            self._sync = Syncer(self.fd, self.size if not self.unsynced else 0)
        return self._sync

    def _raise(self) -> None:
        error = self._sync.error if self._sync is not None else None
        if error is not None:
            raise RecordError(f"cannot write journal: {error.strerror}", path=str(self.path))
        if self._sync is not None and self._sync.durable >= self.size:
            self.unsynced = False

    def close(self) -> None:
        """Close the journal (after the fsyncs asked for)."""
        if self._sync is not None:
            self._sync.close()
        os.close(self.fd)


def _write_all(fd: int, data: bytes) -> None:
    """os.write until all of `data` is written: a filling disk gives short writes
    first, and only the next write reports the error."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Events of a journal (read only); a torn last line (crash mid-write) is left out."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as e:
        raise RecordError(f"cannot read journal: {e.strerror}", path=str(path)) from None
    lines = data.split(b"\n")
    tail = lines.pop() if lines else b""  # b"" when the journal ends with a newline
    events: list[dict[str, Any]] = []
    prev = ""
    for n, raw in enumerate(lines, 1):
        if not raw:
            continue
        try:
            event = json.loads(raw)
            h = event.pop("h")
        except (ValueError, KeyError, AttributeError, TypeError):
            raise RecordError(
                "journal is corrupt (not a relbook event)", path=str(path), line=n
            ) from None
        body = json.dumps(event, sort_keys=True, ensure_ascii=False)
        if _chain(prev, body) != h:
            raise RecordError(
                "journal was edited by hand (hash chain broken); relbook will not "
                "continue this record",
                path=str(path),
                line=n,
            )
        prev = h
        events.append({**event, "h": h})
    last = _whole_event(tail, prev)
    if last is not None:  # complete, only its newline is missing
        events.append(last)
    # anything else in `tail` is the half-written event of a crashed run: it is
    # ignored here and cut off when the journal is next opened for writing
    return events


def _whole_event(raw: bytes, prev: str) -> dict[str, Any] | None:
    try:
        event = json.loads(raw)
        h = event.pop("h")
        body = json.dumps(event, sort_keys=True, ensure_ascii=False)
    except (ValueError, KeyError, AttributeError, TypeError):
        return None
    return {**event, "h": h} if _chain(prev, body) == h else None
