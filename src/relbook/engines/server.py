"""The shell server: one long-lived bash that forks a subshell per step."""

from __future__ import annotations

import os
import subprocess
from collections import deque

from relbook.bash.programs import program
from relbook.engines.fds import close_fd
from relbook.engines.procs import STEP_TOKEN_VAR

TRACE_FD_VAR = "RELBOOK_TRACE_FD"
TRACE_FD = 6


# A long-lived bash that runs each step in a forked subshell: forking a running
# shell costs a fraction of starting bash anew, which dominates trivial steps.
# Job control (set -m) gives each step a process group of its own; the step turns
# it off again so that its own background jobs stay in that group. A step comes
# as a 66-byte header (token; output descriptor in hex; lengths of the working
# directory, of the session's variables and of the script, in decimal; `a` when
# all of it is ASCII; `q` for a queued step, `f` otherwise) and the strings.
# `read -N` takes each in one system call: bytes are characters in ASCII whatever
# the locale, and anything else is read in the C locale (`LC_ALL=C` on a command
# costs two locale loads: not per step).
# The working directory and the variables come only when they change (a new server
# gets all the variables; they are kept here, so that every later step inherits
# them). The subshell's redirections are those of the forked command, made in the
# child with one dup2 each (an `exec` or a builtin's redirection saves and restores
# each descriptor: four more calls). The server's output carries the step's `rc PID
# STATUS` line and nothing else: a trivial step wakes relbook for its output and
# its end, not its start (relbook finds the pid in the server's children when it
# must signal the step before it ends). The step is a background job that is
# waited for, not a foreground one: a non-interactive bash whose foreground job
# dies of SIGINT kills itself with it. Bash frees its table of finished jobs'
# statuses when the table empties, and builds it anew (half a megabyte) for the
# next job: `: & wait` keeps one status in it for good.
# The step's script is parsed whole (as a function's body, defined and dropped) before
# it runs: `eval` runs each command as soon as it is read, so a syntax error on its last
# line would otherwise come after the lines before it had run. It exits 2, as bash -n.
# Queued steps (see engines.window): relbook may hand over the next steps while one
# runs. A queued step (`q`) runs only if the step before it exited 0 and relbook,
# having read its status and output, said so: one byte on descriptor 8, `g` (go) -- anything
# else, and a step before it that failed, and it is read, not run, and answered
# `skip`, and so is every queued step after it, until a step that is not queued (`f`,
# sent once relbook has seen every status). relbook gone (the end of descriptor 8),
# the server ends: a queued step never runs once relbook has died.
_SERVER = f"""set -m
if [[ $1 != 8 ]]; then exec 8<&"$1" && eval "exec $1<&-"; fi
exec 7</dev/null
: & wait
__rb_dir=. __rb_ok=0
while read -r -N 66 __rb_h; do
  if [[ ${{__rb_h:40:16}} != 0000000000000000 ]]; then
    if [[ ${{__rb_h:40:8}} != 00000000 ]]; then
      LC_ALL=C read -r -N "${{__rb_h:40:8}}" __rb_dir || break
    fi
    if [[ ${{__rb_h:48:8}} != 00000000 ]]; then  # the session's variables: kept here
      if [[ ${{__rb_h:64:1}} == a ]]; then read -r -N "${{__rb_h:48:8}}" __rb_c || break
      else LC_ALL=C read -r -N "${{__rb_h:48:8}}" __rb_c || break; fi
      eval "$__rb_c"; unset __rb_c
    fi
  fi
  if [[ ${{__rb_h:64:1}} == a ]]; then read -r -N "${{__rb_h:56:8}}" __rb_s || break
  else LC_ALL=C read -r -N "${{__rb_h:56:8}}" __rb_s || break; fi
  if [[ ${{__rb_h:65}} == q ]]; then
    if [[ $__rb_ok == 0 ]]; then read -r -u 8 -N 1 __rb_go || break; fi
    if [[ $__rb_ok != 0 || $__rb_go != g ]]; then __rb_ok=1; printf 'skip\\n'; continue; fi
  fi
  ( set +m; export {STEP_TOKEN_VAR}="${{__rb_h:0:32}}" {TRACE_FD_VAR}={TRACE_FD}
    cd -- "$__rb_dir" || exit 127; unset __rb_h __rb_dir __rb_ok __rb_go
    eval "__rb_parse() {{ $__rb_s
}}" && unset -f __rb_parse && eval "$__rb_s"
  ) <&7 7<&- 8<&- >"/proc/$PPID/fd/$((16#${{__rb_h:32:8}}))" 2>&1 {TRACE_FD}>&1 &
  wait "$!"
  __rb_ok=$?
  printf 'rc %s %s\\n' "$!" "$__rb_ok"
done
"""
_DIGITS = 8  # each length in the header: at most 99,999,999 bytes


class _Server:
    """The shell that forks one subshell per step (see _SERVER)."""

    def __init__(self, env: dict[str, str], wrapper: tuple[str, ...] = ()) -> None:
        self.env = env
        go_r, self.go_w = os.pipe()  # relbook's say-so for each queued step (see _SERVER)
        try:
            self.proc = subprocess.Popen(
                [
                    *wrapper,
                    program("bash"),
                    "--noprofile",
                    "--norc",
                    "-c",
                    _SERVER,
                    "server",
                    str(go_r),
                ],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                pass_fds=(go_r,),
            )
        except BaseException:
            os.close(self.go_w)
            raise
        finally:
            os.close(go_r)
        pid = self.proc.pid  # its children: the running step's subshell, if any
        self.children_path = f"/proc/{pid}/task/{pid}/children"
        self.ctl = self.proc.stdout.fileno()
        os.set_blocking(self.ctl, False)
        self.buf = b""
        self.lines: deque[bytes] = deque()  # control lines not yet taken (queued steps')
        self.cwd: str | None = None
        self.fresh = True  # no step yet: it holds none of a session's variables
        self.broken = False  # a step could not be stopped: start afresh
        self.pidfd = _pidfd(self.proc.pid)  # readable once the server is gone

    def send(self, script: str, cwd: str, out_w: int, token: str, carry: str = "") -> None:
        """Hand a step over, in one write; `carry` is bash for the server itself (the
        session's variables), run before the step is forked."""
        self.write(self.message(script, cwd, out_w, token, carry))

    def go(self) -> None:
        """Let the next queued step run (the one before it ended well)."""
        try:
            os.write(self.go_w, b"g")
        except OSError:  # the server is gone (its end is read with its status)
            pass

    def write(self, data: bytes) -> None:
        """Hand over messages (see message) in one write."""
        _write_all(self.proc.stdin.fileno(), data)

    def message(
        self, script: str, cwd: str, out_w: int, token: str, carry: str = "", queued: bool = False
    ) -> bytes:
        """A step's message; a `queued` one runs only if the step before it exited 0."""
        where = b"" if cwd == self.cwd else _encoded(cwd)
        held, body = _encoded(carry), _encoded(script)
        if len(token) != 32 or not token.isascii():
            raise ValueError("a step token is 32 ASCII characters")
        if max(len(where), len(held), len(body)) >= 10**_DIGITS:
            raise ValueError("a step's script is limited to 99,999,999 bytes")
        kind = "a" if where.isascii() and held.isascii() and body.isascii() else "b"
        lengths = f"{len(where):08}{len(held):08}{len(body):08}"
        head = f"{token}{out_w:08x}{lengths}{kind}{'q' if queued else 'f'}".encode()
        self.cwd = cwd
        return head + where + held + body

    def step_pid(self) -> int:
        """The pid of the step's subshell (its process group) once it has one, else 0."""
        pids = self.children()
        pid = pids[0] if len(pids) == 1 else 0
        try:
            return pid if pid and os.getpgid(pid) == pid else 0  # forked, and in its group
        except OSError:
            return 0

    def children(self) -> list[int]:
        """The server's children (the running step's subshell, if any)."""
        try:
            with open(self.children_path, "rb") as f:
                return [int(p) for p in f.read().split()]
        except (OSError, ValueError):
            return []

    def drain(self) -> None:
        """Read what the server has written (it has ended) into `lines`."""
        while True:
            try:
                data = os.read(self.ctl, 1 << 16)
            except OSError:
                break
            if not data:
                break
            *lines, self.buf = (self.buf + data).split(b"\n")
            self.lines.extend(lines)

    def stop(self) -> None:
        close_fd(self, "go_w")  # a queued step still waiting for its say-so is skipped
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
        close_fd(self, "pidfd", None)


def _encoded(text: str) -> bytes:
    return text.replace("\0", "").encode("utf-8", "surrogateescape")


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
