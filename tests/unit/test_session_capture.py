"""The session writes out only the variables a step's text can change (run.assigned),
and carries exactly what writing out every variable would."""

from __future__ import annotations

import os
import subprocess

import pytest

from relbook.run.assigned import names_to_capture
from relbook.run.session import Delta, Session, capture_line

ENV = {"PATH": os.environ["PATH"], "HOME": "/tmp", "KEEP": "kept", "GONE": "soon"}


def _bash(session: Session, script: str, names: list[str] | None) -> str:
    """Run `script` as a step would (carried prelude, then the capture) in real bash."""
    prelude = session.prelude()
    text = f"{prelude}\n{script}\n{capture_line(session.path(), names)}"
    subprocess.run(["bash", "--noprofile", "--norc", "-c", text], env=ENV, cwd=session.cwd,
                   check=False)  # fmt: skip
    return session.read()


def _session(tmp: str) -> Session:
    s = Session(tmp)
    _bash(s, ":", None)  # what an untouched step sees
    s.set_baseline(_bash(s, ":", None))
    return s


def _deltas(tmp: str, steps: list[str]) -> tuple[list[Delta], list[Delta]]:
    full, targeted = _session(tmp), _session(tmp)
    a, b = [], []
    for script in steps:
        a.append(full.take(_bash(full, script, None), None))
        names = names_to_capture(script)
        b.append(targeted.take(_bash(targeted, script, names), names))
    assert full.vars == targeted.vars and full.cwd == targeted.cwd
    return a, b


STEPS = [
    'export RELEASE_BRANCH="release-2.6"; NOTES=$\'two\\nlines\' QUOTE="it\'s \\"q\\""',
    "unset -v GONE; read -r FIRST REST <<< 'a b c'; read -r <<< 'reply'",
    "mkdir -p sub && cd sub; for ITEM in x y; do :; done; ((COUNT = 3))",
    "KEEP=kept; arr=(1 2); arr[5]=x; declare -A MAP=([k]=v); printf -v OUT '%05d' 7",
    "export KEEP; unset NOTES; : ${DEFAULTED:=yes}; mapfile -t < /dev/null",
    "cd ..; export -n RELEASE_BRANCH",
]


def test_only_what_the_step_names_is_written_and_the_same_is_carried(tmp_path) -> None:  # noqa: ANN001
    full, targeted = _deltas(str(tmp_path), STEPS)
    assert full == targeted
    assert full[0].set.keys() == {"RELEASE_BRANCH", "NOTES", "QUOTE"}
    assert full[1].unset == ["GONE"] and {"FIRST", "REST", "REPLY"} <= full[1].set.keys()
    assert full[2].cwd == str(tmp_path / "sub")
    assert full[5].cwd == str(tmp_path)


def test_a_step_that_changes_nothing_it_names_changes_nothing(tmp_path) -> None:  # noqa: ANN001
    full, targeted = _deltas(str(tmp_path), ["echo KEEP HOME; true", "X=1", "X=1"])
    assert full == targeted and not full[0] and not full[2]


@pytest.mark.parametrize(
    "script",
    [
        ". ./env.sh",
        "source env.sh",
        'eval "$cmd"',
        'read -r "$name"',
        'declare "X$i=1"',
        'printf -v "$out" x',
        "declare -n ref=X",
        "set -a",
    ],
)
def test_names_known_only_at_run_time_write_out_everything(script: str) -> None:
    assert names_to_capture(script) is None


def test_names_a_step_can_set() -> None:
    got = names_to_capture('export V="1"; read -r A B; cd build; git add .; mapfile -t L < f')
    assert got is not None
    assert {"V", "A", "B", "REPLY", "PWD", "L", "MAPFILE"} <= set(got)
    assert names_to_capture("echo hi") == ["echo", "hi"]  # no cd: the directory is not read
