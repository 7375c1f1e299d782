"""Masking a stream cut at arbitrary points gives the same text as masking it whole."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from relbook.record.mask import Masker

SECRETS = ["s3cr3t-value", "abcabd", "ééé-key"]


def feed_all(masker: Masker, data: bytes, cuts: list[int]) -> str:
    out, last = [], 0
    for cut in sorted(c % (len(data) + 1) for c in cuts) + [len(data)]:
        out.append(masker.feed(data[last:cut]))
        last = max(last, cut)
    return "".join(out) + masker.flush()


pieces = st.lists(st.sampled_from(SECRETS + ["x", "ab", "abcab", "s3cr", "\n", "é", " "]))


@given(pieces, st.lists(st.integers(min_value=0, max_value=500), max_size=12))
def test_any_cut_masks_like_the_whole(parts: list[str], cuts: list[int]) -> None:
    text = "".join(parts)
    whole = Masker(SECRETS).mask(text)
    assert feed_all(Masker(SECRETS), text.encode(), cuts) == whole
    assert "s3cr3t-value" not in whole


def test_whole_lines_are_not_held_back() -> None:
    m = Masker(SECRETS)
    assert m.feed(b"token=s3cr3t-value\nnext line\n") == "token=***\nnext line\n"
    assert m.feed(b"partial s3cr") == "partial "  # could be the start of a secret
    assert m.feed(b"3t-value done") == "*** done"
    assert m.flush() == ""
