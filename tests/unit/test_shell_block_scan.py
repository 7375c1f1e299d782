"""scan_commands: one scan of a block gives its commands (as split_commands) and what
the syntax check of the commands joined (unparsable) says, whenever it answers."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from relbook.bash.shell import scan_commands, split_commands
from relbook.bash.syntax import not_bash, unparsable

_FRAGMENTS = [
    "echo ", "$A", "'", '"', "`", "$(", ")", "((", "))", "$((", " # c ", "#", "\\", "\n",
    "\n", "<<EOF\n", "\nEOF\n", "EOF", "<<'Q'\n", "\nQ\n", "<<-X\n", "\tX\n", " ; ", " | ",
    "case x in\n", " a) ", ";;", "esac", "if true; then\n", "fi\n", "fi", "{ ", " }", "x=1",
    " for i in 1; do ", "done", "<<<", "while :; do\n", "\n  # note\n", "\n\n", "case y",
    " in ", "&&",
]  # fmt: skip


def _old(lines: list[str]) -> tuple[list[tuple[int, str, str]], str]:
    groups = split_commands(list(enumerate(lines, 1)))
    return groups, unparsable("\n".join(src for _, src, _ in groups if src))


def _check(src: str) -> bool:
    lines = src.split("\n")
    groups, left = scan_commands(list(enumerate(lines, 1)))
    old_groups, old_left = _old(lines)
    assert groups == old_groups, src
    if left is None:
        return False
    assert left == old_left, src
    return True


def test_known_blocks() -> None:
    assert scan_commands([(1, "echo 'a"), (2, "b'"), (3, "ls")]) == (
        [(1, "echo 'a\nb'", ""), (3, "ls", "")],
        "",
    )
    assert scan_commands([(1, "if true; then"), (2, "  echo")])[1] == "an unclosed if"
    assert scan_commands([(1, 'echo "a')])[1] == "an unterminated double quote"
    assert scan_commands([(1, "x=$(date")])[1] == "an unclosed $("
    assert scan_commands([(1, "cat <<EOF"), (2, "body")])[1] == ""
    assert scan_commands([(1, "echo `date`")])[1] is None  # backquotes: the other scan
    assert not_bash(["echo 'a"], "an unterminated single quote") == not_bash(["echo 'a"])


def test_same_answers_as_two_scans() -> None:
    rnd = random.Random(7)
    answered = sum(
        _check("".join(rnd.choice(_FRAGMENTS) for _ in range(rnd.randint(1, 30))))
        for _ in range(3000)
    )
    assert answered > 2000  # the shared scan answers for most blocks


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=40), st.text("ab\n'\"$(){};| ", max_size=30))
def test_same_answers_on_any_fragments(parts: list[str], noise: str) -> None:
    _check("".join(parts) + noise)
