"""unmarked_text reads a block's text whose only markup is code spans and plain inline
links as plain_text and marked_text of mistune's inline tokens do, and leaves text
with any other markup to them."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relbook.parse.orders import marked_text, plain_text, unmarked_text
from relbook.parse.source import Blocks, markdown

ROOT = Path(__file__).resolve().parents[2]
_PIECES = [
    "Run", " ", "  ", "\n", "  \n", " \n ", "\t", "\u00a0", "\u2003", "\x1c", "\f", "\r",
    "&amp;", "&lt;", "&", "&#x41;", "&#", "&copy", "a", "Tag the release.", "1.2.3", ":", ";",
    "(minor)", "#", "$VERSION", "{version}", "-", "=", "/", ">", "~", "^", "'", '"', "é",
    "`", "*", "_", "[", "]", "!", "<", "\\",
]  # fmt: skip
# code spans and links, and what comes close to them
_MARKED = [
    "a", "b c", " ", "\n", "  \n", "`", "``", "```", "` code `", "` `", "[", "]", "(", ")",
    "](", "[x](y)", "[t](http://a_b*c)", "[a b](c d)", "[`c`](d)", "[]()", "[ ]()", "[ a](b)",
    "[a\nb](c)", "[a](<b>)", "[a](b(c))", "![i](j)", "[x]: y", "&amp;", "&", "&copy", "&#",
    "x;", "*", "_", "x_y", "!", "<", "\\", "#", "~",
]  # fmt: skip


def _parsed(text: str, env: dict | None = None) -> tuple[str, str]:
    tokens = markdown().inline(text.strip(" \r\n\t\f"), env or {})
    return plain_text(tokens), marked_text(tokens)


def _check(text: str, env: dict | None = None) -> bool:
    got = unmarked_text(text), unmarked_text(text, code_marks=True)
    if got[0] is None:
        assert got[1] is None, repr(text)
        return False
    assert got == _parsed(text, env), repr(text)
    return True


def test_known_texts() -> None:
    assert unmarked_text("Bump the\nversion  \n in VERSION &amp; tag") == (
        "Bump the version in VERSION & tag"
    )
    assert unmarked_text("Run `make  test` in `src`") == "Run make test in src"
    assert unmarked_text("Run `make`", code_marks=True) == "Run `make`"
    assert unmarked_text("See [the docs](https://x.org/a_b) first") == "See the docs first"
    assert unmarked_text("") == ""


@pytest.mark.parametrize(
    "text",
    ["![image](x.png) here", "see [the *docs*](url)", "a \\`b\\`", "<b>bold</b>", "[ref][1]",
     "[a](b) &amp; c", "`unclosed"],
)  # fmt: skip
def test_other_markup_is_left_to_the_parser(text: str) -> None:
    assert unmarked_text(text) is None


@pytest.mark.parametrize("pieces", [_PIECES, _MARKED])
def test_same_text_as_the_inline_parser(pieces: list[str]) -> None:
    rnd = random.Random(3)
    read = sum(
        _check("".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 30)))) for _ in range(20000)
    )
    assert read > 200  # texts without other markup are read here, not parsed


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES[:-7]), max_size=40), st.text(max_size=20))
def test_same_text_on_any_unmarked_pieces(pieces: list[str], noise: str) -> None:
    _check("".join(pieces) + noise)


def test_the_shipped_guides_paragraphs_read_the_same() -> None:
    read = 0
    for guide in [*ROOT.glob("runbooks/*.md"), *ROOT.glob("tests/data/**/*.md")]:
        blocks = Blocks(guide.read_text(encoding="utf-8"))
        stack = list(blocks.tokens)
        while stack:
            tok = stack.pop()
            children = tok.get("children")
            stack += children if isinstance(children, list) else []
            if tok.get("type") in ("paragraph", "heading", "block_text"):
                read += _check(tok["text"], blocks._env)  # noqa: SLF001
    assert read > 50
