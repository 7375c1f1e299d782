"""`declare -p` lines, as the session carries and the journal keeps them: their value,
their flags, a line that sets a value, and a value masked."""

from __future__ import annotations

import re
import shlex

from relbook.record.mask import MASK

_DECL = re.compile(r"declare -(\S+) ([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?\Z", re.S)


def is_masked(line: str) -> bool:
    """True for a declaration whose value the journal masked."""
    return line.endswith(f"={MASK}")


def masked_line(line: str) -> str:
    """The declaration with its value masked."""
    m = _DECL.match(line)
    return f"declare -{m.group(1)} {m.group(2)}={MASK}" if m else MASK


def declaration(flags: str, name: str, value: str) -> str:
    """A declaration line that sets `name` to `value`."""
    return f"declare -{flags} {name}={shlex.quote(value)}"


def declared_flags(line: str) -> str:
    """The flags of a declaration (`-x`, `-r`...; `-` when none)."""
    m = _DECL.match(line)
    return m.group(1) if m else "-"


def declared_value(line: str) -> str | None:
    """The scalar value of a `declare -p` line (None for arrays and unset values)."""
    m = _DECL.match(line)
    if not m or m.group(3) is None or "a" in m.group(1) or "A" in m.group(1):
        return None
    return _unquote(m.group(3))


_ANSI = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b"}
_ANSI |= {"f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


def _unquote(text: str) -> str:
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return re.sub(r"\\([\\\"$`])", r"\1", text[1:-1])
    if text.startswith("$'") and text.endswith("'"):
        return re.sub(r"\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|.)", _ansi, text[2:-1])
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("'\\''", "'")
    return text


def _ansi(m: re.Match[str]) -> str:
    code = m.group(1)
    if code[0] == "x":
        return chr(int(code[1:], 16))
    if code[0] in "01234567":
        return chr(int(code, 8))
    return _ANSI.get(code, "\\" + code)
