"""Small, pure helpers for bash source: split a block into commands, quote-aware
substitution of parameters. No subprocess here."""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPENERS = {
    "if": "fi",
    "case": "esac",
    "for": "done",
    "while": "done",
    "until": "done",
    "select": "done",
}
_CLOSERS = {"fi", "esac", "done"}
_HEREDOC = re.compile(r"<<(-?)[ \t]*(?:'([^']*)'|\"([^\"]*)\"|\\?([A-Za-z_][A-Za-z0-9_]*))")


@dataclass
class _ScanState:
    quote: str = ""  # "", "'", '"', "`"
    depth: int = 0  # ( { $( nesting
    saved: list[str] | None = None  # quote to restore when a $( closes
    keywords: int = 0  # if/case/loops still open
    heredocs: list[tuple[str, bool]] | None = None  # pending (delimiter, strip_tabs)
    in_heredoc: tuple[str, bool] | None = None

    @property
    def complete(self) -> bool:
        return (
            not self.quote
            and self.depth <= 0
            and self.keywords <= 0
            and not self.heredocs
            and self.in_heredoc is None
        )


def _scan_line(line: str, st: _ScanState) -> None:
    """Advance the lexical state over one line (without its newline)."""
    if st.in_heredoc is not None:
        delim, strip = st.in_heredoc
        if (line.lstrip("\t") if strip else line) == delim:
            st.in_heredoc = st.heredocs.pop(0) if st.heredocs else None
        return
    i, n = 0, len(line)
    word_start = True
    while i < n:
        c = line[i]
        if st.quote == "'":
            if c == "'":
                st.quote = ""
            i += 1
            continue
        if st.quote == '"':
            if c == "\\":
                i += 2
                continue
            if c == '"':
                st.quote = ""
            elif c == "$" and line.startswith("$(", i):
                _open(st)
                i += 2
                continue
            i += 1
            continue
        if c == "\\":
            i += 2
            word_start = False
            continue
        if c in "'\"`":
            st.quote = "" if c == "`" else c
            i += 1
            word_start = False
            continue
        if c == "#" and word_start:
            break
        if c in "({":
            if c == "(" or (word_start and (i + 1 == n or line[i + 1] in " \t")):
                _open(st)
            i += 1
            word_start = True
            continue
        if c in ")}":
            if c == ")" or word_start:
                _close(st)
            i += 1
            word_start = c == ")"
            continue
        if c == "<" and line.startswith("<<", i) and not line.startswith("<<<", i):
            m = _HEREDOC.match(line, i)
            if m:
                delim = m.group(2) if m.group(2) is not None else m.group(3) or m.group(4) or ""
                st.heredocs = (st.heredocs or []) + [(delim, m.group(1) == "-")]
                i = m.end()
                continue
        if c in " \t;|&":
            word_start = True
            i += 1
            continue
        if word_start:
            m = re.match(r"[A-Za-z]+", line[i:])
            word = m.group(0) if m else ""
            end = i + len(word)
            if word and (end == n or line[end] in " \t;&|)"):
                if word in _OPENERS:
                    st.keywords += 1
                elif word in _CLOSERS:
                    st.keywords -= 1
            i = end if word else i + 1
            word_start = False
            continue
        i += 1
    if st.heredocs and not st.quote:
        st.in_heredoc = st.heredocs.pop(0)


def _open(st: _ScanState) -> None:
    st.saved = (st.saved or []) + [st.quote]
    st.quote = ""
    st.depth += 1


def _close(st: _ScanState) -> None:
    if st.depth <= 0:  # a `case` pattern's `)` closes nothing
        return
    st.depth -= 1
    if st.saved:
        st.quote = st.saved.pop()


def split_commands(lines: list[tuple[int, str]]) -> list[tuple[int, str, str]]:
    """Group numbered bash lines into complete commands.

    Returns (line, source, preceding comment) triples; comment-only lines
    become the comment of the command after them."""
    out: list[tuple[int, str, str]] = []
    st = _ScanState()
    buf: list[str] = []
    start = 0
    comments: list[str] = []
    for no, text in lines:
        if not buf:
            stripped = text.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                comments.append(stripped.lstrip("#").strip())
                continue
            start = no
        buf.append(text)
        _scan_line(text, st)
        if st.complete and not text.rstrip().endswith("\\"):
            out.append((start, "\n".join(buf), "\n".join(comments)))
            buf, comments = [], []
    if buf:
        out.append((start, "\n".join(buf), "\n".join(comments)))
    elif comments:
        out.append((0, "", "\n".join(comments)))
    return out


def console_commands(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The commands of a console block: `$ ` lines and their continuations."""
    out: list[tuple[int, str]] = []
    cont = False
    for no, text in lines:
        stripped = text.lstrip()
        if cont:
            body = stripped[2:] if stripped.startswith("> ") else stripped
            out[-1] = (out[-1][0], out[-1][1] + "\n" + body)
            cont = body.rstrip().endswith("\\")
            continue
        if stripped.startswith("$ ") and stripped[2:].strip():
            cmd = stripped[2:]
            out.append((no, cmd))
            cont = cmd.rstrip().endswith("\\")
    return out


def quote_context(source: str, pos: int) -> str:
    """The quoting context at `pos`: "none", "single", "double" or "heredoc"."""
    st = _ScanState()
    offset = 0
    for line in source.split("\n"):
        end = offset + len(line)
        if pos <= end:
            if st.in_heredoc is not None:
                return "heredoc-quoted" if _quoted_heredoc(source, offset) else "heredoc"
            probe = _ScanState(quote=st.quote)
            _scan_prefix(line[: pos - offset], probe)
            return {"'": "single", '"': "double"}.get(probe.quote, "none")
        _scan_line(line, st)
        offset = end + 1
    return "none"


def _scan_prefix(text: str, st: _ScanState) -> None:
    i = 0
    while i < len(text):
        c = text[i]
        if st.quote == "'":
            st.quote = "" if c == "'" else "'"
        elif st.quote == '"':
            if c == "\\":
                i += 1
            elif c == '"':
                st.quote = ""
        elif c == "\\":
            i += 1
        elif c in "'\"":
            st.quote = c
        i += 1


def _quoted_heredoc(source: str, offset: int) -> bool:
    before = source[:offset]
    starts = list(_HEREDOC.finditer(before))
    return bool(starts) and (starts[-1].group(2) is not None or starts[-1].group(3) is not None)


def env_reference(var: str, context: str) -> str:
    """Shell text that expands `$var` safely in the given quoting context."""
    if context == "double" or context == "heredoc":
        return "${%s}" % var
    if context == "single":
        return "'\"${%s}\"'" % var
    return '"${%s}"' % var


def shell_quote(value: str) -> str:
    """Quote a value for display as one bash word."""
    if value and re.fullmatch(r"[A-Za-z0-9_./:@%+=,-]+", value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"
