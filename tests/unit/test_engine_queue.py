"""Steps handed to the shell server queued behind the running one (engines.window):
they run in order, each only once relbook has seen the step before it end well,
never after a step that failed, and a withdrawn queue says which of them may have
run. Real bash, marker files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from relbook.engines import LocalEngine
from relbook.errors import RelbookError
from relbook.record.mask import Masker


@pytest.fixture
def engine():  # noqa: ANN201
    eng = LocalEngine()
    yield eng
    eng.close()


ENV = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}


def _token(n: int) -> str:
    return f"{n:032x}"


def _run(engine: LocalEngine, script: str, cwd: Path, n: int, ahead=(), **kw):  # noqa: ANN001, ANN003, ANN202
    return engine.run(
        script,
        env=ENV,
        cwd=str(cwd),
        timeout=None,
        masker=Masker(),
        token=_token(n),
        ahead=ahead,
        **kw,
    )


def _touch(n: int) -> str:
    return f"echo {n}; touch m{n}"


def _marks(cwd: Path) -> list[str]:
    return sorted(p.name for p in cwd.iterdir() if p.name.startswith("m"))


def test_queued_steps_run_in_order_each_once_relbook_saw_the_one_before_end(
    engine,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    ahead = [(_touch(n), _token(n), None) for n in (2, 3)]
    seen: list[list[str]] = []

    def unread() -> None:  # step 1 ends meanwhile; relbook has not read its status yet
        time.sleep(0.3)
        seen.append(_marks(tmp_path))

    first = _run(engine, _touch(1), tmp_path, 1, ahead, on_started=unread)
    assert (first.exit_code, first.output) == (0, "1\n")
    assert seen == [["m1"]]  # step 2 waited for relbook
    for n in (2, 3):
        ex = _run(engine, _touch(n), tmp_path, n)
        assert (ex.exit_code, ex.output) == (0, f"{n}\n")
    assert _marks(tmp_path) == ["m1", "m2", "m3"]
    assert engine.cancel() == []


def test_after_a_failing_step_nothing_queued_runs(engine, tmp_path: Path) -> None:  # noqa: ANN001
    failing = "echo two; false; touch never"
    ahead = [(failing, _token(2), None), *((_touch(n), _token(n), None) for n in (3, 4))]
    _run(engine, _touch(1), tmp_path, 1, ahead)
    failed = _run(engine, failing, tmp_path, 2)
    assert failed.exit_code == 1
    time.sleep(0.3)
    assert engine.cancel() == []  # none of them ran, none will
    assert _marks(tmp_path) == ["m1"] and not (tmp_path / "never").exists()
    # the engine goes on with a new shell
    assert _run(engine, _touch(5), tmp_path, 5).exit_code == 0


def test_withdrawing_the_queue_kills_the_step_that_began(engine, tmp_path: Path) -> None:  # noqa: ANN001
    ahead = [("touch m2; sleep 30; touch late", _token(2), None), (_touch(3), _token(3), None)]
    _run(engine, _touch(1), tmp_path, 1, ahead)  # step 2 begins, unattended
    deadline = time.monotonic() + 10
    while not (tmp_path / "m2").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert engine.cancel() == [_token(2)]  # step 2 may have run; step 3 surely did not
    time.sleep(0.2)
    assert _marks(tmp_path) == ["m1", "m2"] and not (tmp_path / "late").exists()


def test_a_step_out_of_queue_order_is_refused(engine, tmp_path: Path) -> None:  # noqa: ANN001
    _run(engine, _touch(1), tmp_path, 1, [(_touch(2), _token(2), None)])
    with pytest.raises(RelbookError, match="order"):
        _run(engine, _touch(3), tmp_path, 3)
    assert engine.cancel() in ([], [_token(2)])  # let run: it may have
    assert "m3" not in _marks(tmp_path)


def test_relbook_gone_the_server_runs_nothing_queued(engine, tmp_path: Path) -> None:  # noqa: ANN001
    def gone() -> None:  # the end of relbook, as the server sees it, while step 1 runs
        server = engine._server  # noqa: SLF001
        os.close(server.go_w)
        server.go_w = -1

    _run(
        engine,
        "sleep 0.2; " + _touch(1),
        tmp_path,
        1,
        [(_touch(2), _token(2), None)],
        on_started=gone,
    )
    engine._server.proc.wait(5)  # noqa: SLF001 - it ends at once, without running step 2
    time.sleep(0.1)
    assert _marks(tmp_path) == ["m1"]


def test_a_stop_that_comes_once_the_step_has_ended_leaves_it_done(engine, tmp_path: Path) -> None:  # noqa: ANN001
    # the step ends (its status is read first) and a stopping signal comes as its last
    # output is shown: it ran to its end, so it is not interrupted; the step queued
    # behind it does not run
    shown: list[str] = []

    def stop_on_output(text: str) -> None:
        shown.append(text)
        if len(shown) == 1:
            raise KeyboardInterrupt

    ex = engine.run(
        _touch(1),
        env=ENV,
        cwd=str(tmp_path),
        timeout=None,
        masker=Masker(),
        token=_token(1),
        ahead=[(_touch(2), _token(2), None)],
        on_started=lambda: time.sleep(0.3),  # its status and output are both there
        on_output=stop_on_output,
    )
    assert (ex.exit_code, ex.stopped, ex.interrupted) == (0, True, False)
    assert engine.cancel() == []
    assert _marks(tmp_path) == ["m1"]
