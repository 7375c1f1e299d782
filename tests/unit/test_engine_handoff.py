"""The hand-off to the shell server: what a step gets (its bytes, directory, process
group, descriptors) whatever the locale and the characters, and a server that ended
between steps replaced."""

from __future__ import annotations

import os
import signal
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest

from relbook.engines import LocalEngine
from relbook.record.mask import Masker


@pytest.fixture
def engine():  # noqa: ANN201
    eng = LocalEngine()
    yield eng
    eng.close()


def _env() -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}


def _run(engine: LocalEngine, script: str, cwd: Path) -> tuple[int, str]:
    ex = engine.run(script, env=_env(), cwd=str(cwd), timeout=30, masker=Masker())
    return ex.exit_code, ex.output


def test_bytes_outside_ascii_arrive_whole_in_a_utf8_locale(engine, tmp_path: Path) -> None:  # noqa: ANN001
    # read -N counts characters in a UTF-8 locale: non-ASCII text is read by bytes
    home = tmp_path / "répertoire-ünï"
    home.mkdir()
    text = "héllo wörld ✓ " * 50
    assert _run(engine, f"printf '%s\\n' '{text}'; pwd", home) == (0, f"{text}\n{home}\n")
    # then ASCII again, in the same directory (sent once) and in another one
    assert _run(engine, "echo plain; pwd", home) == (0, f"plain\n{home}\n")
    assert _run(engine, "pwd", tmp_path) == (0, f"{tmp_path}\n")
    # bytes that are no UTF-8 at all reach bash as they are
    code, out = _run(engine, "printf '%s' $'\\xff\\xfe' | od -An -tx1", tmp_path)
    assert (code, out.split()) == (0, ["ff", "fe"])


def test_a_step_has_a_group_of_its_own_and_only_its_descriptors(engine, tmp_path: Path) -> None:  # noqa: ANN001
    script = (
        'test "$(ps -o pgid= -p $BASHPID | tr -d " ")" = "$BASHPID"\n'
        # the glob's own descriptor on the directory is closed once it has expanded
        'for f in /proc/$BASHPID/fd/*; do [ -e "$f" ] && printf "%s " "${f##*/}"; done; echo\n'
        "read -r line || echo stdin-empty"
    )
    code, out = _run(engine, script, tmp_path)
    assert code == 0
    fds, _, rest = out.partition("\n")
    # stdin (/dev/null), stdout, stderr and the trace descriptor: nothing of the server's
    assert fds.split() == ["0", "1", "2", "6"]
    assert rest == "stdin-empty\n"


def test_exit_statuses_and_a_killed_step(engine, tmp_path: Path) -> None:  # noqa: ANN001
    # a test run as a background job inherits SIGINT ignored, and so would its steps:
    # a handler here (not SIG_IGN) gives the server, and so the steps, the default
    held = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _statuses(engine, tmp_path)
    finally:
        signal.signal(signal.SIGINT, held)


def _statuses(engine: LocalEngine, tmp_path: Path) -> None:
    assert _run(engine, "exit 3", tmp_path)[0] == 3
    assert _run(engine, "false; echo not here", tmp_path) == (1, "")
    assert _run(engine, "kill -INT $BASHPID", tmp_path)[0] == 130  # the server lives on
    assert _run(engine, "kill -KILL $BASHPID", tmp_path)[0] == 137
    assert _run(engine, "echo alive", tmp_path) == (0, "alive\n")


def test_a_server_gone_between_steps_is_replaced(engine, tmp_path: Path) -> None:  # noqa: ANN001
    assert _run(engine, "echo one", tmp_path) == (0, "one\n")
    server = engine.server(_env())
    server.proc.kill()
    server.proc.wait()
    assert _run(engine, "echo two", tmp_path) == (0, "two\n")
    assert engine.server(_env()) is not server


def test_a_timeout_before_the_pid_is_known_still_stops_the_step(engine, tmp_path: Path) -> None:  # noqa: ANN001
    # the pid is looked for in the server's children only when the step must be stopped
    ex = engine.run(
        "trap 'echo got-term; exit 5' TERM; sleep 30 & wait",
        env=_env(),
        cwd=str(tmp_path),
        timeout=0.5,
        masker=Masker(),
    )
    assert ex.timed_out
    assert ex.output == "got-term\n"
    assert ex.exit_code == 5


def test_a_script_bash_cannot_parse_runs_none_of_its_lines(engine, tmp_path: Path) -> None:  # noqa: ANN001
    """bash's eval runs each command as it reads it: a syntax error on the last line must
    not let the lines before it run. The step exits 2, as `bash -n` would."""
    code, out = _run(engine, "touch made\necho done >", tmp_path)
    assert code == 2 and "syntax error" in out
    assert not (tmp_path / "made").exists()
    # a script that parses runs as before, functions and heredocs included
    script = "f() {\n  echo \"in f $1\"\n}\nf one\ncat <<'EOF'\n}\nEOF\ntouch made"
    assert _run(engine, script, tmp_path) == (0, "in f one\n}\n")
    assert (tmp_path / "made").exists()


@pytest.mark.parametrize("at", [1, 2, 3, 5, 8])
def test_a_stop_at_any_wait_of_a_step_ends_it_interrupted_and_the_engine_goes_on(
    engine, tmp_path: Path, at: int
) -> None:  # noqa: ANN001
    # the pump may be interrupted only in its waits (never while it closes descriptors
    # or takes control lines): a stop there ends the step, and the next step runs
    calls = 0

    @contextmanager
    def interruptible():  # noqa: ANN202
        nonlocal calls
        calls += 1
        if calls == at:
            raise KeyboardInterrupt  # as a stopping signal's handler does
        yield

    engine.interruptible = interruptible
    script = "for i in 1 2 3 4 5 6 7 8; do echo $i; sleep 0.02; done"
    ex = engine.run(script, env=_env(), cwd=str(tmp_path), timeout=30, masker=Masker())
    assert ex.interrupted or (ex.exit_code == 0 and calls < at)
    engine.interruptible = nullcontext
    assert _run(engine, "echo next", tmp_path) == (0, "next\n")
