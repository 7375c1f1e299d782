"""`<!-- relbook: ... -->` directives: their keys and values, durations."""

from __future__ import annotations

import re
from typing import Any

from relbook.errors import ParseError

DIRECTIVE_KEYS = {
    "skip",
    "skip-section",
    "id",
    "timeout",
    "optional",
    "contingency",
    "normal",
    "signoff",
    "manual",
    "confirm",
    "done-if",
    "applies-to",
    "from",  # where the guide says when a step applies (relbook parameterize writes it)
    "clean",
    "flow",  # flow=contingency | normal: this step's, whatever its section or words say
    # one way of a choice (relbook parameterize writes them for the alternatives it reads):
    # choice=ID way=LABEL, and once for the way / the choice way-applies-to=KINDS question=TEXT
    "choice",
    "way",
    "way-applies-to",
    "question",
}
_SECTION_KEYS = {"contingency", "normal", "skip-section"}
# patterns used only when a guide has directives are compiled (and cached by re) on first use
_DONE_IF = r"(?:^|\s)done-if\s*[:=](.*)$"
DIRECTIVE = r"<!--\s*relbook:(.*?)-->"


def parse_directive(text: str, path: str, line: int) -> dict[str, Any]:
    """`<!-- relbook: skip id=x timeout=30 -->` -> {"skip": True, "id": "x", ...}."""
    out: dict[str, Any] = {}
    m = re.search(_DONE_IF, text, re.S)
    if m:  # the check command runs to the end of the directive
        if not m.group(1).strip():
            raise ParseError(
                "done-if needs a command, e.g. done-if: test -f out", path=path, line=line
            )
        out["done-if"] = m.group(1).strip()
        text = text[: m.start()]
    try:
        import shlex

        words = shlex.split(text)
    except ValueError as e:
        raise ParseError(f"directive: {e}", path=path, line=line) from None
    for word in words:
        key, sep, value = word.partition("=")
        if not sep and key.endswith(":"):
            key = key[:-1]
        key = key.strip().lower()
        if key not in DIRECTIVE_KEYS:
            known = ", ".join(sorted(DIRECTIVE_KEYS))
            raise ParseError(f"unknown directive {key!r} (known: {known})", path=path, line=line)
        out[key] = _directive_value(key, value, path, line) if sep else True
    return out


def parse_duration(value: str) -> float | None:
    """`90`, `90s`, `10m`, `1.5h` -> seconds; None for anything else (or not positive)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|m|h)?", str(value).strip())
    if not m or float(m.group(1)) <= 0:
        return None
    return float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]


def _directive_value(key: str, value: str, path: str, line: int) -> Any:
    if key == "timeout":
        seconds = parse_duration(value)
        if seconds is None:
            raise ParseError(
                f"timeout must be a positive number of seconds, not {value!r}", path=path, line=line
            )
        return seconds
    if key == "id" and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value):
        raise ParseError(
            f"step id {value!r} must be letters, digits, '.', '-', '_'", path=path, line=line
        )
    if key == "choice" and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.@-]*", value):
        raise ParseError(
            f"choice id {value!r} must be letters, digits, '.', '-', '_', '@'", path=path, line=line
        )
    if key == "flow" and value not in ("contingency", "normal"):
        raise ParseError(f"flow is contingency or normal, not {value!r}", path=path, line=line)
    if key in ("applies-to", "way-applies-to"):
        _check_kinds(value, path, line)
    return value


_KIND_ATOM = re.compile(
    r"!?(?:major|minor|patch|pre-?release|stable|hotfix|first|(?:rc|alpha|beta)(?:\.\d+)?)"
)


def _check_kinds(value: str, path: str, line: int) -> None:
    """`applies-to=minor,!prerelease`: every kind is one relbook knows."""
    for atom in re.split(r"[,|]", value.lower()):
        if not _KIND_ATOM.fullmatch(atom.strip()):
            raise ParseError(
                f"applies-to: unknown kind of release {atom!r} (major, minor, patch, "
                "prerelease, rc, rc.N, alpha, beta, stable, hotfix, first; !kind, a|b, a,b)",
                path=path,
                line=line,
            )


def step_fields(d: dict[str, Any], path: str = "", line: int = 0) -> dict[str, Any]:
    """The Step fields a step's directives set (`d` is kept as its `directives`)."""
    if not d:
        return {"directives": d}  # no directive (most steps): every other field its default
    applies = d.get("applies-to")
    for key in ("way", "way-applies-to", "question"):
        if key in d and "choice" not in d:
            raise ParseError(
                f"{key} needs choice=ID (the choice it is a way of)", path=path, line=line
            )
    return {
        "choice": str(d.get("choice", "")),
        "option": str(d.get("way", "")) if d.get("way") is not True else "",
        "applies_to": str(applies).lower().replace("-", "") if applies else "",
        "applies_from": str(d.get("from", "")),  # where the guide says so (parameterize)
        "optional_why": d["optional"] if isinstance(d.get("optional"), str) else "",
        "timeout": d.get("timeout"),
        "done_if": str(d.get("done-if", "")),
        "confirm": bool(d.get("confirm")),
        "directives": d,
    }
