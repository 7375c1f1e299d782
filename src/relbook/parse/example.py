"""What a guide's prose says of its example version.

Guides name the version their examples use: "we are using v0.9.0 as the version",
"the examples below use 4.0.0", "the version being released, e.g. `git tag -s
v2.6.0`", "the newly approved release (e.g. `0.7.0`)", "the commits for the 3.0.10
release". Each such sentence weighs for its literal when relbook picks the example
(`relbook.params.example`); "assuming 0.8.0 is the latest release tag" names the
previous release, so it weighs against. A literal that belongs to another component
(`go1.22.3`, `tool@v1.2.0`, `semconv/v1.24.0`) is never the example.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from relbook.params.example import belongs_elsewhere
from relbook.parse.defines import assigned, foreign_definitions

_VER = r"`?v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?)(?![\d.]*\d)`?"
_CODE_VER = r"`(?:[^`]*?[\s=@:/\"'-])?v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?)[^`]*`"
_SAYS = [
    (  # "we are using v0.9.0 as the version", "I'll use 1.2.0 as the example"
        10,
        rf"\b(?:we|i)(?:'re|'ll| are| am| will| will be)?\s+(?:using|use)\s+(?:version\s+)?{_VER}"
        r"\s+(?:as|for)\s+(?:the|our|an?)\s+(?:example|sample)?\s*(?:version|release)",
    ),
    (  # "the examples below use 4.0.0", "examples in this guide assume v2.1.0"
        10,
        r"\bexamples?\b[^.`]{0,40}?\b(?:use|uses|assume|assumes|show|shows|refer to)\s+"
        rf"(?:the\s+)?(?:version\s+|release\s+)?{_VER}",
    ),
    (  # "in this example, the version is 1.4.0" / "for this example we release 1.4.0"
        10,
        r"\b(?:in|for)\s+(?:this|these|the|our)\s+examples?\b[^.`]{0,40}?\b(?:version|release)"
        rf"\s+(?:is|of|will be|would be)?\s*{_VER}",
    ),
    (  # "the version being released, e.g. `git tag -s v2.6.0`", "new version (e.g. 0.7.0)";
        # not "a patch release (e.g. v1.9.1)": that is an example of a kind of release
        3,
        r"(?<!old )(?<!previous )(?<!last )(?<!prior )(?<!current )(?<!latest )"
        r"\b(?:version|tag|(?:the|new|this|next)\s+release)\b[^.]{0,60}?"
        r"\b(?:e\.g\.|eg\.|for example|for instance|such as)"
        rf"\s*,?\s*(?:{_CODE_VER}|{_VER})",
    ),
    (  # `VELERO_VERSION=v1.9.0-rc.1 make release` in a sentence: a release variable's value
        2,
        r"`[^`]*?\b(?![A-Z_]*(?:GO|NODE|PYTHON|KUBE|K8S|MIN|MAX|JAVA|RUST)[A-Z_]*=)"
        r"[A-Z_]*(?:VERSION|TAG|RELEASE)[A-Z_]*=[\"']?v?"
        r"(\d+\.\d+\.\d+(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?)[^`]*`",
    ),
    (1, rf"\bthe\s+{_VER}\s+release\b"),  # "the commits for the 3.0.10 release"
    (  # "for example if we're releasing 3.7.0 and the previous stable release is 3.6.0"
        10,
        r"\b(?:if|when|say|suppose|assuming)\s+(?:we|you)(?:'re|\s+are|\s+were)\s+"
        rf"(?:releasing|cutting|making|preparing)\s+(?:version\s+|release\s+)?{_VER}",
    ),
    (  # "`0.31.0` - the version being released", "2.4.0 is the version you are releasing"
        10,
        rf"{_VER}\s*(?:[-:\u2013\u2014]|is)\s*the\s+(?:new\s+)?(?:version|release)\s+(?:being\s+"
        r"released|(?:you|we)(?:'re|\s+are)\s+(?:about\s+to\s+)?(?:release|releasing|making|cutting))",
    ),
]
_SAYS_RE = [(w, re.compile(p, 0 if w == 2 else re.I)) for w, p in _SAYS]
# "assuming 0.8.0 is the latest release tag": the previous release, not the example
# "`0.32.0` - the next version", "the old version string (e.g., `v0.30.0`)", "the tag for
# the previous release, e.g. `v/0.21.0`": neither
_PREVIOUS = re.compile(
    rf"{_VER}\s+(?:is|was)\s+the\s+(?:latest|last|previous|current)\s+(?:release|tag|version)"
    r"|\bthe\s+(?:latest|last|previous|current)\s+(?:stable\s+)?(?:release|tag|version)\s+"
    rf"(?:is|was)\s+{_VER}"
    rf"|{_VER}\s*[-:\u2013\u2014]\s*the\s+(?:next|previous|last|old)\s+(?:version|release)\b"
    r"|\b(?:old|previous|last|prior)\s+(?:version|release|tag)\b[^.(]{0,20}\(?\s*(?:e\.g\.|eg\."
    rf"|for example)\s*,?\s*(?:{_CODE_VER}|{_VER})",
    re.I,
)


_HAS_VERSION = re.compile(r"\d\.\d+\.\d")


def _prose(tokens: list[dict[str, Any]], out: list[str], codes: list[str]) -> list[str]:
    """The texts of the blocks in `tokens`, in order, and the comments of code blocks
    (their sources into `codes`); the children of a text block are its inline tokens,
    which hold no more blocks."""
    for tok in tokens:
        kind = tok.get("type")
        if kind in ("paragraph", "block_text", "heading"):
            out.append(tok.get("text", ""))
            continue
        if kind == "block_code":
            codes.append(tok.get("raw", ""))
            out.extend(_comments(codes[-1]))
        children = tok.get("children")
        if children:
            _prose(children, out, codes)
    return out


def _comments(raw: str) -> Iterator[str]:
    for line in raw.split("\n"):
        text = line.strip()
        if text.startswith("#") and not text.startswith("#!"):
            yield text.lstrip("# ")


def example_hints(tokens: list[dict[str, Any]]) -> dict[str, int]:
    """Literal -> weight: how strongly the guide's prose says it is its example."""
    hints: Counter[str] = Counter()
    codes: list[str] = []
    texts = _prose(tokens, [], codes)
    for d in foreign_definitions((0, t) for t in texts):  # another component's: never it
        for code in codes:
            for m in assigned(d.name, code) if d.name in code else ():
                hints[m.group(2).lstrip("vV")] -= 100
    for text in texts:
        if not _HAS_VERSION.search(text):
            continue
        text = re.sub(r"\s+", " ", text)
        for weight, pattern in _SAYS_RE:
            for m in pattern.finditer(text):
                at = next(i for i in range(1, (m.lastindex or 0) + 1) if m.group(i))
                if not belongs_elsewhere(text, m.start(at)):
                    hints[m.group(at)] += weight
        for m in _PREVIOUS.finditer(text):
            hints[next(g for g in m.groups() if g)] -= 100
    return dict(hints)
