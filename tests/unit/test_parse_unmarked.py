"""unmarked_text reads a block's text without markup as plain_text and marked_text of
mistune's inline tokens do, and leaves text with markup to them."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from relbook.parse.orders import marked_text, plain_text, unmarked_text
from relbook.parse.source import markdown

_PIECES = [
    "Run", " ", "  ", "\n", "  \n", " \n ", "\t", "\u00a0", "\u2003", "\x1c", "\f", "\r",
    "&amp;", "&lt;", "&", "&#x41;", "&#", "&copy", "a", "Tag the release.", "1.2.3", ":", ";",
    "(minor)", "#", "$VERSION", "{version}", "-", "=", "/", ">", "~", "^", "'", '"', "é",
    "`", "*", "_", "[", "]", "!", "<", "\\",
]  # fmt: skip


def _parsed(text: str) -> tuple[str, str]:
    tokens = markdown().inline(text.strip(" \r\n\t\f"), {})
    return plain_text(tokens), marked_text(tokens)


def _check(text: str) -> bool:
    got = unmarked_text(text)
    if got is None:
        return False
    assert (got, got) == _parsed(text), repr(text)
    return True


def test_known_texts() -> None:
    assert unmarked_text("Bump the\nversion  \n in VERSION &amp; tag") == (
        "Bump the version in VERSION & tag"
    )
    assert unmarked_text("Run `make`") is None
    assert unmarked_text("See [the docs](x)") is None
    assert unmarked_text("") == ""


def test_same_text_as_the_inline_parser() -> None:
    rnd = random.Random(3)
    read = sum(
        _check("".join(rnd.choice(_PIECES) for _ in range(rnd.randint(0, 30)))) for _ in range(4000)
    )
    assert read > 200  # texts without markup are read here, not parsed


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES[:-7]), max_size=40), st.text(max_size=20))
def test_same_text_on_any_unmarked_pieces(pieces: list[str], noise: str) -> None:
    _check("".join(pieces) + noise)
