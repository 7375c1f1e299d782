"""Engines run a shell step's bash and report what happened.

The local engine keeps one long-lived `bash --noprofile --norc` (restarted when
the environment changes or it dies) that forks a subshell per step, each in a
process group of its own under `set -euo pipefail`. A step is handed over in
one write: a fixed-size header and the script, which bash reads with two
`read -N` (length-prefixed reads, not a byte per system call). The engine
streams the step's output live (masked), keeps a bounded copy for the record
and the full log on disk, learns which command is running from a marker line
the script prints before each of its commands (none for a one-command step) into
the same pipe as the output, so that the two never race (see TRACE_MARK),
and after the step (or on timeout or Ctrl-C) kills the step's group and
anything it left behind (see procs: relbook is the subreaper of its run).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from relbook.lazy import exports

if TYPE_CHECKING:
    from relbook.engines.local import HEADER, HEADER_LINES, LocalEngine, trace_note, traced
    from relbook.engines.outputlog import OutputLog
    from relbook.engines.procs import STEP_TOKEN_VAR, kill_marked
    from relbook.engines.protocol import Engine, Execution
    from relbook.engines.pump import CHUNK, DRAIN_SECONDS, KEEP_BYTES, TRACE_MARK
    from relbook.engines.server import TRACE_FD, TRACE_FD_VAR

# name -> the module that defines it, imported on first use: the record's output log
# (engines.outputlog, which a dry run opens) then costs no engine, pump or server
_HOME = {
    **dict.fromkeys(("HEADER", "HEADER_LINES", "LocalEngine", "trace_note", "traced"), "local"),
    "OutputLog": "outputlog",
    **dict.fromkeys(("STEP_TOKEN_VAR", "kill_marked"), "procs"),
    **dict.fromkeys(("Engine", "Execution"), "protocol"),
    **dict.fromkeys(("CHUNK", "DRAIN_SECONDS", "KEEP_BYTES", "TRACE_MARK"), "pump"),
    **dict.fromkeys(("TRACE_FD", "TRACE_FD_VAR"), "server"),
}


__getattr__ = exports(__name__, _HOME)


__all__ = [
    "CHUNK",
    "DRAIN_SECONDS",
    "HEADER",
    "HEADER_LINES",
    "KEEP_BYTES",
    "STEP_TOKEN_VAR",
    "TRACE_FD",
    "TRACE_FD_VAR",
    "TRACE_MARK",
    "Engine",
    "Execution",
    "LocalEngine",
    "OutputLog",
    "kill_marked",
    "trace_note",
    "traced",
]
