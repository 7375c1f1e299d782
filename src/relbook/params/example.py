"""The example version of an unmodified guide: which literal stands for the release."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from relbook.model import Kind
from relbook.params.tokens import BUILTIN

if TYPE_CHECKING:
    from relbook.model import Step

_CORE = re.compile(r"(?<![0-9.])(\d+)\.(\d+)\.(\d+)(?![0-9]|\.[0-9]|-[0-9A-Za-z])")
_JINJA_EXPR = re.compile(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)?.*?-?\}\}", re.S)


def _explicit(steps: tuple[Step, ...]) -> bool:
    """Whether the runbook writes `{{ version }}`-style placeholders itself.

    Then its remaining literals are real values, not an example to infer from."""
    for step in steps:
        for text in (step.text, step.body):
            if "{{" in text and any(m.group(1) in BUILTIN for m in _JINJA_EXPR.finditer(text)):
                return True
    return False


def _most_common_version(steps: tuple[Step, ...]) -> str:
    counts: Counter[str] = Counter()
    for step in steps:
        if step.kind is Kind.SHELL:
            counts.update(m.group(0) for m in _CORE.finditer(step.body))
    if not counts:
        return ""
    best = max(counts.values())
    return next(k for k in counts if counts[k] == best)


def literal_map(example: str) -> dict[str, str]:
    """Example literal -> parameter name ("1.2.3" -> "version", ...)."""
    m = _CORE.fullmatch(example) if example else None
    if not m:
        return {}
    major, minor, patch = (int(g) for g in m.groups())
    out = {example: "version", f"{major}.{minor}.{patch + 1}": "next_patch"}
    if patch > 0:
        out[f"{major}.{minor}.{patch - 1}"] = "previous_version"
    return out
