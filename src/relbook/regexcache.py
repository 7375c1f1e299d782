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
from typing import Any

KEEP = 500  # patterns kept at most (those built from a guide's words come and go)
FILL = 400  # patterns put in `re`'s cache at most: it holds 512, dropping the oldest
_loaded: set[tuple[Any, ...]] = set()
_state: dict[str, Any] = {}


def path(kind: str = "") -> str | None:
    """The cache file of the commands of `kind` (each command its own: a parse loads
    none of the patterns only a run compiles), or None where the interpreter has no
    bytecode cache (os.path, as the rest of a parse's start-up: no pathlib)."""
    try:
        import _sre

        package = os.path.dirname(os.path.realpath(__file__))
        pyc = cache_from_source(os.path.join(package, "__init__.py"))
    except (ImportError, NotImplementedError, ValueError):
        return None
    kind = f"{kind}." if kind.isidentifier() else ""
    tag = sys.implementation.cache_tag  # re2: the code of each pattern as bytes
    return os.path.join(os.path.dirname(pyc), f"relbook-re2.{kind}{tag}-{_sre.MAGIC}.marshal")


def supported() -> bool:
    """Whether `re`'s cache and compiler are those this module knows (3.11 to 3.13)."""
    if not (3, 11) <= sys.version_info[:2] <= (3, 13):
        return False
    if sys.implementation.name != "cpython" or not isinstance(_re_cache(), dict):
        return False
    import _sre

    return memoryview(bytes(4)).cast("I").itemsize == _sre.CODESIZE  # code saved as C ints


def _re_cache() -> Any:
    """The dict `re` keeps its compiled patterns in, keyed (type, pattern, flags)."""
    from re import _cache  # cleared by re.purge(), never replaced

    return _cache


def load(kind: str = "") -> None:
    """Fill `re`'s cache from the file of `kind` (a command's name), and save what this
    process adds at exit (once per process)."""
    if _state or not supported():
        return
    where = path(kind)
    _state["path"] = where
    if where is None:
        return
    entries = _read(where)
    _state["entries"] = entries
    import _sre

    cache = _re_cache()
    for n, (key, (flags, code, *rest)) in enumerate(entries.items()):
        if n >= FILL or key in cache:
            continue
        try:
            cache[key] = _sre.compile(key[1], flags, memoryview(code).cast("I").tolist(), *rest)
        except Exception:  # noqa: BLE001 - a bad entry is compiled the ordinary way
            continue
        _loaded.add(key)
    if not sys.dont_write_bytecode:
        atexit.register(save)


def save() -> None:
    """Add the patterns compiled in this process to the file (atomically)."""
    where: str | None = _state.get("path")
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
    tmp = f"{where}.{os.getpid()}.tmp"
    try:
        blob = marshal.dumps(data)
        os.makedirs(os.path.dirname(where), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(blob)
        os.replace(tmp, where)
    except (OSError, ValueError):  # read-only, full, unmarshallable: compiled again next time
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _read(where: str) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    try:
        with open(where, "rb") as f:
            data = marshal.loads(f.read())
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
        from array import array
        from re._compiler import _code as code_of
        from re._parser import parse

        p = parse(source, flags)
        code = code_of(p, flags)
        groupindex = dict(p.state.groupdict)
        indexgroup = [None] * p.state.groups
        for name, i in groupindex.items():
            indexgroup[i] = name
        code = [int(c) for c in code]  # opcodes are int subclasses, which marshal refuses
        rest = (p.state.groups - 1, groupindex, tuple(indexgroup))
        if _sre.compile(source, int(flags | p.state.flags), code, *rest) != pattern:
            return None
        packed = array("I", code).tobytes()  # one bytes object, read back at C speed
    except Exception:  # noqa: BLE001 - not saved: compiled the ordinary way next time
        return None
    return (int(flags | p.state.flags), packed, *rest)
