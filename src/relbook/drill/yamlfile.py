"""Reading a scenario file: YAML whose mappings remember their lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from relbook.errors import RelbookError, decode_utf8


def read_yaml(path: Path) -> Any:
    """A scenario file as YAML 1.2 (`on:` is a key, not True), each mapping a LineMap
    that knows its line; bad YAML is one `file:line` error."""
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader with YAML 1.2 booleans: `on:` is a key, not True."""

    bool_tag = "tag:yaml.org,2002:bool"
    Loader.yaml_implicit_resolvers = {
        k: [r for r in v if r[0] != bool_tag]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )

    def mapping(loader: Loader, node: Any) -> LineMap:
        loader.flatten_mapping(node)
        out = LineMap(loader.construct_pairs(node, deep=True))
        out.line = node.start_mark.line + 1
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        text = decode_utf8(path.read_bytes(), str(path), "scenario")
        data = yaml.load(text, Loader=Loader)  # noqa: S506 (a SafeLoader subclass)
    except OSError as e:
        raise RelbookError(f"cannot read scenario: {e.strerror}", path=str(path)) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise RelbookError(
            f"scenario: {getattr(e, 'problem', None) or 'invalid YAML'}",
            path=str(path),
            line=mark.line + 1 if mark else 0,
        ) from None
    if not isinstance(data, LineMap):
        raise RelbookError("a scenario must be a YAML mapping (see docs/drills.md)", path=str(path))
    return data


class LineMap(dict):
    """A YAML mapping that remembers its line."""

    line = 0
