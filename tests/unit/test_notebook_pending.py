"""A step not run yet gets its cell from a template: the same JSON as the cell made from
its placeholder outcome, whatever its texts hold."""

from __future__ import annotations

import pytest

from relbook.record.notebook import (
    _cell,
    _dump,
    _outcome_or_placeholder,
    _pending_json,
)
from relbook.record.state import State

INFOS = [
    {"kind": "shell", "text": "echo step 1", "section": "Steps", "line": 12},
    {"kind": "manual", "text": 'Check the "changelog" \\ é \u2028 <b>', "section": "", "line": 3},
    {"kind": "signoff", "text": "QA signs\nnext line", "section": "Sign-off", "line": 987650002},
    {"kind": "shell", "text": "", "section": "\ue000text\ue000", "line": 0, "source": "x"},
    {},
]


@pytest.mark.parametrize("info", INFOS)
@pytest.mark.parametrize("path", ["guide.md", "docs/RELEASE é.md"])
def test_a_pending_cell_from_the_template_is_the_cell(info: dict, path: str) -> None:
    state = State({}, ["steps.7"], {}, [], "running", [])
    meta = {"runbook": {"path": path}}
    o = _outcome_or_placeholder(state, "steps.7", {"steps.7": info})
    assert _pending_json(7, "steps.7", info, meta) == _dump(_cell(7, o, meta, [], []))


def test_a_path_holding_a_stand_in_takes_the_long_way() -> None:
    assert _pending_json(1, "s", {"kind": "shell"}, {"runbook": {"path": "987650001.md"}}) is None
