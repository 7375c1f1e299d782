"""Processes a step leaves behind: found, killed and named.

During a run relbook is the child subreaper of its descendants (Linux prctl
PR_SET_CHILD_SUBREAPER): a process whose parent exits is re-parented to relbook,
not to init, whatever it did to its environment, session or process group
(`env -i setsid -f sleep ...` included). So once a step's subshell has exited,
everything the step left running is in a tree under one of relbook's own
children, and a single read of relbook's children list (no /proc scan: one
pread(2) of a descriptor kept open) tells whether anything was left. Crash
recovery, where relbook itself died and its orphans went to init, still finds a
step's processes by the token in their environment (`kill_marked`).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

from relbook.engines.fds import close_fd

STEP_TOKEN_VAR = "RELBOOK_STEP_TOKEN"
_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37
_SWEEP_SECONDS = 2.0  # how long to wait for a killed group's members to be gone
_FORKED = " --noprofile --norc -c set -m"  # how the shell server's forks are named


class Reaper:
    """Makes this process the subreaper of what it starts, and sweeps up after steps."""

    def __init__(self) -> None:
        self.was_subreaper = _get_subreaper()
        self.on = _set_subreaper(True)
        # the kernel hands orphans to the subreaper's first live thread: the main one
        self.children_path = f"/proc/{os.getpid()}/task/{os.getpid()}/children"
        try:  # kept open: each look is one pread(2), the kernel writes the list anew
            self.children_fd = os.open(self.children_path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self.children_fd = -1
        self.known: set[int] = set(self.children())  # children this process already had

    def children(self) -> list[int]:
        """Pids of the main thread's children (adopted orphans included); [] if unknown."""
        if self.children_fd < 0:
            return []
        try:
            data = chunk = os.pread(self.children_fd, 1 << 16, 0)
            while len(chunk) == 1 << 16:  # a long list: the rest of it
                chunk = os.pread(self.children_fd, 1 << 16, len(data))
                data += chunk
        except OSError:
            return []
        return [int(p) for p in data.split()]

    def expect(self, pid: int) -> None:
        """A child of relbook's own (the shell server) that is no stray."""
        self.known.add(pid)

    def sweep(self, pgid: int, token: str, spare: list[str] | None = None) -> list[str]:
        """Kill what a finished step left running: its process group, and every
        process re-parented to relbook since -- but those carrying a token in `spare`
        (steps queued behind it, which may run already: engines.window); describe them
        for the record."""
        if not self.on:  # no subreaper here: fall back to the step's token
            found = _kill_group_once(pgid)
            return found + (kill_marked(token) if found or _marked(_all_children(), token) else [])
        found: list[str] = []
        strays = self._strays(spare)  # named before the group goes: its members are among them
        group_alive = bool(_kill_group_once(pgid))
        if group_alive:
            found.append(f"process group {pgid}")
        deadline = time.monotonic() + _SWEEP_SECONDS
        while True:
            for pid, (state, cmd) in strays.items():
                _end(pid, state)
                if state != "Z":
                    found.append(f"pid {pid} ({cmd})")
            if strays:  # their own children have just been re-parented here
                strays = self._strays(spare)
                continue
            if not group_alive or time.monotonic() > deadline:
                return found
            group_alive = _group_exists(pgid)
            if group_alive:
                time.sleep(0.002)  # killed members are dying; their orphans come here
            strays = self._strays(spare)

    def _strays(self, spare: list[str] | None = None) -> dict[int, tuple[str, str]]:
        """Children that are not relbook's own, with their state and command line (but
        those carrying a token in `spare`)."""
        pids = [p for p in self.children() if p not in self.known]
        if pids and spare:
            kept = {p for token in spare for p in _marked(pids, token)}
            pids = [p for p in pids if p not in kept]
        return {p: _describe(p) for p in pids}

    def close(self) -> None:
        """Stop being the subreaper unless this process was one before."""
        if self.on and not self.was_subreaper:
            _set_subreaper(False)
        self.on = False
        close_fd(self, "children_fd")


def _kill_group_once(pgid: int) -> list[str]:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return []
    return [f"process group {pgid}"]


def _group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _end(pid: int, state: str) -> None:
    """Kill an adopted process (and its own process group, if it made one) and reap it."""
    try:
        if state != "Z":
            if os.getpgid(pid) == pid:  # a group of its own (setsid): take its members along
                os.killpg(pid, signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        os.waitpid(pid, 0)  # once reaped, its children have been re-parented here
    except ChildProcessError:
        pass


def _describe(pid: int) -> tuple[str, str]:
    """(state letter, command line) of a process; one just forked by the step's shell
    is given a moment to exec what it was forked for."""
    for _ in range(50):
        state, cmd = _stat(pid)
        if state == "Z" or _FORKED not in cmd:
            break
        time.sleep(0.002)
    return state, cmd


def _stat(pid: int) -> tuple[str, str]:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0].decode()
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except (OSError, IndexError):
        return "?", ""
    return state, cmd


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


def _all_children() -> list[int]:
    """This process's children, all threads (Linux /proc/self/task/*/children)."""
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


def _libc() -> Any:
    global _LIBC
    if _LIBC is None:
        import ctypes

        _LIBC = ctypes.CDLL(None, use_errno=True)
    return _LIBC


_LIBC: Any = None


def _set_subreaper(on: bool) -> bool:
    """Become (or stop being) the reaper of orphaned descendants; False if impossible."""
    if not sys.platform.startswith("linux"):
        return False
    return _libc().prctl(_PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) == 0


def _get_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    flag = ctypes.c_int(0)
    _libc().prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0)
    return bool(flag.value)
