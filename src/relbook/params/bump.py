"""Version bumps in the files that hold the version, done with real parsers.

Each file kind is read with a parser that knows where its version lives, and the
new version is written into exactly that value: every other byte of the file
stays as it was (comments, layout, key order, quoting).

| file | where the version is | parser |
|---|---|---|
| `VERSION`, `version.txt`, any other plain file | its first line | - |
| `pyproject.toml` (or `.toml`) | `project.version`, else `tool.poetry.version` | tomlkit |
| `package.json` (or `.json`) | the top-level `version` | json |
| `Chart.yaml` (or `.yaml`) | `version`, and `appVersion` when it was the same | PyYAML |
| a `.py` module | `__version__` | ast |

Front matter `version_files` lists files, each optionally with its location:
`pyproject.toml:project.version`, `package.json:version`,
`src/pkg/__init__.py:__version__`. A version that is not where it is said to
be, or that is neither the previous release nor already the new one, is an
error with `file:line`; nothing is written then.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from relbook.datatype import datatype
from relbook.errors import ParamError

DEFAULT_FILES = ("VERSION", "version.txt", "pyproject.toml", "package.json", "Chart.yaml")
_VERSIONISH = re.compile(r"v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")


@datatype(frozen=True)
class Edit:
    """One value to replace: where it is (character offsets) and what it holds."""

    where: str  # the location, e.g. project.version
    line: int
    start: int
    end: int
    old: str  # the version as written (without quotes)
    literal: str  # the text to put at start:end for the new version, given {new}


@datatype(frozen=True)
class Bump:
    """A file's version bump: its text before and after."""

    path: Path
    old: str
    new: str
    where: str
    line: int
    before: str
    after: str

    def diff(self, repo: str | Path) -> str:
        """A unified diff of the bump, paths relative to `repo`."""
        name = _relative(self.path, repo)
        import difflib  # only when a version file is bumped

        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            f"a/{name}",
            f"b/{name}",
            n=1,
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def about_versions(instruction: str) -> bool:
    """True when an instruction inside a block is one relbook can automate by a bump."""
    return bool(re.search(r"\bversion", instruction, re.I))


def plan_bump(
    repo: str | Path,
    version: str,
    front: dict[str, Any] | None = None,
    previous: str | None = None,
) -> list[Bump]:
    """The bumps to make in `repo` for `version` (files already at it are left out)."""
    repo = Path(repo)
    listed = (front or {}).get("version_files")
    if listed is not None and not isinstance(listed, list):
        raise ParamError("front matter version_files must be a list of files")
    entries = [_entry(str(e)) for e in listed] if listed else [(n, "") for n in DEFAULT_FILES]
    out = []
    for name, where in entries:
        path = repo / name
        if not path.is_file():
            if listed:
                raise ParamError(f"version file {name} (listed in front matter) does not exist")
            continue
        bump = _plan_file(path, where, version, previous, required=bool(listed), repo=repo)
        if bump is not None:
            out.append(bump)
    return out


def _entry(text: str) -> tuple[str, str]:
    name, sep, where = text.rpartition(":")
    return (name, where) if sep and name and "/" not in where else (text, "")


def _plan_file(
    path: Path, where: str, version: str, previous: str | None, *, required: bool, repo: Path
) -> Bump | None:
    text = path.read_text(encoding="utf-8")
    rel = _relative(path, repo)
    edits = _edits(path, text, where, rel)
    if not edits:
        if required or where:
            what = f" at {where}" if where else ""
            raise ParamError(f"no version{what} in {rel}", path=rel, line=1)
        return None
    first = edits[0]
    plain_new = version
    if all(_same(e.old, plain_new) for e in edits):
        return None  # already bumped (a resumed release)
    for e in edits:
        if not _VERSIONISH.fullmatch(e.old):
            raise ParamError(f"{e.where} is {e.old!r}, not a version", path=rel, line=e.line)
        if previous and not _same(e.old, previous) and not _same(e.old, plain_new):
            raise ParamError(
                f"{e.where} is {e.old}, but the previous release is {previous}: "
                "correct the file (or the tags) before bumping",
                path=rel,
                line=e.line,
            )
    after = text
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        new = ("v" if e.old.startswith("v") else "") + version
        after = after[: e.start] + e.literal.format(new=new) + after[e.end :]
    new_first = ("v" if first.old.startswith("v") else "") + version
    return Bump(path, first.old, new_first, ", ".join(e.where for e in edits), first.line,
                text, after)  # fmt: skip


def _same(a: str, b: str) -> bool:
    return a.lstrip("vV") == b.lstrip("vV")


def _edits(path: Path, text: str, where: str, rel: str) -> list[Edit]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            return _toml(text, where)
        if suffix == ".json":
            return _json(text, where or "version")
        if suffix in (".yaml", ".yml"):
            return _yaml(text, where)
        if suffix == ".py":
            return _python(text, where or "__version__")
    except ValueError as e:
        line = getattr(e, "lineno", 1)
        raise ParamError(f"cannot read {rel}: {e}", path=rel, line=line) from None
    return _plain(text)


def apply_bump(bumps: list[Bump]) -> None:
    """Write each file's bumped text in place (its mode and links stay)."""
    for b in bumps:
        b.path.write_bytes(b.after.encode("utf-8"))


def describe(bumps: list[Bump], repo: str | Path) -> str:
    """`VERSION: 1.2.2 -> 1.2.3, package.json: ...`."""
    return ", ".join(f"{_relative(b.path, repo)}: {b.old} -> {b.new}" for b in bumps)


def _relative(path: Path, repo: str | Path) -> str:
    try:
        return str(path.relative_to(repo))
    except ValueError:
        return str(path)


# -- one function per file kind: the edits that put a new version in place ----


def _plain(text: str) -> list[Edit]:
    offset = 0
    for n, line in enumerate(text.splitlines(keepends=True), 1):
        value = line.strip()
        if value:
            start = offset + line.index(value)
            return [Edit("line " + str(n), n, start, start + len(value), value, "{new}")]
        offset += len(line)
    return []


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _toml(text: str, where: str) -> list[Edit]:
    import tomlkit
    from tomlkit.exceptions import ParseError as TomlError

    try:
        doc = tomlkit.parse(text)
    except TomlError as e:
        err = ValueError(str(e))
        err.lineno = e.line  # type: ignore[attr-defined]
        raise err from None
    paths = [where] if where else ["project.version", "tool.poetry.version"]
    for dotted in paths:
        edit = _toml_edit(doc, text, dotted)
        if edit is not None:
            return [edit]
    return []


def _toml_edit(doc: Any, text: str, dotted: str) -> Edit | None:
    """The edit for `dotted`, found by writing a marker there and diffing the output."""
    import tomlkit

    *parents, key = dotted.split(".")
    table: Any = doc
    for name in parents:
        table = table.get(name) if hasattr(table, "get") else None
        if table is None:
            return None
    if not hasattr(table, "get") or not isinstance(table.get(key), str):
        return None
    item = table[key]
    original = item.as_string()
    if "\n" in original or item.type.name.startswith("M"):
        return None  # a multi-line string: not a version
    marker = "relbook0version0marker"
    table[key] = tomlkit.string(marker, literal=item.type.name == "SLL")
    marked = tomlkit.dumps(doc)
    table[key] = item  # leave the document as it was
    start = marked.index(marker) - 1  # the opening quote
    end = start + len(original)
    if text[:start] != marked[:start] or text[start:end] != original:
        return None
    quote = original[0]
    return Edit(dotted, _line_of(text, start), start, end, str(item), quote + "{new}" + quote)


def _json(text: str, where: str) -> list[Edit]:
    import json

    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        err = ValueError(e.msg)
        err.lineno = e.lineno  # type: ignore[attr-defined]
        raise err from None
    spans = _json_member(text, where.split("."))
    if spans is None:
        return []
    start, end = spans
    try:
        old = json.loads(text[start:end])
    except json.JSONDecodeError as e:
        raise ValueError(str(e)) from None
    if not isinstance(old, str):
        return []
    return [Edit(where, _line_of(text, start), start, end, old, '"{new}"')]


def _json_member(text: str, keys: list[str]) -> tuple[int, int] | None:
    """Character span of the value at `keys` (object members only)."""
    import json
    from json.decoder import scanstring

    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")
    i = ws.match(text, 0).end()
    for depth, key in enumerate(keys):
        if text[i : i + 1] != "{":
            return None
        i = ws.match(text, i + 1).end()
        found = None
        while text[i : i + 1] == '"':
            name, i = scanstring(text, i + 1)
            i = ws.match(text, i).end()
            if text[i : i + 1] != ":":
                raise ValueError(f"expected ':' at line {_line_of(text, i)}")
            i = ws.match(text, i + 1).end()
            start = i
            try:
                _, i = decoder.raw_decode(text, i)
            except json.JSONDecodeError as e:
                raise ValueError(str(e)) from None
            if name == key:
                found = (start, i)  # the last duplicate wins, as json.loads reads it
            i = ws.match(text, i).end()
            if text[i : i + 1] != ",":
                break
            i = ws.match(text, i + 1).end()
        if found is None:
            return None
        if depth < len(keys) - 1:
            i = found[0]
        else:
            return found
    return None


def _yaml(text: str, where: str) -> list[Edit]:
    import yaml

    try:
        root = yaml.compose(text)
    except yaml.YAMLError as e:
        err = ValueError(str(e).split("\n")[0])
        mark = getattr(e, "problem_mark", None)
        err.lineno = mark.line + 1 if mark else 1  # type: ignore[attr-defined]
        raise err from None
    if where:
        node = _yaml_node(root, where.split("."))
        return [_yaml_edit(text, node, where)] if node is not None else []
    version = _yaml_node(root, ["version"])
    if version is None:
        return []
    edits = [_yaml_edit(text, version, "version")]
    app = _yaml_node(root, ["appVersion"])
    if app is not None and _same(str(app.value), str(version.value)):
        edits.append(_yaml_edit(text, app, "appVersion"))
    return edits


def _yaml_node(node: Any, keys: list[str]) -> Any:
    import yaml

    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        if node is None:
            return None
    return node if isinstance(node, yaml.ScalarNode) else None


def _yaml_edit(text: str, node: Any, where: str) -> Edit:
    start, end = node.start_mark.index, node.end_mark.index
    quote = node.style if node.style in ("'", '"') else ""
    return Edit(where, node.start_mark.line + 1, start, end, node.value, quote + "{new}" + quote)


def _python(text: str, where: str) -> list[Edit]:
    import ast

    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        err = ValueError(e.msg)
        err.lineno = e.lineno or 1  # type: ignore[attr-defined]
        raise err from None
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        value = getattr(node, "value", None)
        if where not in names or not isinstance(value, ast.Constant):
            continue
        if not isinstance(value.value, str) or value.end_lineno != value.lineno:
            return []
        line = lines[value.lineno - 1]
        col = len(line.encode("utf-8")[: value.col_offset].decode("utf-8"))
        end_col = len(line.encode("utf-8")[: value.end_col_offset].decode("utf-8"))
        segment = line[col:end_col]
        quote = segment[-1]
        prefix = segment[: segment.index(quote)]
        start = starts[value.lineno - 1] + col
        literal = prefix + quote + "{new}" + quote
        return [Edit(where, value.lineno, start, starts[value.lineno - 1] + end_col,
                     value.value, literal)]  # fmt: skip
    return []
