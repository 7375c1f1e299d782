"""No input makes relbook print a traceback: random text, random bytes, truncated guides,
deep nesting and random directives all parse or fail as a RelbookError with the path."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relbook.cli import main
from relbook.errors import RelbookError
from relbook.parse import parse_runbook
from tests.conftest import RUNBOOKS
from tests.unit.golden import SEEDS, assert_lines_exact

# RELBOOK_FUZZ_EXAMPLES=5000 for a long campaign; the defaults keep the suite fast
EXAMPLES = int(os.environ.get("RELBOOK_FUZZ_EXAMPLES", "60"))
FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CLI = settings(FAST, max_examples=max(1, EXAMPLES // 3))
GUIDES = [p.read_bytes() for p in sorted(SEEDS.glob("*.txt")) + sorted(RUNBOOKS.glob("*.md"))]
PIECES = [
    "- [ ] task",
    "  - [x] sub task",
    "\t- [ ] tab task",
    "1. step",
    "   2) step",
    "```bash",
    "```",
    "~~~sh",
    "~~~",
    "````console",
    "$ echo hi \\",
    "  more",
    "echo 1.2.3",
    "git tag -a v1.2.3 -m 'Release [Brief description]'",
    "> - [ ] quoted",
    "> ```bash",
    ">",
    "<!--",
    "-->",
    "<!-- relbook: skip -->",
    "<!-- relbook: id=x -->",
    "<!-- relbook: contingency -->",
    "# Heading",
    "## Emergency Rollback",
    "### Release Approval",
    "Setext",
    "---",
    "===",
    "",
    "text {{ version }} {% if x %}",
    "    indented",
    "| a | b |",
    "|---|---|",
    "-",
    "<div>",
    "</div>",
    "cat <<'EOF'",
    "EOF",
    "case $x in a) echo;; esac",
    "[ref]: http://example.com",
]


def _check_error(e: RelbookError, path: str) -> None:
    assert e.path == path, f"error without the file: {e!r}"
    assert "\n" not in str(e)


def _parse(text: str) -> None:
    try:
        rb = parse_runbook(text, "fuzz.md")
    except RelbookError as e:
        _check_error(e, "fuzz.md")
        return
    for step in rb.steps:
        assert step.line >= 1


@FAST
@given(st.text(max_size=400))
def test_random_text(text: str):
    _parse(text)


@FAST
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.sampled_from(["\n", "\r\n", "\r"]))
def test_random_markdown_keeps_lines_exact(lines: list[str], newline: str):
    text = newline.join(lines) + newline
    try:
        rb = parse_runbook(text, "fuzz.md")
    except RelbookError as e:
        _check_error(e, "fuzz.md")
        return
    assert_lines_exact(rb, text)


def _cli(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (
        ["parse", str(path)],
        ["parse", str(path), "--json"],
        ["params", str(path), "--version", "2.0.0"],
        ["parameterize", str(path)],
    ):
        code = main(args)
        err = capsys.readouterr().err
        assert code in (0, 2), (args, err)
        if code == 2:
            assert err.startswith(f"relbook: error: {path}") and err.count("\n") == 1, err


@CLI
@given(data=st.binary(max_size=300))
def test_random_bytes_through_the_cli(data: bytes, capsys: pytest.CaptureFixture[str]):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "guide.md"
        path.write_bytes(data)
        _cli(path, capsys)


@CLI
@given(which=st.integers(0, len(GUIDES) - 1), cut=st.floats(0, 1))
def test_truncated_guides_through_the_cli(
    which: int, cut: float, capsys: pytest.CaptureFixture[str]
):
    data = GUIDES[which]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "guide.md"
        path.write_bytes(data[: int(len(data) * cut)])
        _cli(path, capsys)


@settings(FAST, max_examples=max(1, EXAMPLES // 6))
@given(
    depth=st.integers(1, 200),
    unit=st.sampled_from(["> ", "- ", "1. ", "  ", "- > ", "> - [ ] ", "* ", "\t"]),
)
def test_deep_nesting(depth: int, unit: str):
    prefix = "".join(unit if "\t" in unit or unit == "  " else unit for _ in range(depth))
    text = prefix + "- [ ] deep\n" + prefix + "```bash\n" + prefix + "echo deep\n"
    _parse(text)
    _parse("\n".join("  " * i + "- [ ] level" for i in range(depth)))
    _parse("*" * depth * 10 + "x" + "*" * depth * 10)
    _parse("[" * depth + "x" + "](y)" * depth)


DIRECTIVE_WORDS = st.sampled_from(
    ["skip", "optional", "contingency", "normal", "confirm", "manual", "signoff", "id=a",
     "id=b", "id=", "timeout=30", "timeout=-1", "timeout=1h", "timeout=x", "done-if: true",
     "done-if:", "applies-to=major", "skip-section", "bogus", '"', "'", "=", "id=a b"]
)  # fmt: skip


@CLI
@given(st.lists(st.tuples(st.integers(0, 30), st.lists(DIRECTIVE_WORDS, max_size=4)), max_size=6))
def test_random_directives(inserts: list[tuple[int, list[str]]]):
    lines = GUIDES[1].decode("utf-8").split("\n")
    for at, words in inserts:
        lines.insert(min(at * 6, len(lines)), f"<!-- relbook: {' '.join(words)} -->")
    _parse("\n".join(lines))


@pytest.mark.parametrize(
    "target", ["missing.md", "a" * 5000, "dir", "/dev/null", "unreadable"], ids=lambda t: t[:20]
)
def test_unreadable_paths(target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "dir").mkdir()
    (tmp_path / "unreadable").write_text("# T\n")
    (tmp_path / "unreadable").chmod(0)
    if target == "unreadable" and os.access(tmp_path / "unreadable", os.R_OK):
        pytest.skip("running as a user who can read anything")
    path = target if target.startswith("/") else str(tmp_path / target)
    assert main(["parse", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith("relbook: error: ") and err.count("\n") == 1 and "Traceback" not in err


FRONT = st.sampled_from(
    ["title: T", "title: [x", "params: [a]", "params:\n  a: 1\n  b: null", "params: 5",
     "tag_prefix: 5", "tag_prefix: release-", "example_version: 1.2.3", "example_version: x",
     "example_version: 1.2", "contingency: yes", "a: &x [*x]", "- item", "~", "date: 2025-01-01",
     "k: {a: [1, {b: 2025-01-01}]}", "title: 12", "? [a, b]\n: c", "'unclosed", ""]
)  # fmt: skip


@CLI
@given(lines=st.lists(FRONT, max_size=4), closed=st.booleans())
def test_random_front_matter_through_the_cli(
    lines: list[str], closed: bool, capsys: pytest.CaptureFixture[str]
):
    text = "---\n" + "\n".join(lines) + ("\n---\n" if closed else "\n") + GUIDES[1].decode()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "guide.md"
        path.write_text(text)
        _cli(path, capsys)
