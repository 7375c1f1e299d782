"""quote_contexts (one pass for every `$` of a command) answers as quote_context does
for each of them."""

from __future__ import annotations

import random
import re

from relbook.bash.shell import quote_context, quote_contexts

_FRAGMENTS = [
    "echo ", "$A", "${B}", "'", '"', "`", "$(", ")", "((", "))", "$((", " # c $C ", "#",
    "\\", "\n", "<<EOF\n", "\nEOF\n", "<<'Q'\n", "\nQ\n", "<<-X\n", "\tX\n", " ; ", " | ",
    "case x in\n", " a) ", ";;", "esac", "if true; then\n", "fi\n", "{ ", " }", "x=$D",
    " for i in 1; do ", "done", "\\$E", "<<<", "a#$G", "{{ version }}",
]  # fmt: skip


def _dollars(source: str) -> list[int]:
    found = re.finditer(r"\$", source)
    return [m.start() for m in found if source[m.start() - 1 : m.start()] != "\\"]


def test_known_contexts() -> None:
    src = "echo '$a' \"$b $(c '$d')\" $e # $f\ncat <<'EOF'\n$g\nEOF\ncat <<EOF\n$h\nEOF"
    pos = _dollars(src)
    assert quote_contexts(src, pos) == [
        "single", "double", "double", "single", "none", "none", "heredoc-quoted", "heredoc",
    ]  # fmt: skip
    assert quote_contexts(src, list(reversed(pos))) == list(reversed(quote_contexts(src, pos)))
    assert quote_contexts(src, []) == []


def test_same_answers_as_one_scan_per_position() -> None:
    rnd = random.Random(12)
    checked = 0
    for _ in range(1500):
        src = "".join(rnd.choice(_FRAGMENTS) for _ in range(rnd.randint(1, 25)))
        pos = _dollars(src)
        assert quote_contexts(src, pos) == [quote_context(src, p) for p in pos], src
        checked += len(pos)
    assert checked > 2000
