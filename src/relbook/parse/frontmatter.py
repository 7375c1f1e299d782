"""A guide's YAML front matter, and its newlines normalized (line numbers kept)."""

from __future__ import annotations

import re
from typing import Any

from relbook.errors import ParseError


def _front_matter_line(text: str, key: str) -> int:
    m = re.search(rf"^{re.escape(key)}\s*:", text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def normalize_newlines(text: str) -> str:
    """Strip a BOM and turn CRLF / CR line ends into LF (line numbers kept)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, path: str) -> tuple[dict[str, Any], str]:
    """YAML front matter as a dict, and the body with those lines blanked."""
    if not text.startswith("---\n"):
        return {}, text
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        return {}, text
    import yaml

    try:
        data = _plain(yaml.safe_load("\n".join(lines[1:end])) or {})
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise ParseError(f"front matter: {problem}", path=path, line=line) from None
    except (RecursionError, ValueError):
        raise ParseError(
            "front matter nests too deep or refers to itself", path=path, line=1
        ) from None
    if not isinstance(data, dict):
        raise ParseError("front matter must be a YAML mapping (key: value)", path=path, line=1)
    return data, "\n" * (end + 1) + "\n".join(lines[end + 1 :])


def _plain(value: Any, depth: int = 0) -> Any:
    """YAML data as plain JSON types (dates become ISO text)."""
    if depth > 40:
        raise ValueError("too deep")
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v, depth + 1) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
