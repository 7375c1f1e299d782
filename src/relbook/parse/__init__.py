"""Markdown guide -> Runbook (pure; keeps exact source lines).

The walker goes through mistune's blocks in order (headings, lists, fences,
directives) and makes the steps; frontmatter, directives and parts hold what it
reads from each piece, infer the rules for prose, source the Markdown blocks."""

from __future__ import annotations

import os
import re
import stat
from typing import TYPE_CHECKING, Any

from relbook.datatype import replace
from relbook.digest import sha256_hex
from relbook.errors import ParamError, ParseError
from relbook.model import Finding, Kind, Part, Runbook, Section, Step
from relbook.parse.conditions import apply_conditions
from relbook.parse.contents import Contents
from relbook.parse.directives import (
    _SECTION_KEYS,
    DIRECTIVE,
    DIRECTIVE_KEYS,
    parse_directive,
    parse_duration,
    step_fields,
)
from relbook.parse.example import example_hints
from relbook.parse.frontmatter import _front_matter_line, normalize_newlines, split_front_matter
from relbook.parse.infer import (
    heads,
    is_contingency,
    reads_as_action,
    undoes,
)
from relbook.parse.orders import plain_text, prohibits
from relbook.parse.parts import (
    CONSOLE_LANGS,
    SHELL_LANGS,
    _code_parts,
    _describe,
    _has_tasks,
    _inline_htmls,
    _is_optional,
    _is_shell_fence,
    _lang,
    slug,
)
from relbook.parse.prose import ProseRules
from relbook.parse.source import Blocks
from relbook.parse.told import Prose, told_placeholders

__all__ = [
    "CONSOLE_LANGS",
    "DIRECTIVE",
    "DIRECTIVE_KEYS",
    "SHELL_LANGS",
    "normalize_newlines",
    "parse_directive",
    "parse_duration",
    "parse_runbook",
    "plain_text",
    "read_runbook",
    "slug",
    "split_front_matter",
]

_SIGNOFF_SECTION = re.compile(r"approv|sign[- ]?off|signoff", re.I)
if TYPE_CHECKING:
    from pathlib import Path

_SIGNOFF_ITEM = re.compile(r"\bsign[- ]?off\b|\bsignoff\b|\bapproval\b|\bapproved by\b", re.I)


def read_runbook(path: str | Path) -> Runbook:
    """Read and parse a runbook file; bad files raise ParseError with file:line."""
    path = str(path)
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            raise ParseError("is a device, not a Markdown file", path=path)
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):  # reading one could wait for ever
            what = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket"
            raise ParseError(f"is {what}, not a Markdown file", path=path)
        with open(path, "rb") as f:  # not pathlib, which a parse need not import
            data = f.read()
    except IsADirectoryError:
        raise ParseError("is a directory, not a Markdown file", path=path) from None
    except OSError as e:
        raise ParseError(f"cannot read: {e.strerror or e}", path=path) from None
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise ParseError("not a text file (it contains NUL bytes)", path=path, line=line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ParseError(
            f"not UTF-8 text (byte 0x{data[e.start]:02x}); save the file as UTF-8",
            path=path,
            line=line,
        ) from None
    return parse_runbook(text, path)


def parse_runbook(text: str, path: str = "<runbook>") -> Runbook:
    """Parse Markdown text into a Runbook; every step keeps its source line."""
    digest = sha256_hex(text.encode("utf-8", "surrogatepass"))
    text = normalize_newlines(text)
    front, body = split_front_matter(text, path)
    try:
        blocks = Blocks(body)
        walker = _Walker(path, front, blocks)
        walker.walk(blocks.tokens)
    except RecursionError:
        raise ParseError(
            "nesting too deep to parse (lists or quotes nested too far)", path=path
        ) from None
    from relbook.params import infer_placeholders

    steps, choices = apply_conditions(tuple(walker.steps), blocks.tokens, walker._text, path)
    try:
        example, placeholders = infer_placeholders(
            steps, front, path, hints=example_hints(blocks.tokens)
        )
    except ParamError as e:
        line = _front_matter_line(text, "example_version")
        raise ParseError(f"front matter example_version: {e.msg}", path=path, line=line) from None
    prose = Prose(sorted(walker.paragraphs), [s.line for s in walker.sections])
    told = told_placeholders(steps, prose, example)
    inputs = {(p.line, p.literal) for p in told if p.means == "input"}  # the operator's
    placeholders = tuple(p for p in placeholders if (p.line, p.literal) not in inputs)
    placeholders += tuple(told)
    findings = walker.findings + [
        Finding(line, "RB005", f"unterminated code fence opened with {marker}")
        for line, marker in blocks.unterminated
    ]
    return Runbook(
        path=path,
        title=walker.title or os.path.splitext(os.path.basename(path))[0],
        sha256=digest,
        sections=tuple(walker.sections),
        steps=steps,
        front_matter=front,
        placeholders=placeholders,
        example_version=example,
        findings=tuple(sorted(findings, key=lambda f: f.line)),
        source=text,
        choices=choices,
    )


_ANCHOR = re.compile(r"\]\(#[^)\s]*\)")


def _overview(items: list[dict[str, Any]], contents: Contents, text: Any) -> bool:
    """A list of the guide's own parts: a table of contents, or items that each link to a
    section and none of which is an order (`Bump it (see [notes](#v))` is a step)."""
    names = [text(h) for h in items]
    if len(items) > 1 and all(map(_links_here, items)):
        return not any(map(reads_as_action, names))
    return contents.is_contents(names)


def _links_here(tok: dict[str, Any]) -> bool:
    """Whether a block links to a section of this guide (`[Core](#releasing-core)`): a
    list of such items is an overview of the guide's sections, whose steps are there."""
    if "children" not in tok:
        return bool(_ANCHOR.search(tok.get("text", "")))
    stack = list(tok["children"])
    while stack:
        child = stack.pop()
        if child.get("type") == "link" and child.get("attrs", {}).get("url", "").startswith("#"):
            return True
        stack.extend(child.get("children") or ())
    return False


class _Walker(ProseRules):
    """Walks mistune's AST once, in document order, building sections and steps."""

    def __init__(self, path: str, front: dict[str, Any], blocks: Blocks) -> None:
        self.path, self.blocks = path, blocks
        self.title = str(front.get("title", "")) if front else ""
        self.sections: list[Section] = []
        self.steps: list[Step] = []
        self.findings: list[Finding] = []
        self.stack: list[Section] = []
        self.section_ids: dict[str, int] = {}
        self.counters: dict[str, int] = {}
        self.used_ids: set[str] = set()
        self.pending: dict[str, Any] = {}
        self.pending_line = 0
        self.has_tasks = False
        self.doc_contingency = bool(front.get("contingency")) if front else False
        self.skip_sections: set[tuple[str, ...]] = set()
        self.details_depth = 0  # inside a manual step's nested text: its details, no steps
        self.quiet = 0  # inside a table of contents or a description: no inferred steps
        self.told = False  # the paragraph just read introduces a description, not steps

    def walk(self, tokens: list[dict[str, Any]]) -> None:
        """Build sections and steps from the top-level tokens."""
        self._init_prose(tokens, _has_tasks, self._text)
        self.contents = Contents(self._text(t) for t in tokens if t.get("type") == "heading")
        self._blocks(tokens)
        self._flush_intro()
        self._flush_headings()
        self._flush_pending()

    def _blocks(self, tokens: list[dict[str, Any]]) -> None:
        last: dict[str, Any] = {}  # the block before this one
        self._mark_output(tokens)
        for tok in tokens:
            kind = tok.get("type")
            if kind not in ("list", "blank_line"):
                self.told = False  # only the list right after the paragraph is told of
                self.contingent_next = False
            self._note_block(tok)
            if self.recap and kind != "heading":
                continue  # a recap of the steps above: not steps again
            if kind not in ("blank_line", "block_code"):
                self._flush_intro()
            if kind == "heading":
                self._heading(tok)
            elif kind == "list":
                self._list(tok)
            elif kind == "block_code":
                undo = self._repairs(last, tok)
                self._code(tok, text=self._other_way(last), task=False, undo=undo)
                self._flush_intro()  # the fence was no step: the sentence before it is
            elif kind == "block_html":
                self._html(tok.get("raw", ""), tok.get("_line", 0))
            elif kind == "block_quote":
                self._blocks(tok.get("children", []))
            elif kind in ("paragraph", "block_text"):
                self._inline_html(tok)
                self._paragraph(tok)
            last = tok if kind != "blank_line" else last

    def _heading(self, tok: dict[str, Any]) -> None:
        self._flush_pending()
        self._inline_html(tok)
        text = self._text(tok)
        level = tok.get("attrs", {}).get("level", 1)
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        if not self.title and level == 1:
            self.title = text
        parent = self.stack[-1] if self.stack else None
        base = slug(text)
        n = self.section_ids.get(base, 0) + 1
        self.section_ids[base] = n
        section = Section(
            id=base if n == 1 else f"{base}-{n}",
            title=text,
            level=level,
            line=tok.get("_line", 0),
            path=(parent.path if parent else ()) + (text,),
            contingency=is_contingency(text)
            or (parent.contingency if parent else self.doc_contingency),
            signoff=bool(_SIGNOFF_SECTION.search(text)) or bool(parent and parent.signoff),
        )
        self.stack.append(section)
        self.sections.append(section)
        self._enter_section(tok, text, level, section.line)

    def _inline_html(self, tok: dict[str, Any]) -> None:
        """Directives written inline in a paragraph, each with its own line."""
        src = tok.get("text", "")
        if "relbook:" not in src:
            return
        offset = 0
        for child in _inline_htmls(self.blocks.inline(tok)):
            raw = child.get("raw", "")
            found = src.find(raw, offset)
            if found >= 0:
                offset = found + len(raw)
            line = tok.get("_line", 0) + (src.count("\n", 0, found) if found > 0 else 0)
            self._html(raw, line)

    def _html(self, raw: str, line: int) -> None:
        self._html_context(raw)
        opened = raw.rfind("<!--")
        if opened >= 0 and "-->" not in raw[opened:]:
            self.findings.append(
                Finding(
                    line + raw.count("\n", 0, opened),
                    "RB007",
                    "unclosed <!-- comment: it hides everything after it; close it with -->",
                )
            )
        if "relbook:" not in raw:
            return
        for m in re.finditer(DIRECTIVE, raw, re.S):
            at = line + raw.count("\n", 0, m.start())
            values = parse_directive(m.group(1), self.path, at)
            section_keys = {k: v for k, v in values.items() if k in _SECTION_KEYS}
            if section_keys:
                self._mark_section(section_keys)
            step_keys = {k: v for k, v in values.items() if k not in _SECTION_KEYS}
            if step_keys:
                self.pending.update(step_keys)
                self.pending_line = at

    def _mark_section(self, keys: dict[str, Any]) -> None:
        if not self.stack:
            self.doc_contingency = bool(keys.get("contingency")) and not keys.get("normal")
            return
        cur = self.stack[-1]
        flag = bool(keys.get("contingency")) or (cur.contingency and not keys.get("normal"))
        new = replace(cur, contingency=flag)
        if keys.get("skip-section"):
            self.skip_sections.add(new.path)
        self.stack[-1] = new
        self.sections[self.sections.index(cur)] = new

    def _flush_pending(self) -> None:
        if self.pending:
            self.findings.append(
                Finding(self.pending_line, "RB006", "relbook directive applies to no step")
            )
            self.pending = {}

    def _list(self, tok: dict[str, Any]) -> None:
        ordered = bool(tok.get("attrs", {}).get("ordered"))
        told, self.told = self.told, False
        contingent, self.contingent_next = self.contingent_next, False
        if self._lead_step(tok):
            return  # the sentence before it was the step, its items that step's details
        quiet = told or _overview(heads(tok), self.contents, self._text)
        self.quiet += quiet  # it tells what happens, or lists the guide's own parts
        self.contingent += contingent  # what to do when things go wrong
        try:
            for item in tok.get("children", []):
                self._item(item, ordered)
        finally:
            self.quiet -= quiet
            self.contingent -= contingent

    def _item(self, item: dict[str, Any], ordered: bool) -> None:
        task = item.get("type") == "task_list_item"
        children = item.get("children", [])
        head = next((c for c in children if c.get("type") in ("block_text", "paragraph")), None)
        line = (head or children[0]).get("_line", 0) if children else 0
        if head:
            self._inline_html(head)
        self._mark_output(children)
        codes = [c for c in children if _is_shell_fence(c)]
        text = self._text(head) if head else ""
        rest = [c for c in children if c is not head and not (codes and any(c is k for k in codes))]
        if task:
            checked = bool(item.get("attrs", {}).get("checked"))
            self._task_step(text, line, checked, codes, self._detail_items(rest, _is_shell_fence))
        elif codes:
            self._fenced_item(children, codes, head, text, line, ordered)
        elif self._infers() and not self.quiet and text and self._actionable(head, text, ordered):
            details = self._detail_items(rest, _is_shell_fence)
            self._add(Kind.MANUAL, text, line, numbered=ordered, details=details, undo=undoes(text))
            return self._under_step(rest, undoes(text))
        self.told = bool(text) and self._tells(text)  # `2. The CI will then:` and its list
        self._blocks(rest)

    def _actionable(self, head: dict[str, Any], text: str, ordered: bool) -> bool:
        """Whether a plain item is a step: under a step, plain bullets are its details (a
        repair is a step of its own); numbered sub-items are steps. Read only for items
        that could become one (not for tasks, nor items holding a shell block)."""
        if ordered:  # a numbered caution is not a step, nor a criterion, nor what happens by itself
            return not prohibits(text) and not self._criteria() and not self._tells(text)
        if self.details_depth:
            return undoes(text)
        return reads_as_action(self._reading(head) or text)

    def _task_step(
        self,
        text: str,
        line: int,
        checked: bool,
        codes: list[dict[str, Any]],
        details: list[tuple[int, str]] | tuple[()] = (),
    ) -> None:
        section = self.stack[-1] if self.stack else None
        signoff = bool(section and section.signoff) or bool(_SIGNOFF_ITEM.search(text))
        if self.pending.pop("signoff", False):
            signoff = True
        if codes and not self.pending.pop("manual", False):
            parts: list[Part] = []
            bodies: list[str] = []
            for code in codes:
                body, code_parts = _code_parts(code)
                parts.extend(code_parts)
                bodies.append(body)
            self._add(
                Kind.SHELL,
                text,
                line,
                body="\n".join(bodies),
                lang=_lang(codes[0]),
                parts=tuple(parts),
                task=True,
                checked=checked,
            )
            return
        kind = Kind.SIGNOFF if signoff else Kind.MANUAL
        self._add(kind, text, line, task=True, checked=checked, details=details)

    def _code(self, tok: dict[str, Any], text: str, task: bool, undo: bool = False) -> None:
        if not _is_shell_fence(tok):
            return
        lang = _lang(tok)
        body, parts = _code_parts(tok)
        if not parts or self._example_of_last(parts, text) or self._foreign(tok, parts):
            return
        line = tok.get("_line", 0)
        self.intro = None  # the sentence introducing this block is the block's own step
        if self.pending.pop("manual", False):
            self._add(Kind.MANUAL, text or _describe(parts, lang), line, undo=undo)
            return
        self._add(
            Kind.SHELL,
            text or _describe(parts, lang),
            line,
            undo=undo,
            body=body,
            lang=lang,
            parts=tuple(parts),
            task=task,
        )

    def _add(self, kind: Kind, text: str, line: int, *, undo: bool = False, **kw: Any) -> None:
        section = self.stack[-1] if self.stack else None
        sid = section.id if section else "top"
        n = self.counters.get(sid, 0) + 1
        self.counters[sid] = n
        d, self.pending = self.pending, {}
        step_id = d.get("id") or _auto_id(f"{sid}.{n}", text, self.used_ids)
        if step_id in self.used_ids:
            raise ParseError(f"duplicate step id {step_id!r}", path=self.path, line=line)
        self.used_ids.add(step_id)
        skip_paths = self.skip_sections
        self.steps.append(
            Step(
                id=step_id,
                kind=kind,
                text=text,
                line=line,
                section=section.title if section else "",
                section_path=section.path if section else (),
                optional=bool(d.get("optional")) or _is_optional(text),
                contingency=d["flow"] == "contingency"  # the guide says which flow
                if "flow" in d
                else undo
                or self.failure_html
                or self.contingent > 0
                or bool(section.contingency if section else self.doc_contingency),
                skip=bool(d.get("skip"))
                or bool(section and any(section.path[: len(p)] == p for p in skip_paths)),
                **step_fields(d, self.path, self.pending_line if d else line),
                **_with_detail_lines(kw),
            )
        )


def _with_detail_lines(kw: dict[str, Any]) -> dict[str, Any]:
    """Details given as (line, text) pairs: the texts, and their lines beside them."""
    pairs = kw.pop("details", ())
    if pairs:
        kw["details"] = tuple(t for _, t in pairs)
        kw["detail_lines"] = tuple(n for n, _ in pairs)
    return kw


def _auto_id(base: str, text: str, used: set[str]) -> str:
    """A step's id from its section and place; one that a directive's `id=` took gets a
    short hash of the step's text, so both stay unique."""
    return base if base not in used else f"{base}-{sha256_hex(text.encode())[:6]}"
