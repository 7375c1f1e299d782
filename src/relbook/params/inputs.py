"""Values the operator gives for a guide's placeholders: -p NAME=VALUE and --params FILE."""

from __future__ import annotations

import re
from typing import Any

from relbook.errors import ParamError, decode_utf8


def run_parameters(pairs: list[str] | None = None, path: str | None = None) -> dict[str, str]:
    """`--params FILE` (YAML mapping, as papermill's -f) then `-p NAME=VALUE` (later wins)."""
    out: dict[str, str] = {}
    if path:
        out.update(_params_file(path))
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ParamError(f"-p {pair!r}: expected NAME=VALUE, e.g. -p commit_sha=1a2b3c")
        out[name] = value
    return out


def _params_file(path: str) -> dict[str, str]:
    data = read_yaml_mapping(path, "", "must be a YAML mapping (name: value)")
    return {str(k): "" if v is None else str(v) for k, v in data.items()}


def read_yaml_mapping(path: str, what: str, shape: str) -> dict[str, Any]:
    """A YAML file that must hold a mapping (a --params or answers file): unreadable,
    non-UTF-8, invalid or other-shaped files are one `file:line` error each."""
    import yaml

    try:
        with open(path, "rb") as f:
            data = yaml.safe_load(decode_utf8(f.read(), path, what)) or {}
    except OSError as e:
        raise ParamError(
            f"cannot read{' ' + what if what else ''}: {e.strerror or e}", path=path
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise ParamError(
            f"{what + ': ' if what else 'not YAML: '}{problem}",
            path=path,
            line=mark.line + 1 if mark else 1,
        ) from None
    if not isinstance(data, dict):
        raise ParamError(shape, path=path, line=1)
    return {str(k): v for k, v in data.items()}
