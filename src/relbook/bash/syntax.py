"""Whether a block marked (or read) as shell is bash at all.

Guides put other things in shell fences: a Makefile rule, a PowerShell session
(`PS C:\\> ...`), YAML, a diff, a Dockerfile, JSON, Go or Python code, or text bash
cannot parse (an unterminated quote, an `if` with no `fi`). Such a block is shown as
text and never run. The check is the project's own bash scanner (no `bash -n`
process per block) plus the plain signs of the other languages.
"""

from __future__ import annotations

import re

from relbook.bash.shell import SPECIAL, left_open, scan_to

_POWERSHELL = re.compile(
    r"^\s*PS(?: [A-Za-z]:[^>]*)?> |\$env:\w|\b(?:Get|Set|New|Remove|Invoke|Write|Start)-[A-Z]\w+"
)
_MAKE_RULE = re.compile(r"^[\w./$()%-]+(?:\s+[\w./$()%-]+)*\s*::?(?!=)(?:\s+[^=;]*)?$")
_YAML_LINE = re.compile(r"^\s*(?:-\s+)?[\w.\"'-]+:(?:\s+\S.*)?$|^\s*-\s+\S|^---$|^\.\.\.$")
_YAML_KEY = re.compile(r"^\s*(?:-\s+)?[\w.\"'-]+:(?:\s|$)")
_DOCKER = re.compile(
    r"^(?:FROM|RUN|COPY|ADD|ENV|WORKDIR|ENTRYPOINT|CMD|ARG|EXPOSE|LABEL|USER|VOLUME)\s"
)
_GO = re.compile(r"^(?:package \w+|func \w*\s*\(|import \($|type \w+ struct\b)")
_PYTHON = re.compile(r"^(?:def \w+\(.*\):|class \w+.*:|from [\w.]+ import |if __name__ ==)")
_DIFF_HEAD = re.compile(r"^(?:diff --git |--- \S|\+\+\+ \S|@@ -\d)")


def other_language(lines: list[str]) -> str:
    """The language a block is plainly written in, if not bash: "PowerShell",
    "a Makefile", "YAML", "a diff", "a Dockerfile", "JSON", "Go", "Python" or ""."""
    body = [ln for ln in lines if ln.strip()]
    if not body:
        return ""
    joined = "\n".join(body)
    text = joined.strip()
    # each language's lines hold words that the whole text is searched for first, in one
    # pass, so a plain shell block costs a few substring tests, not a regex per line each
    if _has(joined, _POWERSHELL_WORDS) and any(_POWERSHELL.search(ln) for ln in body):
        return "PowerShell"
    if _has(joined, _DIFF_WORDS) and sum(bool(_DIFF_HEAD.match(ln)) for ln in body) >= 2:
        return "a diff"
    if "\n\t" in joined and _make_rule(body):
        return "a Makefile"
    if _has(joined, _GO_WORDS) and any(_GO.match(ln) for ln in body):
        return "Go"
    if _has(joined, _PYTHON_WORDS) and any(_PYTHON.match(ln.strip()) for ln in body):
        return "Python"
    if text[:1] in "{[" and text[-1:] in "}]" and re.search(r'"\s*:', text):
        return "JSON"
    if _DOCKER.match(body[0]) and any(ln.startswith("FROM ") for ln in body):
        return "a Dockerfile"
    content = [ln for ln in body if not ln.lstrip().startswith("#")]
    if (
        content
        and all(_YAML_LINE.match(ln) for ln in content)
        and (sum(bool(_YAML_KEY.match(ln)) for ln in content) >= 2)
    ):
        return "YAML"
    return ""


# what a line of each must hold (the literal parts of the patterns above)
_POWERSHELL_WORDS = ("PS", "$env:") + tuple(
    f"{verb}-" for verb in ("Get", "Set", "New", "Remove", "Invoke", "Write", "Start")
)
_DIFF_WORDS = ("diff --git ", "--- ", "+++ ", "@@ -")
_GO_WORDS = ("package ", "func ", "import (", "type ")
_PYTHON_WORDS = ("def ", "class ", "from ", "if __name__ ==")


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def _make_rule(body: list[str]) -> bool:
    """`target: deps` followed by a tab-indented recipe line."""
    return any(
        _MAKE_RULE.match(ln) and ":" in ln and body[i + 1].startswith("\t")
        for i, ln in enumerate(body[:-1])
    )


def unparsable(source: str) -> str:
    """Why bash could not parse `source` as a whole, or ""."""
    if not SPECIAL.search(source):
        return ""  # no quote, bracket, `<`, backslash or compound word: nothing left open
    return left_open(scan_to(source, len(source)))


def not_bash(lines: list[str], left: str | None = None) -> str:
    """Why a block marked as shell is not bash (`PowerShell`, `bash cannot parse it: an
    unterminated double quote`), or ""; `left`: what `unparsable` of the lines is, when
    the scan that split them into commands told already (`scan_commands`)."""
    other = other_language(lines)
    if other:
        return f"it is {other}, not bash"
    why = unparsable("\n".join(lines)) if left is None else left
    return f"bash cannot parse it: {why}" if why else ""
