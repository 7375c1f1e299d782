"""Every step's `file:line` is exact: golden cases, newline / BOM / front matter
variants, generated guides whose lines are known, and long guides."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relbook.parse import parse_runbook
from tests.conftest import RUNBOOKS
from tests.guides import Guide, generate, generate_lines
from tests.unit.golden import SEEDS, all_cases, assert_lines_exact, describe

CASES = all_cases()
GUIDES = sorted(SEEDS.glob("*.txt")) + sorted(RUNBOOKS.glob("*.md"))
assert len(GUIDES) == 4, GUIDES


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file}:{c.line}" for c in CASES])
def test_golden(case):
    rb = parse_runbook(case.text, "case.md")
    assert describe(rb) == case.expected, case.title
    assert_lines_exact(rb, case.text)


def _shift(expected: str, by: int) -> str:
    """Add `by` to the line number that starts each line of a description."""
    return re.sub(
        r"^(\s*)(\d+)", lambda m: f"{m.group(1)}{int(m.group(2)) + by}", expected, flags=re.M
    )


VARIANTS = {
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "cr": lambda t: t.replace("\n", "\r"),
    "bom": lambda t: "\ufeff" + t,
    "bom-crlf": lambda t: "\ufeff" + t.replace("\n", "\r\n"),
    "no-final-newline": lambda t: t.rstrip("\n"),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_golden_lines_survive_newline_styles_and_bom(variant):
    for case in CASES:
        text = VARIANTS[variant](case.text)
        rb = parse_runbook(text, "case.md")
        assert describe(rb) == case.expected, (variant, case.title)
        assert_lines_exact(rb, text)


@pytest.mark.parametrize(
    "front", ["---\ntitle: T\n---\n", "---\nowner: ops\nparams:\n  env: prod\n...\n"]
)
def test_front_matter_shifts_nothing(front):
    n = front.count("\n")
    for case in CASES:
        text = front + case.text
        rb = parse_runbook(text, "case.md")
        assert describe(rb) == _shift(case.expected, n), case.title
        assert_lines_exact(rb, text)


def _check(guide: Guide) -> None:
    rb = parse_runbook(guide.text, "guide.md")
    got = [
        (s.line, s.kind.value, s.text, s.contingency, s.optional, [p.line for p in s.commands])
        for s in rb.steps
    ]
    want = [(e.line, e.kind, e.text, e.contingency, e.optional, e.commands) for e in guide.steps]
    assert got == want
    assert_lines_exact(rb, guide.text)


@pytest.mark.slow  # 40 generated guides: the golden and real-guide cases stay fast
@settings(max_examples=40, deadline=None)
@given(rnd=st.randoms(use_true_random=False), blocks=st.integers(1, 14), crlf=st.booleans())
def test_generated_guides_have_known_lines(rnd: random.Random, blocks: int, crlf: bool):
    _check(generate(rnd, blocks, crlf=crlf))


@pytest.mark.slow  # scale
def test_long_realistic_guide():
    guide = generate_lines(5000, seed=7)
    assert guide.lines >= 5000 and len(guide.steps) > 300
    assert sum(e.kind == "shell" for e in guide.steps) > 80
    _check(guide)


@pytest.mark.parametrize("path", GUIDES, ids=[p.name for p in GUIDES])
def test_real_guides_lines_exact(path):
    text = path.read_text(encoding="utf-8")
    rb = parse_runbook(text, str(path))
    assert rb.steps
    assert_lines_exact(rb, text)


@pytest.mark.slow  # scale
def test_real_guides_repeated_many_times():
    """Real guides concatenated into one long document keep every line exact."""
    for path in GUIDES:
        text = path.read_text(encoding="utf-8")
        long = text.rstrip("\n") + "\n\n"
        rb_one = parse_runbook(text, "one.md")
        n_lines = long.count("\n")
        rb = parse_runbook(long * 12, "long.md")
        assert len(rb.steps) == 12 * len(rb_one.steps)
        for i, step in enumerate(rb.steps):
            first = rb_one.steps[i % len(rb_one.steps)]
            assert step.line == first.line + (i // len(rb_one.steps)) * n_lines
        assert_lines_exact(rb, long * 12)
