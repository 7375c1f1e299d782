"""Which command is running travels in the step's own output pipe: a command's
output always comes after its marker and before the next command's."""

from __future__ import annotations

import os
from pathlib import Path

from relbook.engines import LocalEngine, OutputLog
from relbook.engines.pump import _Pump
from relbook.record.mask import Masker


def _events(script: str, marks: list[int]) -> list[tuple[str, object]]:
    events: list[tuple[str, object]] = []
    engine = LocalEngine()
    try:
        ex = engine.run(
            script,
            env={"PATH": os.environ["PATH"]},
            cwd=str(Path.cwd()),
            timeout=30,
            masker=Masker(["hunter22secret"]),
            on_output=lambda s: events.append(("out", s)),
            on_line=lambda n: events.append(("line", n)),
            marks=marks,
        )
    finally:
        engine.close()
    assert ex.exit_code == 0
    return events


def test_each_command_output_follows_its_own_marker() -> None:
    script = "\n".join(f"echo {n}" for n in range(1, 201))
    events = _events(script, list(range(1, 201)))
    line, seen = 0, {n: "" for n in range(1, 201)}
    for kind, value in events:
        if kind == "line":
            assert value == line + 1
            line = int(value)
        else:
            assert line, f"output {value!r} before the first command began"
            seen[line] += str(value)
    assert seen == {n: f"{n}\n" for n in range(1, 201)}


def test_output_without_a_newline_and_nul_bytes_stay_output() -> None:
    script = "printf 'abc'\nprintf 'x\\0y\\n'\necho hunter22secret"
    events = _events(script, [1, 2, 3])
    lines = [v for k, v in events if k == "line"]
    assert lines == [1, 2, 3]
    out = "".join(str(v) for k, v in events if k == "out")
    assert out == "abcx\0y\n***\n"
    second = events.index(("line", 2))
    assert "".join(str(v) for k, v in events[:second] if k == "out") == "abc"


def test_a_marker_cut_anywhere_between_reads() -> None:
    events: list[tuple[str, object]] = []
    pump = _Pump(
        None,
        OutputLog(Path(os.devnull)),
        Masker(),
        lambda s: events.append(("out", s)),
        lambda n: events.append(("line", n)),
    )
    data = b"one\0relbook at 2\ntwo\0relbook done 2\n\0relbook at 3\nthree\0rel"
    for i in range(len(data)):
        pump._take(data[i : i + 1])
    pump._take(b"", end=True)
    out = [("out", "".join(str(v) for k, v in events[: events.index(("line", 2))]))]
    assert out == [("out", "one")]
    assert pump.done_lines == [2]
    assert [v for k, v in events if k == "line"] == [2, 3]
    assert "".join(str(v) for k, v in events if k == "out") == "onetwothree\0rel"
