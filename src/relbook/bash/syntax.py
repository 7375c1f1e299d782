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
# sessions of other interpreters, and text that is plainly not commands
_SESSIONS = (
    ("a Python session", re.compile(r"^\s*>>> ")),
    ("a Windows command prompt", re.compile(r"^\s*[A-Za-z]:\\[^>\n]*>")),
    ("a Ruby session", re.compile(r"^\s*irb\([^)]*\):\d+:\d+[>*]")),
    ("an HTTP request", re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ HTTP/\d")),
)
_SESSION_WORDS = (">>> ", ":\\", "irb(", " HTTP/")
_SQL = re.compile(r"^\s*(?:SELECT|INSERT INTO|UPDATE|DELETE FROM|CREATE|ALTER|DROP|GRANT)\s")
_GIT_LOG = re.compile(r"^commit [0-9a-f]{7,40}\b")
_GO_MOD = re.compile(r"^(?:module \S+|go \d+\.\d+(?:\.\d+)?|require\s.*|toolchain go\S+)$")
_TABLE = re.compile(r"^\[\[?[A-Za-z_][\w.\"-]*\]\]?$")  # `[package]`, `[[tool.x]]`
_KEY_VALUE = re.compile(r"^[\w.\"-]+\s+=\s+\S")  # `version = "1.2.3"`: bash runs `version`
# a word right before `(` (a call, `print("x")`, `release(v)`): bash's syntax error
_CALL = re.compile(r"^\s*[A-Za-z_][\w.:]*\((?!\))")


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
    other = _other_text(body, joined)
    if other:
        return other
    content = [ln for ln in body if not ln.lstrip().startswith("#")]
    if (
        content
        and all(_YAML_LINE.match(ln) for ln in content)
        and (sum(bool(_YAML_KEY.match(ln)) for ln in content) >= 2)
    ):
        return "YAML"
    return ""


def _other_text(body: list[str], joined: str) -> str:
    """An interpreter's session, SQL, an HTTP request, git's output, a go.mod or a TOML
    or INI file, or ""."""
    if _has(joined, _SESSION_WORDS):
        for name, pattern in _SESSIONS:
            if any(pattern.match(ln) for ln in body):
                return name
    if _SQL.match(body[0]) and body[-1].rstrip().endswith(";"):
        return "SQL"
    if _GIT_LOG.match(body[0]) and any(ln.startswith(("Author: ", "Merge: ")) for ln in body):
        return "the output of git log"
    if sum(bool(_GO_MOD.match(ln.strip())) for ln in body) >= 2 and "go " in joined:
        return "a go.mod file"
    content = [ln.strip() for ln in body if not ln.lstrip().startswith("#")]
    if content and all(_TABLE.match(ln) or _KEY_VALUE.match(ln) for ln in content):
        return "TOML or an INI file"
    return ""


def call_syntax(starts: list[str]) -> str:
    """Why bash cannot parse commands that start so (`print("x")`: a word before `(`)."""
    for line in starts:
        if "(" in line and _CALL.match(line):
            return "bash cannot parse it: a word right before `(` (a call in another language)"
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
