"""Markdown guide -> Runbook (pure; keeps exact source lines)."""

from __future__ import annotations

import hashlib
import html
import os
import re
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

from relbook.bash.shell import console_commands, split_commands
from relbook.errors import ParamError, ParseError
from relbook.model import Finding, Kind, Part, Runbook, Section, Step
from relbook.parse.contents import Contents
from relbook.parse.infer import (
    first_sentence,
    heading_step,
    heads,
    introduces_description,
    is_contingency,
    prompted,
    reads_as_action,
    undoes,
    unlabelled_shell,
)
from relbook.parse.source import Blocks

SHELL_LANGS = {"bash", "sh", "shell", "zsh", "console", "shell-session", "shellsession"}
CONSOLE_LANGS = {"console", "shell-session", "shellsession"}
_SIGNOFF_SECTION = re.compile(r"approv|sign[- ]?off|signoff", re.I)
_SIGNOFF_ITEM = re.compile(r"\bsign[- ]?off\b|\bsignoff\b|\bapproval\b|\bapproved by\b", re.I)
_OPTIONAL = re.compile(
    r"\((?:if needed|if applicable|optional|if necessary|if required|when needed)\)|^optional:",
    re.I,
)
_APPLIES = re.compile(
    r"\b(?:for|on|only for)\s+(major|minor|patch|hotfix|pre-?release)\s+(?:releases?|versions?)"
    r"|\((major|minor|patch|hotfix|pre-?release)(?: releases?)? only\)",
    re.I,
)
_HANDWORK = re.compile(
    r"^(?:update|edit|apply|review|verify|check|confirm|ensure|make sure|wait|fix|write|fill|"
    r"bump|change|modify|resolve|inspect|manually|todo|fixme|adjust|replace|set the|add (?:a|the)"
    r"|remember|do not forget|don't forget|announce|notify)\b",
    re.I,
)
_STOP = {"from", "with", "into", "that", "this", "then", "your", "their", "changes", "change"}
DIRECTIVE_KEYS = {
    "skip",
    "skip-section",
    "id",
    "timeout",
    "optional",
    "contingency",
    "normal",
    "signoff",
    "manual",
    "confirm",
    "done-if",
    "applies-to",
    "clean",
}
_SPACES = re.compile(r"[ \t]+")
_SECTION_KEYS = {"contingency", "normal", "skip-section"}
# patterns used only when a guide has directives are compiled (and cached by re) on first use
_DONE_IF = r"(?:^|\s)done-if\s*[:=](.*)$"
DIRECTIVE = r"<!--\s*relbook:(.*?)-->"


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
        data = Path(path).read_bytes()
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
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
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

    steps = tuple(walker.steps)
    try:
        example, placeholders = infer_placeholders(steps, front, path)
    except ParamError as e:
        line = _front_matter_line(text, "example_version")
        raise ParseError(f"front matter example_version: {e.msg}", path=path, line=line) from None
    findings = walker.findings + [
        Finding(line, "RB005", f"unterminated code fence opened with {marker}")
        for line, marker in blocks.unterminated
    ]
    return Runbook(
        path=path,
        title=walker.title or Path(path).stem,
        sha256=digest,
        sections=tuple(walker.sections),
        steps=steps,
        front_matter=front,
        placeholders=placeholders,
        example_version=example,
        findings=tuple(sorted(findings, key=lambda f: f.line)),
        source=text,
    )


def _front_matter_line(text: str, key: str) -> int:
    m = re.search(rf"^{re.escape(key)}\s*:", text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def normalize_newlines(text: str) -> str:
    """Strip a BOM and turn CRLF / CR line ends into LF (line numbers kept)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, path: str) -> tuple[dict[str, Any], str]:
    """YAML front matter as a dict, and the body with those lines blanked."""
    if not text.startswith("---\n"):
        return {}, text
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        return {}, text
    import yaml

    try:
        data = _plain(yaml.safe_load("\n".join(lines[1:end])) or {})
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise ParseError(f"front matter: {problem}", path=path, line=line) from None
    except (RecursionError, ValueError):
        raise ParseError(
            "front matter nests too deep or refers to itself", path=path, line=1
        ) from None
    if not isinstance(data, dict):
        raise ParseError("front matter must be a YAML mapping (key: value)", path=path, line=1)
    return data, "\n" * (end + 1) + "\n".join(lines[end + 1 :])


def _plain(value: Any, depth: int = 0) -> Any:
    """YAML data as plain JSON types (dates become ISO text)."""
    if depth > 40:
        raise ValueError("too deep")
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v, depth + 1) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def plain_text(tokens: list[dict[str, Any]]) -> str:
    """Inline tokens as plain text (code spans and link texts kept)."""
    out: list[str] = []
    for tok in tokens:
        kind = tok.get("type")
        if kind in ("softbreak", "linebreak"):
            out.append(" ")
        elif kind == "inline_html":
            continue
        elif kind == "text":
            out.append(html.unescape(tok.get("raw", "")))
        elif "raw" in tok:
            out.append(tok["raw"])
        elif "children" in tok:
            out.append(plain_text(tok["children"]))
    return _SPACES.sub(" ", "".join(out)).strip()


def slug(text: str) -> str:
    """A lowercase, dash-separated id from a title (leading numbering dropped)."""
    text = re.sub(r"^\s*\d+[.)]\s*", "", text)
    s = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return s[:48].strip("-") or "section"


def parse_directive(text: str, path: str, line: int) -> dict[str, Any]:
    """`<!-- relbook: skip id=x timeout=30 -->` -> {"skip": True, "id": "x", ...}."""
    out: dict[str, Any] = {}
    m = re.search(_DONE_IF, text, re.S)
    if m:  # the check command runs to the end of the directive
        if not m.group(1).strip():
            raise ParseError(
                "done-if needs a command, e.g. done-if: test -f out", path=path, line=line
            )
        out["done-if"] = m.group(1).strip()
        text = text[: m.start()]
    try:
        import shlex

        words = shlex.split(text)
    except ValueError as e:
        raise ParseError(f"directive: {e}", path=path, line=line) from None
    for word in words:
        key, sep, value = word.partition("=")
        if not sep and key.endswith(":"):
            key = key[:-1]
        key = key.strip().lower()
        if key not in DIRECTIVE_KEYS:
            known = ", ".join(sorted(DIRECTIVE_KEYS))
            raise ParseError(f"unknown directive {key!r} (known: {known})", path=path, line=line)
        out[key] = _directive_value(key, value, path, line) if sep else True
    return out


def parse_duration(value: str) -> float | None:
    """`90`, `90s`, `10m`, `1.5h` -> seconds; None for anything else (or not positive)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|m|h)?", str(value).strip())
    if not m or float(m.group(1)) <= 0:
        return None
    return float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]


def _directive_value(key: str, value: str, path: str, line: int) -> Any:
    if key == "timeout":
        seconds = parse_duration(value)
        if seconds is None:
            raise ParseError(
                f"timeout must be a positive number of seconds, not {value!r}", path=path, line=line
            )
        return seconds
    if key == "id" and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value):
        raise ParseError(
            f"step id {value!r} must be letters, digits, '.', '-', '_'", path=path, line=line
        )
    return value


class _Walker:
    """Walks mistune's AST once, in document order, building sections and steps."""

    def __init__(self, path: str, front: dict[str, Any], blocks: Blocks) -> None:
        self.path = path
        self.blocks = blocks
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
        self.heading_step: tuple[str, int, int] | None = None  # (text, line, steps before)

    def walk(self, tokens: list[dict[str, Any]]) -> None:
        """Build sections and steps from the top-level tokens."""
        self.has_tasks = _has_tasks(tokens)
        self.contents = Contents(self._text(t) for t in tokens if t.get("type") == "heading")
        self._blocks(tokens)
        self._flush_heading()
        self._flush_pending()

    def _blocks(self, tokens: list[dict[str, Any]]) -> None:
        for tok in tokens:
            kind = tok.get("type")
            if kind not in ("list", "blank_line"):
                self.told = False  # only the list right after the paragraph is told of
            if kind == "heading":
                self._heading(tok)
            elif kind == "list":
                self._list(tok)
            elif kind == "block_code":
                self._code(tok, text="", task=False)
            elif kind == "block_html":
                self._html(tok.get("raw", ""), tok.get("_line", 0))
            elif kind == "block_quote":
                self._blocks(tok.get("children", []))
            elif kind in ("paragraph", "block_text"):
                self._inline_html(tok)
                self._paragraph(tok)

    def _text(self, tok: dict[str, Any]) -> str:
        if "_text" not in tok:  # asked for more than once (contents, then the step)
            tok["_text"] = plain_text(self.blocks.inline(tok))
        return tok["_text"]

    def _flush_heading(self) -> None:
        """A heading that reads as a step is one when its section has no step of its own."""
        if self.heading_step and self.heading_step[2] == len(self.steps):
            text, line, _ = self.heading_step
            self._add(Kind.MANUAL, text, line, undo=undoes(text))
        self.heading_step = None

    def _heading(self, tok: dict[str, Any]) -> None:
        self._flush_heading()
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
        if not self.has_tasks and level > 1:
            step = heading_step(text)
            if step:  # a guide that writes its steps as headings: the section is the step
                self.heading_step = (step, section.line, len(self.steps))

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
        new = replace(
            cur,
            contingency=bool(keys.get("contingency"))
            or (cur.contingency and not keys.get("normal")),
        )
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

    def _paragraph(self, tok: dict[str, Any]) -> None:
        """A paragraph that says what to do, in a guide without a checklist, is a step."""
        if self.has_tasks or self.details_depth or self.quiet or not self.stack:
            return
        whole = self._text(tok)
        if introduces_description(whole):
            self.told = True
            return
        text = first_sentence(whole)
        if reads_as_action(text):
            self._add(Kind.MANUAL, text, tok.get("_line", 0), undo=undoes(text))

    def _list(self, tok: dict[str, Any]) -> None:
        ordered = bool(tok.get("attrs", {}).get("ordered"))
        told, self.told = self.told, False
        quiet = told or self.contents.is_contents([self._text(h) for h in heads(tok)])
        self.quiet += quiet  # it tells what happens, or lists the guide's own parts
        try:
            for item in tok.get("children", []):
                self._item(item, ordered)
        finally:
            self.quiet -= quiet

    def _item(self, item: dict[str, Any], ordered: bool) -> None:
        task = item.get("type") == "task_list_item"
        children = item.get("children", [])
        head = next((c for c in children if c.get("type") in ("block_text", "paragraph")), None)
        line = (head or children[0]).get("_line", 0) if children else 0
        if head:
            self._inline_html(head)
        codes = [c for c in children if _is_shell_fence(c)]
        text = self._text(head) if head else ""
        rest = [c for c in children if c is not head and not any(c is k for k in codes)]
        plain_step = not self.has_tasks and not self.quiet and bool(text)
        # under a step, plain bullets are its details; numbered sub-items are steps
        actionable = ordered or (not self.details_depth and reads_as_action(text))
        if task:
            checked = bool(item.get("attrs", {}).get("checked"))
            self._task_step(text, line, checked, codes, _details(self.blocks.inline, rest))
        elif codes:
            for code in codes:
                self._code(code, text=text, task=False)
        elif plain_step and actionable:
            details = _details(self.blocks.inline, rest)
            self._add(Kind.MANUAL, text, line, numbered=ordered, details=details, undo=undoes(text))
            self.details_depth += 1
            try:
                self._blocks(rest)
            finally:
                self.details_depth -= 1
            return
        self._blocks(rest)

    def _task_step(
        self,
        text: str,
        line: int,
        checked: bool,
        codes: list[dict[str, Any]],
        details: tuple[str, ...] = (),
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

    def _code(self, tok: dict[str, Any], text: str, task: bool) -> None:
        if not _is_shell_fence(tok):
            return
        lang = _lang(tok)
        body, parts = _code_parts(tok)
        if not parts:
            return
        line = tok.get("_line", 0)
        if self.pending.pop("manual", False):
            self._add(Kind.MANUAL, text or _describe(parts, lang), line)
            return
        self._add(
            Kind.SHELL,
            text or _describe(parts, lang),
            line,
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
        step_id = d.get("id") or f"{sid}.{n}"
        if step_id in self.used_ids and not d.get("id"):  # an `id=` took it: keep both
            step_id = f"{sid}.{n}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"
        if step_id in self.used_ids:
            raise ParseError(f"duplicate step id {step_id!r}", path=self.path, line=line)
        self.used_ids.add(step_id)
        applies = d.get("applies-to") or _applies_to(text)
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
                contingency=undo or bool(section.contingency if section else self.doc_contingency),
                skip=bool(d.get("skip"))
                or bool(section and any(section.path[: len(p)] == p for p in skip_paths)),
                applies_to=str(applies).lower().replace("-", "") if applies else "",
                timeout=d.get("timeout"),
                done_if=str(d.get("done-if", "")),
                confirm=bool(d.get("confirm")),
                directives=d,
                **kw,
            )
        )


def _details(inline: Any, blocks: list[dict[str, Any]]) -> tuple[str, ...]:
    """Plain bullets nested under a manual step (no checkbox, no command): they say
    how to do it, so the operator sees them with the step."""
    out: list[str] = []
    for tok in blocks:
        if tok.get("type") != "list" or tok.get("attrs", {}).get("ordered"):
            continue
        for item in tok.get("children", []):
            kids = item.get("children", [])
            if item.get("type") == "task_list_item" or any(_is_shell_fence(k) for k in kids):
                continue
            head = next((k for k in kids if k.get("type") in ("block_text", "paragraph")), None)
            if head:
                out.append(plain_text(inline(head)))
    return tuple(t for t in out if t)


def _has_tasks(tokens: list[dict[str, Any]]) -> bool:
    stack = list(tokens)
    while stack:
        tok = stack.pop()
        if tok.get("type") == "task_list_item":
            return True
        stack.extend(tok.get("children", ()) if tok.get("type") != "paragraph" else ())
    return False


def _inline_htmls(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """inline_html tokens in document order (inside links and emphasis too)."""
    out: list[dict[str, Any]] = []
    for tok in tokens:
        if tok.get("type") == "inline_html":
            out.append(tok)
        elif "children" in tok:
            out.extend(_inline_htmls(tok["children"]))
    return out


def _is_shell_fence(tok: dict[str, Any]) -> bool:
    if tok.get("type") != "block_code" or tok.get("style") != "fenced":
        return False
    lang = _lang(tok)
    if lang in SHELL_LANGS:
        return True
    return unlabelled_shell(lang, tok.get("raw", ""))


def _code_parts(tok: dict[str, Any]) -> tuple[str, list[Part]]:
    """A fenced block's body and its parts, numbered from the line after the fence."""
    first = tok.get("_line", 0)
    raw_lines = tok.get("raw", "").split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    numbered = [(first + 1 + i, t) for i, t in enumerate(raw_lines)]
    if _lang(tok) in CONSOLE_LANGS or prompted(raw_lines):
        cmds = console_commands(numbered)
        return "\n".join(c for _, c in cmds), [Part("command", n, c) for n, c in cmds]
    return "\n".join(raw_lines), _shell_parts(numbered)


def _lang(tok: dict[str, Any]) -> str:
    if "_lang" not in tok:  # asked for several times per fence
        info = (tok.get("attrs", {}).get("info", "") or "").strip()
        tok["_lang"] = (info.split()[0] if info else "").strip("{}.").lower()
    return tok["_lang"]


def _is_optional(text: str) -> bool:
    # a cheap test first: most steps have neither a parenthesis nor `optional:`
    if "(" not in text and text[:9].lower() != "optional:":
        return False
    return bool(_OPTIONAL.search(text))


def _applies_to(text: str) -> str:
    low = text.lower()
    if not any(w in low for w in ("major", "minor", "patch", "hotfix", "release")):
        return ""
    m = _APPLIES.search(text)
    return (m.group(1) or m.group(2)) if m else ""


def _describe(parts: list[Part], lang: str) -> str:
    for p in parts:
        if p.comment:
            return p.comment.split("\n")[0]
    first = next((p.source for p in parts if p.kind == "command"), "")
    return first.split("\n")[0].rstrip(" \\") if first else f"{lang} block"


def _shell_parts(numbered: list[tuple[int, str]]) -> list[Part]:
    """Commands of a bash block, with instruction comments split out as parts."""
    parts: list[Part] = []
    comments: list[tuple[int, str]] = []
    for no, text, comment_lines in _commands_with_comment_lines(numbered):
        comments = comment_lines
        description: list[str] = []
        for i, (cline, ctext) in enumerate(comments):
            last = i == len(comments) - 1
            if _is_instruction(ctext, text if last else ""):
                parts.append(Part("instruction", cline, ctext))
            else:
                description.append(ctext)
        if text:
            parts.append(Part("command", no, text, "\n".join(description)))
    return parts


def _commands_with_comment_lines(
    numbered: list[tuple[int, str]],
) -> list[tuple[int, str, list[tuple[int, str]]]]:
    out = []
    pending: list[tuple[int, str]] = []
    groups = split_commands(numbered)
    comment_iter = iter(
        [(n, t.strip().lstrip("#").strip()) for n, t in numbered if t.strip().startswith("#")]
    )
    comment_list = list(comment_iter)
    ci = 0
    for start, src, _ in groups:
        pending = []
        while ci < len(comment_list) and (start == 0 or comment_list[ci][0] < start):
            if comment_list[ci][1] and not comment_list[ci][1].startswith("!"):
                pending.append(comment_list[ci])
            ci += 1
        # comments inside a multi-line command belong to it, not to the next one
        end = start + src.count("\n") if start else 0
        while ci < len(comment_list) and start and comment_list[ci][0] <= end:
            ci += 1
        out.append((start, src, pending))
    return out


def _is_instruction(comment: str, next_command: str) -> bool:
    """A comment that asks a person to do something, rather than naming the next command."""
    if not _HANDWORK.match(comment):
        return False
    if not next_command:
        return True
    words = {w for w in re.findall(r"[a-z]{4,}", comment.lower()) if w not in _STOP}
    return not words & set(re.findall(r"[a-z]{4,}", next_command.lower()))
