"""Values the operator gives for a guide's placeholders: -p NAME=VALUE and --params FILE."""

from __future__ import annotations

import re

from relbook.errors import ParamError


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
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
    except OSError as e:
        raise ParamError(f"cannot read: {e.strerror or e}", path=path) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise ParamError(
            f"not YAML: {getattr(e, 'problem', None) or e}",
            path=path,
            line=mark.line + 1 if mark else 1,
        ) from None
    if not isinstance(data, dict):
        raise ParamError("must be a YAML mapping (name: value)", path=path, line=1)
    return {str(k): "" if v is None else str(v) for k, v in data.items()}
