"""Small, pure helpers for bash source: split a block into commands, quote-aware
substitution of parameters. No subprocess here."""

from __future__ import annotations

import re

_OPENERS = {"if", "case", "for", "while", "until", "select"}
_CLOSERS = {"fi", "esac", "done"}
# after these words the next word is again a command (so may be a reserved word)
_KEEP_COMMAND = {"if", "then", "do", "else", "elif", "while", "until", "!", "time", "{"}
_HEREDOC = (
    r"<<(-?)[ \t]*(?:'([^']*)'|\"([^\"]*)\"|\\?([A-Za-z_][A-Za-z0-9_]*))"  # compiled on first use
)
# a line without these needs no scanning: it cannot open or close anything
SPECIAL = re.compile(r"""['"`\\#(){}<]|\b(?:if|case|for|while|until|select|fi|esac|done)\b""")
_TOKEN = re.compile(
    r"""(?P<esc>\\(?:.|$))|(?P<quote>['"])|(?P<tick>`)|(?P<subst>\$\()|(?P<herestring><<<)"""
    r"""|(?P<heredoc><<)"""
    r"""|(?P<open>\()|(?P<close>\))|(?P<sep>;;&?|[;&|]+)|(?P<space>[ \t]+)"""
    r"""|(?P<word>[^\s'"`\\$();&|<>]+)|(?P<other>.)"""
)
_IN_DOUBLE = re.compile(r'\\.|"|\$\(|`')


class _ScanState:
    """Lexical state of a bash scan (a plain class: scanning makes many)."""

    __slots__ = (
        "quote", "depth", "saved", "blocks", "pattern", "case_in",
        "heredocs", "in_heredoc", "command", "continued", "kinds", "words", "outer", "ticks",
        "at_word",
    )  # fmt: skip

    def __init__(self, ticks: bool = False) -> None:
        self.ticks = ticks  # follow backquotes (splitting commands ignores them, as it did)
        self.quote = ""  # "", "'" or '"'
        self.depth = 0  # ( { $( nesting
        self.saved: list[str] = []  # quote to restore when a $( closes
        self.kinds: list[str] = []  # what each open level is: subst tick arith paren brace
        self.words: list[str] = []  # unquoted words of the current simple command so far
        self.outer: list[list[str]] = []  # the words of the commands around open levels
        self.blocks: list[str] = []  # if/case/loops still open
        self.pattern = False  # at a `case` pattern (where `done)` is no keyword)
        self.case_in = False  # after `case`, before its `in`
        # pending heredocs: (delimiter, -, quoted, words of the command reading it)
        self.heredocs: list[tuple[str, bool, bool, tuple[str, ...]]] = []
        self.in_heredoc: tuple[str, bool, bool, tuple[str, ...]] | None = None
        self.command = True  # the next word is in command position
        self.continued = False  # the line ended with a backslash
        self.at_word = True  # where the last scan stopped, a word may start (a `#` is a comment)

    @property
    def complete(self) -> bool:
        return (
            not self.quote
            and self.depth <= 0
            and not self.blocks
            and not self.heredocs
            and self.in_heredoc is None
            and not self.continued
        )


def _scan_line(line: str, st: _ScanState) -> None:
    """Advance the lexical state over one line (without its newline)."""
    if st.in_heredoc is not None:
        delim, strip = st.in_heredoc[:2]
        if (line.lstrip("\t") if strip else line) == delim:
            st.in_heredoc = st.heredocs.pop(0) if st.heredocs else None
        return
    if not st.continued:
        st.command = True
        st.words = []
    st.continued = False
    if st.quote or SPECIAL.search(line):
        _scan(line, st)
    elif line.strip():
        st.command = False
    if st.heredocs and not st.quote and st.in_heredoc is None:
        st.in_heredoc = st.heredocs.pop(0)


def _scan(text: str, st: _ScanState, word_start: bool = True) -> bool:
    """Advance the state over `text`, a line or the start of one (or, with `word_start`
    from `st.at_word`, the next piece of one); True when the rest of the line is a
    comment."""
    i, n = 0, len(text)
    while i < n:
        if st.quote == "'":
            end = text.find("'", i)
            if end < 0:
                st.at_word = word_start
                return False
            st.quote, i = "", end + 1
            continue
        if st.quote == '"':
            i = _scan_double(text, i, st)
            continue
        m = _TOKEN.match(text, i)
        assert m is not None  # the pattern matches any character
        kind, tok = m.lastgroup, m.group()
        i = m.end()
        if kind == "word" and tok.startswith("#") and word_start:
            return True  # a comment runs to the end of the line
        if kind == "heredoc":
            i = _heredoc(text, m.start(), st) or i
        elif text[i : i + 1] == "(" and (kind == "subst" or kind == "open" and st.command):
            _open(st, "arith")  # $(( or (( : arithmetic, closed by ))
            _open(st, "arith")
            i += 1
        elif kind != "space":  # a space changes nothing but where a word may start
            _token(kind or "", tok, st)
        word_start = kind in ("space", "sep", "open", "close")
    st.at_word = word_start
    return False


def _scan_double(text: str, i: int, st: _ScanState) -> int:
    m = _IN_DOUBLE.search(text, i)
    if m is None:
        return len(text)
    if m.group() == '"':
        st.quote = ""
    elif m.group() == "$(" and text[m.end() : m.end() + 1] == "(":
        _open(st, "arith")
        _open(st, "arith")
        return m.end() + 1
    elif m.group() == "$(":
        _open(st, "subst")
    elif m.group() == "`" and st.ticks:
        _open(st, "tick")
    return m.end()


def _token(kind: str, tok: str, st: _ScanState) -> None:
    if kind == "esc":
        st.continued = tok == "\\"
        st.command = False
    elif kind == "quote":
        st.quote, st.command = tok, False
    elif kind == "tick" and not st.ticks:
        st.command = False
    elif kind == "tick":
        if st.kinds[-1:] == ["tick"]:
            _close(st)
        else:
            _open(st, "tick")
    elif kind == "subst" or (kind == "open" and not st.pattern):
        _open(st, "subst" if kind == "subst" else "paren")
    elif kind == "close":
        if st.pattern:
            st.pattern = False
        else:
            _close(st)
        st.command = True  # after a subshell, or a `case` pattern
    elif kind == "sep" and not (st.pattern and tok == "|"):
        st.command = True
        st.words = []
        st.pattern = tok in (";;", ";&", ";;&") and st.blocks[-1:] == ["case"]
    elif kind == "word":
        _word(tok, st)
    elif kind == "other":
        st.command = False


def _word(word: str, st: _ScanState) -> None:
    st.words.append(word)
    if st.pattern:
        if word == "esac":
            _end_block(st)
        return
    if st.case_in and word == "in":
        st.case_in, st.pattern = False, True
    elif st.command:
        if word in _OPENERS:
            st.blocks.append(word)
            st.case_in = word == "case"
        elif word in _CLOSERS:
            _end_block(st)
        elif word == "{":
            _open(st, "brace")
        elif word == "}":
            _close(st)
    st.command = st.command and word in _KEEP_COMMAND


def _end_block(st: _ScanState) -> None:
    if st.blocks:
        st.blocks.pop()
    st.pattern = False


def _heredoc(text: str, start: int, st: _ScanState) -> int:
    m = re.compile(_HEREDOC).match(text, start)
    if not m:
        return 0
    quoted = m.group(2) is not None or m.group(3) is not None or text[m.start(4) - 1] == "\\"
    delim = next(g for g in (m.group(2), m.group(3), m.group(4)) if g is not None)
    st.heredocs.append((delim, m.group(1) == "-", quoted, tuple(st.words)))
    st.command = False
    return m.end()


def _open(st: _ScanState, kind: str) -> None:
    st.saved.append(st.quote)
    st.kinds.append(kind)
    st.outer.append(st.words)
    st.words = []
    st.quote = ""
    st.depth += 1
    st.command = True


def _close(st: _ScanState) -> None:
    if st.depth <= 0:  # a `case` pattern's `)` closes nothing
        return
    st.depth -= 1
    st.quote = st.saved.pop() if st.saved else ""
    if st.kinds:
        st.kinds.pop()
    st.words = st.outer.pop() if st.outer else []


def split_commands(lines: list[tuple[int, str]]) -> list[tuple[int, str, str]]:
    """Group numbered bash lines into complete commands.

    Returns (line, source, preceding comment) triples; comment-only lines
    become the comment of the command after them."""
    return scan_commands(lines)[0]


def scan_commands(
    lines: list[tuple[int, str]],
) -> tuple[list[tuple[int, str, str]], str | None]:
    """`split_commands` of the lines, and what that same scan leaves open at the end of
    the commands joined (`left_open` of a scan of them all: the block's syntax check),
    or None where it cannot tell and the commands need a scan of their own.

    Each command is scanned from a fresh state; a scan of them all goes on from the
    state the one before left, which is the same fresh state (a complete command leaves
    nothing open) unless a `case` closed by another word left its `in` to come. This
    scan does not follow backquotes, so a block with one is left to the other scan."""
    out: list[tuple[int, str, str]] = []
    st = _ScanState()
    buf: list[str] = []
    start = 0
    comments: list[str] = []
    fresh = True  # each command ended in the state the next one starts from
    in_body = False  # the last line was read inside a heredoc body
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
        in_body = st.in_heredoc is not None
        _scan_line(text, st)
        if st.complete:
            fresh = fresh and not st.case_in and not st.pattern
            out.append((start, "\n".join(buf), "\n".join(comments)))
            buf, comments, st = [], [], _ScanState()
    if buf:
        out.append((start, "\n".join(buf), "\n".join(comments)))
    elif comments:
        out.append((0, "", "\n".join(comments)))
    if not fresh or any("`" in src for _, src, _ in out):
        return out, None
    # a scan to the end of the text stops before a last line read in a heredoc body
    return out, "" if in_body else left_open(st)


def left_open(st: _ScanState) -> str:
    """What a scan to the end of a text leaves open, as bash would report it, or ""
    (a heredoc that runs to the end of the text is no error: bash reads it so)."""
    if st.in_heredoc is not None or st.heredocs:
        return ""
    if st.quote:
        return f"an unterminated {'single' if st.quote == chr(39) else 'double'} quote"
    if st.depth > 0:
        kind = st.kinds[-1] if st.kinds else ""
        return {
            "tick": "an unterminated backquote",
            "subst": "an unclosed $(",
            "arith": "an unclosed $((",
            "brace": "an unclosed {",
        }.get(kind, "an unclosed (")
    if st.blocks:
        return f"an unclosed {st.blocks[-1]}"
    return ""


def scan_to(source: str, pos: int) -> _ScanState:
    """The lexical state of bash `source` just before offset `pos`."""
    st = _ScanState(ticks=True)
    offset = 0
    for line in source.split("\n"):
        end = offset + len(line)
        if pos <= end:
            if st.in_heredoc is None:
                if not st.continued:
                    st.command, st.words = True, []
                st.continued = False
                _scan(line[: pos - offset], st)
            return st
        _scan_line(line, st)
        offset = end + 1
    return st


def quote_contexts(source: str, positions: list[int]) -> list[str]:
    """`quote_context` of each offset in `positions`, in one pass over `source` (a
    command with many `$NAME`s costs one scan of each line, not one per use).

    Each offset must be that of an unescaped `$`: the scan of a line stops and goes on
    there, and no token of the scan runs across a `$` (a `$` starts `$(` or stands
    alone), so it sees the tokens a scan of the whole line sees."""
    order = sorted(range(len(positions)), key=positions.__getitem__)
    out = [""] * len(positions)
    st = _ScanState(ticks=True)
    offset, k = 0, 0
    for line in source.split("\n"):
        end = offset + len(line)
        if k < len(order) and positions[order[k]] <= end:
            part, done, comment = _copy(st), 0, False
            while k < len(order) and positions[order[k]] <= end:
                at = positions[order[k]] - offset
                if part.in_heredoc is None and not comment:
                    comment = _scan(line[done:at], part, word_start=done == 0 or part.at_word)
                    done = at
                out[order[k]] = context_of(part)
                k += 1
        if k == len(order):
            return out
        _scan_line(line, st)
        offset = end + 1
    for i in order[k:]:
        out[i] = context_of(st)
    return out


def _copy(st: _ScanState) -> _ScanState:
    """A copy of `st` as it is at the start of the next line."""
    new = _ScanState(ticks=st.ticks)
    for name in _ScanState.__slots__:
        value = getattr(st, name)
        setattr(new, name, list(value) if isinstance(value, list) else value)
    new.outer = [list(w) for w in st.outer]
    if new.in_heredoc is None:
        if not new.continued:
            new.command, new.words = True, []
        new.continued = False
    return new


def context_of(st: _ScanState) -> str:
    """The quoting context of a scan state (see quote_context)."""
    if st.in_heredoc is not None:
        return "heredoc-quoted" if st.in_heredoc[2] else "heredoc"
    return {"'": "single", '"': "double"}.get(st.quote, "none")


def quote_context(source: str, pos: int) -> str:
    """The quoting context at `pos`: "none", "single", "double", "heredoc" or
    "heredoc-quoted" (the body of a heredoc whose delimiter is quoted: no expansion).
    Inside `$(...)` or backticks the context starts afresh, as it does for bash."""
    return context_of(scan_to(source, pos))


def heredoc_delimiter(source: str, pos: int) -> str | None:
    """The delimiter of the heredoc whose body holds `pos`, or None."""
    st = scan_to(source, pos)
    return st.in_heredoc[0] if st.in_heredoc is not None else None


def quote_literal(value: str, context: str) -> str:
    """`value` as literal text in the given quoting context (nothing in it expands)."""
    if context == "double":
        return re.sub(r'([\\"$`])', r"\\\1", value)
    if context == "heredoc":
        return re.sub(r"([\\$`])", r"\\\1", value)
    if context == "heredoc-quoted":
        return value
    if context == "single":
        return "'" + shell_quote(value) + "'"
    return shell_quote(value)


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
