"""The packages stay layered: lower layers never import higher ones, peers stay apart, no cycles.

Every import counts: top-level, inside a function (lazy) and under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from tests.unit.source import SRC, Module, modules

# unit (top-level module or package under relbook/) -> layer
LAYERS: dict[str, int] = {
    "relbook": 0,  # the package itself: __version__ only
    "model": 0,
    "errors": 0,
    "digest": 0,  # SHA-256 of small texts, without OpenSSL
    "datatype": -1,  # below the model: the plain data classes it is made of
    "lazy": 0,  # names of a package imported on first use
    "regexcache": 0,  # compiled regular expressions kept between runs
    "options": 0,  # run options declared once: plain data the CLI and the notebook read
    "bash": 1,  # lexer, splitter, effects: the knowledge parse, params and the run share
    "params": 2,  # versions, values, git facts; parse infers placeholders with it
    "parse": 3,
    "record": 4,
    "engines": 5,
    "run": 6,
    "drill": 7,
    "notebook": 7,
    "render": 7,
    "guard": 7,
    "ui": 8,
    "cli": 9,
    # public paths kept for users: entry points and forwarders above everything
    "__main__": 10,
    "nbsession": 10,
    "kernel": 10,
}

# (importing unit, imported unit) pairs still to be cut; this list only shrinks.
ALLOWED: set[tuple[str, str]] = set()
# modules still in an import cycle; this list only shrinks.
ALLOWED_CYCLES: list[set[str]] = []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return (SRC / rel).with_suffix(".py").is_file() or (SRC / rel / "__init__.py").is_file()


def _targets(mod: Module) -> list[tuple[str, int]]:
    """Every relbook module `mod` imports, with the line, wherever the import sits."""
    path = mod.path
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in mod.nodes:
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("relbook")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if not module.startswith("relbook"):
                continue
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.append((sub if _is_module(sub) else module, node.lineno))
    return found


@cache
def _graph() -> dict[str, set[tuple[str, int]]]:
    graph: dict[str, set[tuple[str, int]]] = {}
    for mod in modules():
        graph[_module_name(mod.path)] = set(_targets(mod))
    return graph


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "relbook"


def test_every_unit_has_a_layer() -> None:
    units = {_unit(m) for m in _graph()}
    assert units <= set(LAYERS), f"give these a layer: {sorted(units - set(LAYERS))}"


def test_lower_layers_never_import_higher_ones_and_peers_stay_apart() -> None:
    bad: list[str] = []
    for module, targets in _graph().items():
        for target, line in sorted(targets):
            a, b = _unit(module), _unit(target)
            if a == b or LAYERS[b] < LAYERS[a] or (a, b) in ALLOWED:
                continue
            bad.append(f"{module}:{line} imports {target} (layer {LAYERS[a]} -> {LAYERS[b]})")
    assert not bad, "\n".join(bad)


def test_the_allowlist_only_names_what_still_happens() -> None:
    seen = {(_unit(m), _unit(t)) for m, ts in _graph().items() for t, _ in ts}
    assert seen >= ALLOWED, f"cut from ALLOWED: {sorted(ALLOWED - seen)}"


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp: set[str] = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles() -> None:
    graph = {m: {t for t, _ in ts if t != m} for m, ts in _graph().items()}
    found = _cycles(graph)
    cycles = [c for c in found if c not in ALLOWED_CYCLES]
    gone = [c for c in ALLOWED_CYCLES if c not in found]
    assert not gone, f"cut from ALLOWED_CYCLES: {gone}"
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in cycles)


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_sizes() -> None:
    """No module over 500 lines, no class over 300."""
    big: list[str] = []
    for mod in modules():
        rel = mod.path.relative_to(SRC)
        if (n := mod.text.count("\n")) > MAX_MODULE.get(str(rel), 500):
            big.append(f"{rel}: {n} lines")
        for node in mod.nodes:
            if isinstance(node, ast.ClassDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_CLASS.get(f"{rel}:{node.name}", 300):
                    big.append(f"{rel}:{node.lineno}: class {node.name}: {n} lines")
    assert not big, "\n".join(big)


# still to be split; these only shrink
MAX_MODULE: dict[str, int] = {}
MAX_CLASS: dict[str, int] = {}
