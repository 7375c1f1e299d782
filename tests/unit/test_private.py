"""No module touches another package's `_private` names: a seam between packages is public.

An `ast` walk over src/relbook: `from relbook.x import _name` from outside package x, and
`obj._name` where `_name` is defined (a function, class, method or `self._name`
attribute) only in other packages than the one reading it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from tests.unit.source import PKG, SRC, modules


def _unit(path: Path) -> str:
    """The package (or top-level module) under relbook/ that `path` belongs to."""
    return path.relative_to(PKG).with_suffix("").parts[0]


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _defined(nodes: Iterable[ast.AST]) -> set[str]:
    """Private names a module (all its `nodes`) defines: functions, classes, methods,
    self._x attributes, module-level assignments."""
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if _private(n)}


def _owners() -> dict[str, set[str]]:
    owners: dict[str, set[str]] = {}
    for mod in modules():
        for name in _defined(mod.nodes):
            owners.setdefault(name, set()).add(_unit(mod.path))
    return owners


def _offences(path: Path, nodes: Iterable[ast.AST], owners: dict[str, set[str]]) -> list[str]:
    unit, rel = _unit(path), path.relative_to(SRC)
    bad: list[str] = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("relbook"):
            parts = (node.module or "").split(".")
            source = parts[1] if len(parts) > 1 else "relbook"
            for alias in node.names:
                if _private(alias.name) and source != unit:
                    bad.append(f"{rel}:{node.lineno}: imports {node.module}.{alias.name}")
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                continue
            where = owners.get(node.attr, set())
            if where and unit not in where:
                owner = ", ".join(sorted(where))
                bad.append(f"{rel}:{node.lineno}: uses .{node.attr} (private to {owner})")
    return bad


def test_no_package_touches_another_package_private_names() -> None:
    owners = _owners()
    bad = [b for mod in modules() for b in _offences(mod.path, mod.nodes, owners)]
    assert not bad, "\n".join(bad)


def test_the_walk_finds_an_offence(tmp_path: Path) -> None:
    """The check is not vacuous: a module of another package reaching in is reported."""
    mod = PKG / "drill" / "x.py"
    tree = ast.parse(
        "from relbook.model import _norm\nfrom relbook.drill import _mine\n"
        "def f(r):\n    return r._sync, r._own\n"
    )
    owners = {"_sync": {"record"}, "_own": {"drill"}}
    found = _offences(mod, ast.walk(tree), owners)
    assert len(found) == 2, found
    assert "relbook.model._norm" in found[0] and "._sync" in found[1]
