"""What each placeholder of a guide stands for, and why relbook reads it so: the
explanation `relbook params` gives for every `file:line` (text and JSON)."""

from __future__ import annotations

import re
from typing import Any

from relbook.model import Placeholder, Runbook
from relbook.params import Params, render_text
from relbook.record.mask import MASK, SECRET_NAME

SCHEMA = "relbook.params/1"

MEANINGS = {
    "version": "the new version",
    "tag": "the release tag",
    "previous_version": "the previous version",
    "previous_tag": "the previous release tag",
    "next_patch": "the next patch version",
    "description": "the release description (--description)",
    "date": "the release date",
    "release_type": "the release type",
    "bump": "the bump (major, minor or patch)",
    "major": "the new version's major number",
    "minor": "the new version's minor number",
    "patch": "the new version's patch number",
    "series": "the release series (major.minor)",
    "next_minor": "the next minor version",
}
_DERIVED = {
    "next_patch": "derived form: the example version's patch + 1",
    "next_minor": "derived form: the example version's minor + 1",
    "previous_version": "derived form: the example version's patch - 1",
}
_SENTINEL = re.compile(r"SET_ME|CHANGE_?ME|REPLACE_?ME|FILL_?ME|REDACTED|^your_|^YOUR_")
_LITERAL = re.compile(r"[vV]?\d+(?:\.\d+)*(?:-[A-Za-z][\w.]*)?")  # `VERSION=0.7.0`'s value
_WORD_END = " \t\"'`;|&()<>,"


def means_of(p: Placeholder) -> str:
    """The release value `p` stands for, or "input" (a run parameter)."""
    if p.means:
        return p.means
    return p.name if p.name in MEANINGS else "input"


def explain(rb: Runbook, p: Placeholder, params: Params | None) -> dict[str, Any]:
    """One placeholder: where, as written, what it stands for, why, and its value."""
    means = means_of(p)
    value = _value(p, means, params)
    if value is not None and SECRET_NAME.search(p.name):
        value = MASK
    return {
        "line": p.line,
        "where": f"{rb.path}:{p.line}",
        "literal": p.literal,
        "name": p.name,
        "kind": p.kind,
        "means": means,
        "meaning": _meaning(rb, p, means, value, params),
        "why": _why(rb, p, means),
        "value": value,
        "source": _source(p, means, params),
        "how": f"-p {p.name}=VALUE" if means == "input" else "",
    }


def _value(p: Placeholder, means: str, params: Params | None) -> str | None:
    if params is None:
        return None
    values = params.all_values()
    if p.kind == "variable" and p.name in params.shell:
        return params.shell[p.name]
    value = values.get(p.name) if means == "input" else values.get(means)
    return None if value is None else str(value)


def _source(p: Placeholder, means: str, params: Params | None) -> str:
    if params is None:
        return ""
    name = p.name if means == "input" else means
    return params.sources.get(name, "derived" if name in params.all_values() else "")


def _meaning(
    rb: Runbook, p: Placeholder, means: str, value: str | None, params: Params | None
) -> str:
    if means == "input":
        given = f" (given: {value})" if value is not None else ""
        return f"a run parameter: give it with -p {p.name}=VALUE{given}"
    text = MEANINGS.get(means, means) + (f" {value}" if value else "")
    if p.kind == "variable":
        text = f"the guide's variable ${p.name}, set to {text}"
    word = _word(rb, p)
    if word != p.literal and params is not None:
        filled = _filled(word, rb, params, p.line)
        if filled and filled != word:
            text += f", in {word}: {filled}"
    return text


def _why(rb: Runbook, p: Placeholder, means: str) -> str:
    lit = p.literal
    if lit.startswith("{{"):
        return "written as a template"
    if p.kind == "variable":
        base = "a shell variable that nothing in the guide sets"
        if means == "input":
            return base + ", whose name names no release value"
        return base + f"; name match: {p.name} names {means.replace('_', ' ')}"
    if p.kind == "token":
        return _token_why(p, means)
    if p.kind == "told":  # what the prose around the command says of the literal
        return p.why
    if p.name == "description":
        return "bracketed text that names a description"
    if p.name in _DERIVED:
        return f"{_DERIVED[p.name]} ({rb.example_version})"
    source = (
        "front matter example_version"
        if rb.front_matter.get("example_version")
        else "the most common SemVer literal in the guide's shell blocks"
    )
    return f"shape match: the guide's example version {rb.example_version} ({source})"


def _token_why(p: Placeholder, means: str) -> str:
    lit = p.literal
    value = "names no release value" if means == "input" else f"names {means.replace('_', ' ')}"
    if _SENTINEL.search(lit) and means == "input":
        return "a fill-in marker: it names no release value"
    if lit[:1] in "<{[" or lit.startswith("__"):
        return f"name match: {lit} {value}"
    if _LITERAL.fullmatch(lit):
        return f"a version literal assigned to a variable: {value}"
    template = re.search(r"filled as (.*)\)$", p.why)
    how = f", filled as {template.group(1)}" if template else ""
    return f"shape match: {lit} is a version template ({value}{how})"


def _word(rb: Runbook, p: Placeholder) -> str:
    """The word of the guide's line that holds the placeholder (`release-X.Y`)."""
    lines = rb.source.split("\n")
    if not 0 < p.line <= len(lines):
        return p.literal
    text = lines[p.line - 1]
    at = text.find(p.literal)
    if at < 0:
        return p.literal
    start, end = at, at + len(p.literal)
    while start > 0 and text[start - 1] not in _WORD_END:
        start -= 1
    while end < len(text) and text[end] not in _WORD_END:
        end += 1
    return text[start:end]


def _filled(word: str, rb: Runbook, params: Params, line: int) -> str:
    from relbook.errors import RelbookError

    try:
        return render_text(word, params, path=rb.path, line=line, example=rb.example_version)
    except RelbookError:
        return ""


def _shown(name: str, value: str | None) -> str | None:
    return MASK if value is not None and SECRET_NAME.search(name) else value


def placeholder_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The text `relbook params` prints for the placeholders."""
    if not rows:
        return []
    out = ["", "placeholders (what each stands for, and why):"]
    for r in rows:
        out.append(f"{r['where']}: {r['literal']} -> {r['meaning']}")
        out.append(f"    why: {r['why']}")
    return out


def params_json(rb: Runbook, params: Params | None, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """`relbook params --json` (schema relbook.params/1)."""
    uses: dict[str, list[dict[str, Any]]] = {}
    for p in rb.placeholders:
        uses.setdefault(p.name, []).append({"line": p.line, "literal": p.literal})
    names = [*params.values, *(n for n in sorted(uses) if n not in params.values)] if params \
        else sorted(uses)  # fmt: skip
    parameters = [
        {
            "name": n,
            "value": _shown(n, params.values.get(n)) if params else None,
            "source": params.sources.get(n, "derived") if params else "example in the guide",
            "uses": uses.get(n, []),
        }
        for n in names
    ]
    return {
        "schema": SCHEMA,
        "runbook": rb.path,
        "example_version": rb.example_version,
        "version": params.values.get("version") if params else None,
        "parameters": parameters,
        "placeholders": rows,
    }
