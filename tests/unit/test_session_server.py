"""The engine's shell server holds the session's variables: each step gets only what
changed since the last one, and sees exactly what declaring every variable would give."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from relbook.engines import LocalEngine
from relbook.record.mask import Masker
from relbook.run.shellsession import SessionEngine

ENV = {"PATH": os.environ["PATH"], "GONE": "from-the-environment"}


@pytest.fixture
def engine(tmp_path: Path):  # noqa: ANN201
    eng = SessionEngine(LocalEngine(), str(tmp_path))
    yield eng
    eng.close()


def _run(engine: SessionEngine, script: str) -> str:
    ex = engine.run(script, env=ENV, cwd=engine.session.home, timeout=30, masker=Masker())
    assert ex.exit_code == 0, ex.output
    return ex.output


def test_variables_attributes_and_unsets_carry_through_the_server(engine) -> None:  # noqa: ANN001
    _run(engine, "export A=1; B='two words'; unset -v GONE; arr=(x y)")
    assert engine.session.carrying and engine.session.prelude() == ""  # nothing per step
    out = _run(engine, 'echo "$A|$B|${GONE:-unset}|${arr[1]}"; env | grep -c "^A=1$"; '
                       'env | grep -c "^B=" || true')  # fmt: skip
    assert out.split() == ["1|two", "words|unset|y", "1", "0"]
    _run(engine, "export -n A; B=$'new\\nline'")
    out = _run(engine, 'env | grep -c "^A=" || true; echo "$A"; printf "%s" "$B" | wc -l')
    assert out.split() == ["0", "1", "1"]


def test_a_clean_start_drops_what_the_server_holds(engine) -> None:  # noqa: ANN001
    _run(engine, "export A=1; unset -v GONE")
    engine.session.reset()  # <!-- relbook: clean -->
    assert _run(engine, 'echo "${A:-none} ${GONE:-unset}"').split() == [
        "none", "from-the-environment",
    ]  # fmt: skip


def test_a_new_server_gets_everything(engine) -> None:  # noqa: ANN001
    _run(engine, "export A=1; B=2")
    engine.engine.drop_server()  # as when the environment changes or the server died
    assert _run(engine, 'echo "$A $B"').split() == ["1", "2"]


def test_names_the_server_must_not_hold_are_declared_by_each_step(engine) -> None:  # noqa: ANN001
    _run(engine, "export LC_ALL=C; readonly R=1; export C=3")
    prelude = engine.session.prelude()
    assert "LC_ALL" in prelude and "R=" in prelude and "C=" not in prelude
    assert _run(engine, 'echo "$C $R $LC_ALL"').split() == ["3", "1", "C"]
