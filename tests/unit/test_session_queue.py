"""Steps that change the session, handed over queued behind one another: the shell
server takes each one's change itself before it forks the next (run.shellsession), so
every step sees what a person pasting the blocks into one terminal would, and relbook's
own view of the session (journaled, carried to a new server) stays the same. Real bash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from relbook.engines import LocalEngine
from relbook.record.mask import Masker
from relbook.run.shellsession import SessionEngine

ENV = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "GONE": "from-the-environment"}


@pytest.fixture
def engine(tmp_path: Path):  # noqa: ANN201
    eng = SessionEngine(LocalEngine(), str(tmp_path))
    yield eng
    eng.close()


def _token(n: int) -> str:
    return f"{n:032x}"


def _run(engine: SessionEngine, script: str, n: int, ahead=()):  # noqa: ANN001, ANN202
    return engine.run(
        script,
        env=ENV,
        cwd=engine.session.home,
        timeout=30,
        masker=Masker(),
        token=_token(n),
        ahead=[(s, _token(i), None) for i, s in ahead],
    )


def _queued(engine: SessionEngine) -> int:
    return len(engine.engine.window.queue)


def _chain(engine: SessionEngine, steps: list[str]) -> list[str]:
    """Run `steps`: the first alone (it learns the session's baseline), the second
    leading, the rest queued behind it; returns each one's output."""
    outs = [_run(engine, steps[0], 1).output]
    lead = _run(engine, steps[1], 2, ahead=list(enumerate(steps[2:], 3)))
    assert _queued(engine) == len(steps) - 2  # handed over, not run one by one
    outs.append(lead.output)
    for n, script in enumerate(steps[2:], 3):
        ex = _run(engine, script, n)
        assert ex.exit_code == 0, ex.output
        outs.append(ex.output)
    return outs


def test_each_queued_step_sees_what_the_steps_before_it_set(engine) -> None:  # noqa: ANN001
    outs = _chain(
        engine,
        [
            "export A=1",
            'B="two words"; echo "${A}"',
            'echo "$A|$B"; export B; unset -v GONE; arr=(x y)',
            'echo "$B|${GONE:-unset}|${arr[1]}"; env | grep -c "^B=two words$"; C=$((A + 2))',
            'echo "$C"; declare +x A; env | grep -c "^A=" || true',
        ],
    )
    assert outs[1:] == ["1\n", "1|two words\n", "two words|unset|y\n1\n", "3\n0\n"]
    session = engine.session
    assert session.values() == {"A": "1", "B": "two words", "C": "3"}
    assert session.vars["GONE"] is None and "-x" not in session.vars["A"]
    # the server took each change but the last one's (nothing was queued behind it):
    # the next step handed over brings that one
    ex = _run(engine, 'echo "$A $B $C ${arr[0]} ${GONE:-unset}"; env | grep -c "^A=" || :', 9)
    assert ex.output == "1 two words 3 x unset\n0\n"
    assert session.carry()[0] == ""


def test_a_new_server_gets_what_queued_steps_set(engine) -> None:  # noqa: ANN001
    _chain(engine, ["X=0", "A=1", "B=$((A + 1))", "unset -v X; C=$((B + 1))"])
    engine.engine.drop_server()  # as when the environment changes or the server died
    assert _run(engine, 'echo "$A $B $C ${X:-unset}"', 9).output == "1 2 3 unset\n"


def test_a_step_that_writes_no_state_changes_nothing(engine) -> None:  # noqa: ANN001
    # `exit 0` ends the step before it writes its state: neither relbook nor the
    # server takes anything from it, and the two still agree
    _chain(engine, ["A=1", "B=2", "A=changed; exit 0", 'echo "$A $B"'])
    assert engine.session.values() == {"A": "1", "B": "2"}
    assert _run(engine, 'echo "$A $B"', 9).output == "1 2\n"


def test_after_a_failing_step_nothing_queued_runs(engine, tmp_path: Path) -> None:  # noqa: ANN001
    _run(engine, "A=1", 1)
    steps = ["B=2", "C=3; false; D=4", "touch never; E=5"]
    _run(engine, steps[0], 2, ahead=[(3, steps[1]), (4, steps[2])])
    failed = _run(engine, steps[1], 3)
    assert failed.exit_code == 1
    assert engine.cancel() == []  # the server skipped the rest
    assert not (tmp_path / "never").exists()
    assert _run(engine, 'echo "$A $B ${C:-unset} ${D:-unset}"', 9).output == "1 2 unset unset\n"


def test_what_the_server_cannot_take_is_not_queued(engine) -> None:  # noqa: ANN001
    _run(engine, "A=1", 1)
    assert engine.queueable("B=2; echo $A") and engine.queueable("echo no change")
    for script in ("cd /tmp", "source ./env.sh", "readonly R=1", "export LC_ALL=C", "eval x=1"):
        assert not engine.queueable(script), script
    with pytest.raises(ValueError, match="cannot be queued"):
        _run(engine, "true", 2, ahead=[(3, "cd /tmp")])
