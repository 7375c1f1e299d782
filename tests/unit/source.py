"""relbook's own source, read and parsed once per test session for the checks that walk it.

The layer, size and private-name checks each look at every node of every module under
src/relbook; parsing and walking the same files three times cost the fast tier seconds.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PKG = SRC / "relbook"


@dataclass(frozen=True)
class Module:
    path: Path
    text: str
    tree: ast.Module
    nodes: tuple[ast.AST, ...]  # every node of `tree`, in ast.walk order


def walk(tree: ast.AST) -> tuple[ast.AST, ...]:
    """The nodes ast.walk yields, in its order."""
    return tuple(ast.walk(tree))


@cache
def modules() -> tuple[Module, ...]:
    """Every module under src/relbook, sorted by path."""
    out: list[Module] = []
    for path in sorted(PKG.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        out.append(Module(path, text, tree, walk(tree)))
    return tuple(out)
