"""mistune 3 block parsing that keeps exact source lines.

mistune's AST carries no positions. Every block parser state here knows the
source line of its first line, and mistune builds each child state (a list
item's or a block quote's content) from its parent's lines one for one. So a
token's line is the state's first line plus the newlines before the token's
start: exact, whatever the nesting, tabs or laziness, and computed by
mistune's own CommonMark rules rather than a second scanner that could
disagree with it.

Tokens that can become steps or carry directives get a `_line` key (1-based):
paragraphs (and so list item text and setext headings), ATX headings, fenced
code blocks (the fence's line), indented code blocks (their first line) and HTML
blocks. Inline content is parsed only for the tokens that
need it (headings, steps, directives), not for every paragraph of prose; the
block token keeps its source text, so an inline directive gets its own line.
"""

from __future__ import annotations

import re
from typing import Any

import mistune
from mistune.block_parser import BlockParser
from mistune.core import BlockState

_MARKER_LINE = re.compile(r"[ \t]*(?:[*+-]|\d{1,9}[.)])(.*)")
_MAX_NESTING = 40


class LineState(BlockState):
    """A block state that knows the source line of its first line."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.line0 = 1
        # containers being parsed in this state: [kind, offset] where kind is
        # "list" (offset: start of the next item's marker line) or "quote"
        self.containers: list[list[Any]] = []
        self._counted = (0, 0)

    def index(self, pos: int) -> int:
        """0-based line index of `pos` within this state's source."""
        last_pos, last_n = self._counted
        if pos >= last_pos:
            n = last_n + self.src.count("\n", last_pos, pos)
        else:
            n = last_n - self.src.count("\n", pos, last_pos)
        self._counted = (pos, n)
        return n

    def line(self, pos: int) -> int:
        """1-based source line of `pos`."""
        return self.line0 + self.index(pos)

    def child_state(self, src: str, *args: Any, **kwargs: Any) -> BlockState:
        child = super().child_state(src, *args, **kwargs)
        if isinstance(child, LineState) and self.containers:
            kind, first = self.containers[-1]
            if kind == "quote":
                child.line0 = self.line(first)
            else:
                child.line0 = self.line(first) + (0 if self._has_text(first) else 1)
                # mistune builds an item after reading the next item's marker line
                self.containers[-1][1] = self.src.rfind("\n", 0, self.cursor - 1) + 1
        return child

    def _has_text(self, start: int) -> bool:
        """Whether the list item marker line at `start` has text after the marker."""
        end = self.src.find("\n", start)
        m = _MARKER_LINE.match(self.src, start, end if end >= 0 else len(self.src))
        return bool(m and m.group(1).strip())

    def add_paragraph(self, text: str) -> None:
        n = len(self.tokens)
        super().add_paragraph(text)
        if len(self.tokens) > n:
            self.tokens[-1]["_line"] = self.line(self.cursor)


class LineBlockParser(BlockParser):
    """mistune's block parser, tagging tokens with their source line."""

    state_cls = LineState

    def parse_fenced_code(self, m: re.Match[str], state: BlockState) -> int | None:
        n = len(state.tokens)
        end = super().parse_fenced_code(m, state)
        if len(state.tokens) > n and isinstance(state, LineState):
            tok = state.tokens[-1]
            tok["_line"] = state.line(m.start())
            if end == state.cursor_max and not _closed(m, state):
                state.env.setdefault("unterminated", []).append((tok["_line"], tok["marker"]))
        return end

    def _parse_indent_code_fast(self, state: BlockState) -> int | None:
        n, start = len(state.tokens), state.cursor
        end = super()._parse_indent_code_fast(state)  # type: ignore[misc]
        _tag_indented(state, n, start)
        return end

    def parse_indent_code(self, m: re.Match[str], state: BlockState) -> int:
        n = len(state.tokens)
        end = super().parse_indent_code(m, state)
        _tag_indented(state, n, m.start())
        return end

    def parse_atx_heading(self, m: re.Match[str], state: BlockState) -> int:
        end = super().parse_atx_heading(m, state)
        if isinstance(state, LineState):
            state.tokens[-1]["_line"] = state.line(m.start())
        return end

    def parse_raw_html(self, m: re.Match[str], state: BlockState) -> int | None:
        n = len(state.tokens)
        end = super().parse_raw_html(m, state)
        grew = len(state.tokens) > n and state.tokens[-1]["type"] == "block_html"
        if grew and isinstance(state, LineState):
            state.tokens[-1]["_line"] = state.line(m.start())
        return end

    def parse_list(self, m: re.Match[str], state: BlockState) -> int:
        if not isinstance(state, LineState):
            return super().parse_list(m, state)
        state.containers.append(["list", m.start()])
        try:
            return super().parse_list(m, state)
        finally:
            state.containers.pop()

    def parse_block_quote(self, m: re.Match[str], state: BlockState) -> int:
        if not isinstance(state, LineState):
            return super().parse_block_quote(m, state)
        state.containers.append(["quote", state.cursor])
        try:
            return super().parse_block_quote(m, state)
        finally:
            state.containers.pop()


def _tag_indented(state: BlockState, n: int, start: int) -> None:
    """An indented code block just added: its `_line` is its first line with text (mistune
    drops the blank lines around it)."""
    if len(state.tokens) <= n or not isinstance(state, LineState):
        return
    tok = state.tokens[-1]
    if tok.get("type") == "block_code" and tok.get("style") == "indent":
        blank = re.match(r"(?:[ \t]*\n)*", state.src[start:])
        tok["_line"] = state.line(start + (blank.end() if blank else 0))


def _closed(m: re.Match[str], state: BlockState) -> bool:
    """Whether the fence opened by `m` has a closing fence in this state."""
    marker = m.group("fenced_2")
    end = re.compile(r"^ {0,3}" + re.escape(marker[0]) + "{%d,}[ \t]*(?:\n|$)" % len(marker), re.M)
    return end.search(state.src, m.end() + 1) is not None


_MD: Any = None


def markdown() -> Any:
    """The shared mistune instance: AST output, task lists, tables, lines."""
    global _MD
    if _MD is None:
        from mistune.plugins.table import table, table_in_list, table_in_quote
        from mistune.plugins.task_lists import task_lists

        # tables inside list items and quotes too, as GitHub renders them; the
        # same rules everywhere also means one scanner regex to compile, not three
        plugins = [task_lists, table, table_in_list, table_in_quote]
        block = LineBlockParser(max_nested_level=_MAX_NESTING)
        _MD = mistune.Markdown(renderer=None, block=block, plugins=plugins)
    return _MD


class Blocks:
    """Block tokens of a document (with `_line`s); inline content parsed on demand."""

    def __init__(self, text: str) -> None:
        md = markdown()
        state = md.block.state_cls()
        state.process(text if text.endswith("\n") else text + "\n")
        md.block.parse(state)
        for hook in md.before_render_hooks:  # task lists: `[ ]` items become task_list_item
            hook(md, state)
        self.tokens: list[dict[str, Any]] = state.tokens
        self.unterminated: list[tuple[int, str]] = state.env.get("unterminated", [])
        self._env = state.env

    def inline(self, tok: dict[str, Any]) -> list[dict[str, Any]]:
        """The inline tokens of a paragraph or heading (parsed once, when first asked)."""
        if "children" not in tok:
            text = tok.get("text", "")
            tok["children"] = markdown().inline(text.strip(" \r\n\t\f"), self._env)
        return tok["children"]


# -- a flat index of where things are (for lint and notes) ------------------

_ITEM_LINE = r"[ \t]*(?:>[ \t]?)*[ \t]*(?:[*+-]|\d{1,9}[.)])(?:[ \t]+(.*))?$"
_TASK_BOX = r"\[([ xX])\](?:[ \t]+|$)"


class _Record:
    """A small record type (plain class: dataclasses cost start-up time here)."""

    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__
        )


class Fence(_Record):
    """A fenced code block: opening line, marker, info, body lines with their prefixes."""

    __slots__ = ("line", "marker", "info", "body", "closed", "indent")

    def __init__(
        self,
        line: int,
        marker: str,
        info: str,
        body: list[tuple[int, str]],
        closed: bool,
        indent: int,
    ) -> None:
        self.line, self.marker, self.info = line, marker, info
        self.body = body  # (line, source text with list indent / quote markers)
        self.closed = closed
        self.indent = indent  # column of the marker in its line


class Item(_Record):
    """A list item: its line and the source text after the marker (and task box)."""

    __slots__ = ("line", "ordered", "task", "checked", "text")

    def __init__(self, line: int, ordered: bool, task: bool, checked: bool, text: str) -> None:
        self.line, self.ordered, self.task, self.checked, self.text = (
            line,
            ordered,
            task,
            checked,
            text,
        )


class Heading(_Record):
    __slots__ = ("line", "level", "text")

    def __init__(self, line: int, level: int, text: str) -> None:
        self.line, self.level, self.text = line, level, text


class Scan(_Record):
    __slots__ = ("fences", "items", "headings")

    def __init__(self) -> None:
        self.fences: list[Fence] = []
        self.items: list[Item] = []
        self.headings: list[Heading] = []


def scan(text: str) -> Scan:
    """Fenced blocks, list items and headings of Markdown `text`, with exact lines.

    Lines are 1-based in `text`; a leading YAML front matter block is skipped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    blocks = Blocks(_blank_front_matter(text, lines))
    out = Scan()
    open_fences = {line for line, _ in blocks.unterminated}
    _index(blocks, blocks.tokens, lines, out, open_fences, ordered=False)
    return out


def _blank_front_matter(text: str, lines: list[str]) -> str:
    if not text.startswith("---\n"):
        return text
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    return text if end is None else "\n" * (end + 1) + "\n".join(lines[end + 1 :])


def _index(
    blocks: Blocks,
    tokens: list[dict[str, Any]],
    lines: list[str],
    out: Scan,
    open_fences: set[int],
    ordered: bool,
) -> None:
    for tok in tokens:
        kind = tok.get("type")
        if kind == "block_code" and tok.get("style") == "fenced":
            out.fences.append(_fence(tok, lines, open_fences))
        elif kind == "heading":
            text = "".join(c.get("raw", "") for c in blocks.inline(tok)).strip()
            out.headings.append(Heading(tok["_line"], tok["attrs"]["level"], text))
        elif kind in ("list_item", "task_list_item"):
            _item(tok, lines, out, ordered)
        if kind not in ("paragraph", "block_text", "heading") and "children" in tok:
            inner = bool(tok.get("attrs", {}).get("ordered")) if kind == "list" else ordered
            _index(blocks, tok["children"], lines, out, open_fences, inner)


def _fence(tok: dict[str, Any], lines: list[str], open_fences: set[int]) -> Fence:
    line, marker = tok["_line"], tok.get("marker", "```")
    n = tok.get("raw", "").count("\n")
    if tok.get("raw") and not tok["raw"].endswith("\n"):
        n += 1
    body = [(no, lines[no - 1]) for no in range(line + 1, min(line + 1 + n, len(lines) + 1))]
    info = tok.get("attrs", {}).get("info", "")
    return Fence(
        line, marker, info, body, line not in open_fences, max(lines[line - 1].find(marker), 0)
    )


def _item(tok: dict[str, Any], lines: list[str], out: Scan, ordered: bool) -> None:
    children = tok.get("children", [])
    if not children or "_line" not in children[0]:
        return
    line = children[0]["_line"]
    m = re.match(_ITEM_LINE, lines[line - 1])
    rest = (m.group(1) or "") if m else lines[line - 1].strip()
    task = tok["type"] == "task_list_item"
    box = re.match(_TASK_BOX, rest) if task else None
    text = rest[box.end() :] if box else rest
    out.items.append(Item(line, ordered, task, bool(tok.get("attrs", {}).get("checked")), text))
