"""Compiled regular expressions kept between runs, as bytecode is.

Reading a guide takes a few hundred regular expressions (conditions, placeholders,
commands), and compiling them is most of relbook's start-up: Python parses and
compiles each pattern afresh in every process. `load()` fills the `re` module's own
cache with the patterns compiled by earlier runs, built from their saved programs in
microseconds; at exit, the patterns this process compiled that were not saved yet
are added. Nothing changes for the code that uses them: `re.compile(p)`,
`re.search(p, s)` find the pattern in `re`'s cache, compiled as `re` would.

The file sits beside relbook's bytecode (`__pycache__`, or under PYTHONPYCACHEPREFIX)
and, like bytecode, is not written under PYTHONDONTWRITEBYTECODE or where relbook's
files are read-only. Its name holds the interpreter's cache tag and the regular
expression engine's version, so another Python never reads it. A program is saved
only once rebuilding it gives a pattern equal to the one `re` compiled (same flags,
same code); an unreadable file is ignored, and on an interpreter whose `re`
internals differ from those known here the cache stays off.
"""

from __future__ import annotations

import atexit
import marshal
import os
import re
import sys
from importlib.util import cache_from_source
from pathlib import Path
from typing import Any

KEEP = 500  # patterns kept at most (those built from a guide's words come and go)
FILL = 400  # patterns put in `re`'s cache at most: it holds 512, dropping the oldest
_loaded: set[tuple[Any, ...]] = set()
_state: dict[str, Any] = {}


def path() -> Path | None:
    """The cache file, or None where the interpreter has no bytecode cache."""
    try:
        import _sre

        pyc = cache_from_source(str(Path(__file__).resolve().parent / "__init__.py"))
    except (ImportError, NotImplementedError, ValueError):
        return None
    tag = sys.implementation.cache_tag
    return Path(pyc).parent / f"relbook-re.{tag}-{_sre.MAGIC}.marshal"


def supported() -> bool:
    """Whether `re`'s cache and compiler are those this module knows (3.11 to 3.13)."""
    if not (3, 11) <= sys.version_info[:2] <= (3, 13):
        return False
    return sys.implementation.name == "cpython" and isinstance(_re_cache(), dict)


def _re_cache() -> Any:
    """The dict `re` keeps its compiled patterns in, keyed (type, pattern, flags)."""
    from re import _cache  # cleared by re.purge(), never replaced

    return _cache


def load() -> None:
    """Fill `re`'s cache from the file, and save what this process adds at exit
    (once per process)."""
    if _state or not supported():
        return
    where = path()
    _state["path"] = where
    if where is None:
        return
    entries = _read(where)
    _state["entries"] = entries
    import _sre

    cache = _re_cache()
    for n, (key, program) in enumerate(entries.items()):
        if n >= FILL or key in cache:
            continue
        try:
            cache[key] = _sre.compile(key[1], *program)
        except Exception:  # noqa: BLE001 - a bad entry is compiled the ordinary way
            continue
        _loaded.add(key)
    if not sys.dont_write_bytecode:
        atexit.register(save)


def save() -> None:
    """Add the patterns compiled in this process to the file (atomically)."""
    where: Path | None = _state.get("path")
    if where is None:
        return
    entries: dict[tuple[Any, ...], tuple[Any, ...]] = _state.get("entries", {})
    new = {}
    for key, pattern in list(_re_cache().items()):
        if key in entries or key in _loaded:
            continue
        program = _program(key, pattern)
        if program is not None:
            new[key] = program
    if not new:
        return
    kept = list(entries.items())[: max(0, KEEP - len(new))]
    data = [(k[0] is bytes, k[1], k[2], *p) for k, p in [*kept, *new.items()]]
    tmp = where.with_name(f"{where.name}.{os.getpid()}.tmp")
    try:
        blob = marshal.dumps(data)
        where.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(blob)
        os.replace(tmp, where)
    except (OSError, ValueError):  # read-only, full, unmarshallable: compiled again next time
        tmp.unlink(missing_ok=True)


def _read(where: Path) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    try:
        data = marshal.loads(where.read_bytes())
        return {((bytes if b else str), p, f): tuple(rest) for b, p, f, *rest in data}
    except (OSError, EOFError, ValueError, TypeError):
        return {}


def _program(key: tuple[Any, ...], pattern: Any) -> tuple[Any, ...] | None:
    """What `_sre.compile` takes to rebuild `pattern` (as re._compiler.compile makes
    it), or None unless the rebuilt pattern equals it."""
    kind, source, flags = key
    if kind not in (str, bytes) or not isinstance(flags, int) or flags & re.DEBUG:
        return None
    try:
        import _sre
        from re._compiler import _code as code_of
        from re._parser import parse

        p = parse(source, flags)
        code = code_of(p, flags)
        groupindex = dict(p.state.groupdict)
        indexgroup = [None] * p.state.groups
        for name, i in groupindex.items():
            indexgroup[i] = name
        code = [int(c) for c in code]  # opcodes are int subclasses, which marshal refuses
        program = (int(flags | p.state.flags), code, p.state.groups - 1, groupindex)
        program += (tuple(indexgroup),)
        if _sre.compile(source, *program) != pattern:
            return None
    except Exception:  # noqa: BLE001 - not saved: compiled the ordinary way next time
        return None
    return program
