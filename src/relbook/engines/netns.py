"""Run a program in a network namespace of its own, with only loopback (Linux).

`python netns.py PROGRAM ARGS...` unshares the network namespace
(inside a new user namespace when not root, so no privilege is needed where user
namespaces are allowed), brings `lo` up, and execs PROGRAM: nothing it starts can
reach another machine, whatever path, tool or socket it uses (`/usr/bin/ssh`,
`python -c 'import socket...'`, bash's `/dev/tcp`); connections fail at once with
"Network is unreachable". A drill's shell runs this way.

`isolation()` says whether that works here (and why not, when it does not).
"""

from __future__ import annotations

import os
import subprocess
import sys

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1


def isolate() -> None:
    """Move this process into a new network namespace with loopback up (raises OSError)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNET if uid == 0 else CLONE_NEWNET | CLONE_NEWUSER
    if libc.unshare(flags) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    if uid != 0:  # the same uid and gid inside: files keep their owners
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _loopback_up()


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _loopback_up() -> None:
    import fcntl
    import socket
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifr = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, _SIOCGIFFLAGS, ifr)[:18])[1]
        fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | _IFF_UP))


def wrapper() -> list[str]:
    """The argv prefix that runs a program isolated (see the module docstring): this
    file as a script, which needs only the standard library (-I -S: quick to start)."""
    return [sys.executable, "-I", "-S", os.path.abspath(__file__)]


def isolation() -> str:
    """ "" when programs can be isolated from the network here, else why not."""
    if not sys.platform.startswith("linux"):
        return f"network namespaces are a Linux feature (this is {sys.platform})"
    done = subprocess.run([*wrapper(), "--check"], capture_output=True, text=True, timeout=30)
    if done.returncode == 0:
        return ""
    return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "unknown failure"


def main(argv: list[str]) -> int:
    """Isolate, then exec argv (with --check: isolate and report)."""
    try:
        isolate()
    except OSError as e:
        print(f"cannot make a network namespace: {e.strerror or e}", file=sys.stderr)
        return 126
    if argv[:1] == ["--check"]:
        return 0
    if not argv:
        print("usage: netns.py PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    try:
        os.execvp(argv[0], argv)
    except OSError as e:
        print(f"{argv[0]}: {e.strerror}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
