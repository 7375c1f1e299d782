"""The shell server: one long-lived bash that forks a subshell per step."""

from __future__ import annotations

import os
import shutil
import subprocess

from relbook.engines.procs import STEP_TOKEN_VAR

TRACE_FD_VAR = "RELBOOK_TRACE_FD"
TRACE_FD = 6


def _bash() -> str:
    """bash's full path, looked up once (exec would try every PATH entry each time)."""
    global _BASH
    if _BASH is None:
        _BASH = shutil.which("bash") or "bash"
    return _BASH


_BASH: str | None = None


# A long-lived bash that runs each step in a forked subshell: forking a running
# shell costs a fraction of starting bash anew, which dominates trivial steps.
# Job control (set -m) gives each step a process group of its own; the step turns
# it off again so that its own background jobs stay in that group. A step comes
# as a 56-byte header (token, output descriptor, lengths of the working directory
# and of the script, in hex) and the two strings; `read -N` in the C locale takes
# each in one system call (byte counts, where other reads go a byte at a time).
# The working directory is sent only when it changes. The step's trace lines go
# to its output pipe (ordered with its output); the server's own output carries
# the step's `rc PID STATUS` line, and a pipe of its own (fd 3 here) its `pid`
# line, read only when relbook needs the pid before the step ends (to signal
# it): a trivial step wakes relbook for its output and its end, not its start.
_SERVER = f"""set -m
exec 3>&2 2>/dev/null
__rb_dir=.
while LC_ALL=C read -r -N 56 __rb_h; do
  __rb_n=$((16#${{__rb_h:40:8}})) __rb_m=$((16#${{__rb_h:48:8}})) __rb_s=
  if ((__rb_n)); then LC_ALL=C read -r -N "$__rb_n" __rb_dir || break; fi
  if ((__rb_m)); then LC_ALL=C read -r -N "$__rb_m" __rb_s || break; fi
  if [[ $__rb_s == $'#relbook-carry\n'* ]]; then  # the session's variables: kept here
    __rb_c=${{__rb_s#*$'\n'}} __rb_s=${{__rb_s#*$'\n#relbook-carry-end\n'}}
    eval "${{__rb_c%%$'\n#relbook-carry-end\n'*}}"; unset __rb_c
  fi
  if ! exec 5>"/proc/$PPID/fd/$((16#${{__rb_h:32:8}}))"; then
    printf 'pid 0\\n' >&3; printf 'rc 0 127\\n'; continue
  fi
  ( set +m; export {STEP_TOKEN_VAR}="${{__rb_h:0:32}}" {TRACE_FD_VAR}={TRACE_FD}
    cd -- "$__rb_dir" || exit 127; unset __rb_h __rb_n __rb_m __rb_dir __rb_pid __rb_c
    eval "$__rb_s" ) </dev/null {TRACE_FD}>&5 >&5 2>&5 5>&- 3>&- &
  __rb_pid=$!
  exec 5>&-
  printf 'pid %s\\n' "$__rb_pid" >&3
  wait "$__rb_pid"
  printf 'rc %s %s\\n' "$__rb_pid" "$?"
done
"""


class _Server:
    """The shell that forks one subshell per step (see _SERVER)."""

    def __init__(self, env: dict[str, str], wrapper: tuple[str, ...] = ()) -> None:
        self.env = env
        self.pids, pids_w = os.pipe()  # the server's `pid` lines (see _SERVER)
        try:
            self.proc = subprocess.Popen(
                [*wrapper, _bash(), "--noprofile", "--norc", "-c", _SERVER],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=pids_w,
                start_new_session=True,
            )
        except BaseException:
            os.close(self.pids)
            raise
        finally:
            os.close(pids_w)
        os.set_blocking(self.pids, False)
        self.pids_buf = b""
        self.ctl = self.proc.stdout.fileno()
        os.set_blocking(self.ctl, False)
        self.buf = b""
        self.cwd: str | None = None
        self.fresh = True  # no step yet: it holds none of a session's variables
        self.broken = False  # a step could not be stopped: start afresh
        self.pidfd = _pidfd(self.proc.pid)  # readable once the server is gone

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, script: str, cwd: str, out_w: int, token: str) -> None:
        """Hand a step over, in one write."""
        where = b"" if cwd == self.cwd else cwd.encode("utf-8", "surrogateescape")
        body = script.replace("\0", "").encode("utf-8", "surrogateescape")
        if len(token) != 32 or not token.isascii():
            raise ValueError("a step token is 32 ASCII characters")
        head = f"{token}{out_w:08x}{len(where):08x}{len(body):08x}".encode()
        _write_all(self.proc.stdin.fileno(), head + where + body)
        self.cwd = cwd

    def stop(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        if self.pids >= 0:
            os.close(self.pids)
            self.pids = -1
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when `pid` exits (Linux 5.3+), or None."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None
