"""The lexer's path for lines whose only quoting is plain quotes gives shlex's words."""

from __future__ import annotations

import random

import pytest

from relbook.bash import commands

LINES = [
    'export V1="value 1"',
    'echo "step 1 ${V0:-}"',
    "echo 'a b' c",
    'x"y z"w',
    'echo ""',
    "echo ''",
    'a "b',  # not closed: shlex decides
    "echo 'it'\"'\"'s'",
    '  git tag -a "v1.2.3" -m "Release v1.2.3"  ',
    'A="1 2" B=\'3\' cmd "x" y > "out file"',
    "echo\t'a'\t\"b\"",
]


def _random_lines(n: int) -> list[str]:
    rnd = random.Random(15)
    alphabet = ["a", "b", " ", '"', "'", "$", "{", "}", "-", ":", "=", "\t", ".", "<", ">"]
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 16))) for _ in range(3000)]


@pytest.mark.parametrize("lines", [LINES, _random_lines(3000)], ids=["examples", "random"])
def test_quoted_words_are_shlex_words(lines: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fast = [commands._tokens(line) for line in lines]
    monkeypatch.setattr(commands, "_quoted_tokens", lambda text: None)  # shlex for all
    assert fast == [commands._tokens(line) for line in lines]


def test_the_quoted_path_is_taken_and_keeps_words_as_written() -> None:
    assert commands._quoted_tokens('git tag -m "Release 1.2" v1.2') == [
        ("git", "git"),
        ("tag", "tag"),
        ("-m", "-m"),
        ("Release 1.2", '"Release 1.2"'),
        ("v1.2", "v1.2"),
    ]
    assert commands._quoted_tokens('echo "open') is None
