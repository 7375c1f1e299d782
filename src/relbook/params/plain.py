"""Filling bare `{{ name }}` placeholders without jinja2 (its import and a template
compile cost more than a trivial step or a whole dry run)."""

from __future__ import annotations

import re
from typing import Any

_PLAIN_EXPR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def fill_plain(text: str, values: dict[str, Any], mark: Any = None) -> str | None:
    """`text` filled without jinja2 when every placeholder in it is a bare name (no
    filter, no statement, no comment): jinja2 renders those as str(value) (or, for
    shell, `mark`'s sentinel), and an unknown name stays as written. None when
    jinja2 is needed."""
    if "{%" in text or "{#" in text or "{{" in _PLAIN_EXPR.sub("", text):
        return None
    if any(not isinstance(v, (str, int)) or isinstance(v, bool) for v in values.values()):
        return None

    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            return m.group(0)
        return mark(name, values[name]) if mark is not None else str(values[name])

    return _PLAIN_EXPR.sub(fill, text)
