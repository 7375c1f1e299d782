"""What list items and fenced blocks hold: shell fences and their command and
instruction parts, a manual step's details, optional marks, plain text."""

from __future__ import annotations

import re
from typing import Any

from relbook.bash.prompts import console_commands, prompted
from relbook.bash.shell import scan_commands
from relbook.model import Part
from relbook.parse.infer import unlabelled_shell, unprompted_shell

SHELL_LANGS = {"bash", "sh", "shell", "zsh", "console", "shell-session", "shellsession"}
CONSOLE_LANGS = {"console", "shell-session", "shellsession"}
_OPTIONAL = re.compile(
    r"\((?:if needed|if applicable|optional|if necessary|if required|when needed)\)|^optional:",
    re.I,
)
_HANDWORK = re.compile(
    r"^(?:update|edit|apply|review|verify|check|confirm|ensure|make sure|wait|fix|write|fill|"
    r"bump|change|modify|resolve|inspect|manually|todo|fixme|adjust|replace|set the|add (?:a|the)"
    r"|remember|do not forget|don't forget|announce|notify)\b",
    re.I,
)
_STOP = {"from", "with", "into", "that", "this", "then", "your", "their", "changes", "change"}
_SPACES = re.compile(r"[ \t]+")


def slug(text: str) -> str:
    """A lowercase, dash-separated id from a title (leading numbering dropped)."""
    text = re.sub(r"^\s*\d+[.)]\s*", "", text)
    s = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return s[:48].strip("-") or "section"


def _holds(tok: dict[str, Any], found: Any) -> bool:
    """Whether a block or one inside it is what `found` looks for (paragraphs not read)."""
    stack = [tok]
    while stack:
        tok = stack.pop()
        if found(tok):
            return True
        stack.extend(tok.get("children", ()) if tok.get("type") != "paragraph" else ())
    return False


def _has_tasks(tokens: list[dict[str, Any]], recaps: Any = frozenset()) -> bool:
    """Whether the guide is a checklist: a task list outside its recaps (below)."""
    recap = 0  # the level of the recap heading being read, 0 outside one
    for tok in tokens:
        if tok.get("type") == "heading":
            level = tok.get("attrs", {}).get("level", 1)
            recap = level if tok.get("_line") in recaps else recap if level > recap else 0
        elif not recap and _holds(tok, lambda t: t.get("type") == "task_list_item"):
            return True
    return False


_RECAP = re.compile(
    r"(?:\d+[.)]\s*)?(?:summary|recap|tl;?\s?dr|cheat[- ]?sheet|quick[- ]reference|at a glance)"
    r"(?:\s+check-?list)?\W*",
    re.I,
)


def recap_headings(tokens: list[dict[str, Any]], text: Any) -> set[int]:
    """Lines of the headings whose section recaps the procedure written out before it
    (`## Summary Checklist`, `## TL;DR` after the numbered steps or shell blocks): its
    items are those steps again, to tick off, not steps to take a second time."""
    out: set[int] = set()
    procedure = False  # a numbered list or a shell block came before
    for tok in tokens:
        if tok.get("type") == "heading":
            if procedure and _RECAP.fullmatch(text(tok).strip()):
                out.add(tok.get("_line", 0))
        elif not procedure:
            procedure = _holds(
                tok, lambda t: _is_shell_fence(t) or bool(t.get("attrs", {}).get("ordered"))
            )
    return out


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
    """A fenced block in a shell language, or one with no language (an indented code
    block has none) whose lines read as shell."""
    if tok.get("type") != "block_code" or "_line" not in tok or tok.get("_output"):
        return False  # (a block the text before it shows as output: `You should see:`)
    if "_shell" not in tok:  # asked for an item's fences, its details and the fence itself
        lang = _lang(tok)
        tok["_shell"] = lang in SHELL_LANGS or unlabelled_shell(lang, tok.get("raw", ""))
    return tok["_shell"]


def _code_parts(tok: dict[str, Any]) -> tuple[str, list[Part]]:
    """A code block's body and its parts, numbered from the line after the fence (from
    its own first line for an indented block); the block keeps what the scan splitting
    it found left open (`_open`, for `not_bash`)."""
    first = tok.get("_line", 0) - (tok.get("style") == "indent")
    raw_lines = tok.get("raw", "").split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    numbered = [(first + 1 + i, t) for i, t in enumerate(raw_lines)]
    if prompted(raw_lines) or (_lang(tok) in CONSOLE_LANGS and not unprompted_shell(raw_lines)):
        cmds = console_commands(numbered)
        return "\n".join(c for _, c in cmds), [Part("command", n, c) for n, c in cmds]
    parts, tok["_open"] = _shell_parts(numbered)
    return "\n".join(raw_lines), parts


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


def _describe(parts: list[Part], lang: str) -> str:
    for p in parts:
        if p.comment:
            return p.comment.split("\n")[0]
    first = next((p.source for p in parts if p.kind == "command"), "")
    return first.split("\n")[0].rstrip(" \\") if first else f"{lang} block"


def _shell_parts(numbered: list[tuple[int, str]]) -> tuple[list[Part], str | None]:
    """Commands of a bash block, with instruction comments split out as parts, and what
    the commands leave open (see `scan_commands`)."""
    parts: list[Part] = []
    comments: list[tuple[int, str]] = []
    groups, left = scan_commands(numbered)
    for no, text, comment_lines in _commands_with_comment_lines(numbered, groups):
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
    return parts, left


def _commands_with_comment_lines(
    numbered: list[tuple[int, str]], groups: list[tuple[int, str, str]]
) -> list[tuple[int, str, list[tuple[int, str]]]]:
    out = []
    pending: list[tuple[int, str]] = []
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
