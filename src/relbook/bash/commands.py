"""The one lexer and command splitter: bash source -> its simple commands, as words.

Used by the run's effects classifier and its resume guards (the words as written:
`words_as_written`), the undo check (bash.refs), lint, the drill's shims and the
dry run. Redirections and the files they name are no words of a command.
Heredoc bodies and comments are skipped, backslash-continued lines joined, and
the commands inside `$(...)` and backquotes are commands too.
"""

from __future__ import annotations

import io
import re
import shlex
from functools import lru_cache
from pathlib import Path

from relbook.datatype import datatype

OPERATORS = frozenset({";", "&&", "||", "|", "|&", "&", "(", ")", ";;", "{", "}", "!", "!!"})
KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac", "time", "in"}
)
# run the command named after them (their own flags come first: sudo -u x, env -i)
WRAPPERS = frozenset({"sudo", "env", "command", "exec", "nohup", "time", "xargs", "timeout"})
_HEADERS = frozenset({"for", "select", "case", "function"})
_OPERATOR_CHARS = frozenset(";&|()")
_VALUE_FLAGS = {"sudo": ("-u", "-g", "-C", "-D"), "env": ("-u", "-C"), "timeout": ("-s", "-k")}
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
_HEREDOC = re.compile(r"(?<!<)<<(?!<)-?[ \t]*['\"]?\\?([A-Za-z_][A-Za-z0-9_]*)")
_REDIRECT = re.compile(r"\d*(?:[<>]{1,3}|&>>?)[&|]?(?=[^<>]|$)")
# what makes shlex's words differ from str.split()'s: quotes, escapes, comments, its
# punctuation, and whitespace other than spaces and tabs
_SHLEX_NEEDED = re.compile(r"['\"\\#;&|()]|[^\S \t]")
# words whose only quoting is plain quotes ("a b", 'c', x"y"z, no escapes, operators or
# comments): shlex's words, without shlex
_QUOTES_ONLY = re.compile(r"[\\#;&|()]|[^\S \t]")
_PIECE = re.compile(r"""([ \t]+)|([^\s"']+)|"([^"]*)"|'([^']*)'""")
_SUBST = re.compile(r"\$\(([^()]*(?:\([^()]*\)[^()]*)*)\)|`([^`]*)`")


@datatype(frozen=True)
class Command:
    """One simple command: its words (quotes removed) and its line in the source (0-based)."""

    argv: tuple[str, ...]
    line: int

    @property
    def words(self) -> list[str]:
        """The command itself: keywords, assignments and wrappers in front dropped."""
        return unwrap(list(self.argv))

    @property
    def names(self) -> list[str]:
        """The programs it runs as written: the wrappers in front, then the command."""
        out = []
        for word in self.argv:
            if word in KEYWORDS or word == "!" or _ASSIGN.match(word) or word.startswith("-"):
                continue
            out.append(word)
            if word not in WRAPPERS:
                break
        return out


def simple_commands(source: str) -> list[Command]:
    """Every simple command of `source`, in order (those inside substitutions too)."""
    return list(_simple_commands(source))


@lru_cache(maxsize=4096)  # the checks before a run and the run itself read the same commands
def _simple_commands(source: str) -> tuple[Command, ...]:
    out: list[Command] = []
    for line, text in _logical_lines(source):
        for argv in _split(text):
            out.append(Command(tuple(argv), line))
            for word in argv:
                for inner in _substitutions(word):
                    out += [Command(c.argv, line) for c in _simple_commands(inner)]
    return tuple(out)


def unwrap(argv: list[str]) -> list[str]:
    """Drop keywords, VAR=value assignments and sudo/env wrappers in front of a command."""
    i, wrapper = 0, ""
    while i < len(argv):
        word = argv[i]
        if word in WRAPPERS:
            wrapper = word
        elif wrapper and word.startswith("-"):  # sudo -u ops, env -i, timeout -s KILL
            i += 1 if word in _VALUE_FLAGS.get(wrapper, ()) else 0
        elif wrapper == "timeout" and re.fullmatch(r"\d+(\.\d+)?[smhd]?", word):
            pass
        elif not (word in KEYWORDS or word == "!" or _ASSIGN.match(word)):
            break
        i += 1
    return argv[i:]


def git_args(argv: list[str]) -> tuple[str, list[str]] | None:
    """(subcommand, arguments) of a git command line; None for other commands."""
    argv = unwrap(argv)
    if not argv or program_name(argv[0]) != "git":
        return None
    i = 1
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in ("-C", "-c") else 1
    return (argv[i], argv[i + 1 :]) if i < len(argv) else None


def program_name(word: str) -> str:
    """The file name of a command word (`/usr/bin/git` -> `git`), as Path(word).name."""
    return word if "/" not in word and word != "." else Path(word).name


def short_flags(args: list[str]) -> set[str]:
    """The letters of short options: -fdx -> {f, d, x}."""
    return {ch for a in args if re.fullmatch(r"-[A-Za-z]+", a) for ch in a[1:]}


def _logical_lines(source: str) -> list[tuple[int, str]]:
    """(first line, text) of each logical line: continuations joined, heredocs skipped."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    joined, start = "", 0
    for no, text in enumerate(source.split("\n")):
        if pending:
            if text.lstrip("\t") == pending[0]:
                pending.pop(0)
            continue
        if not joined:
            start = no
        if text.endswith("\\") and not text.endswith("\\\\"):
            joined += text[:-1] + " "
            continue
        joined += text
        pending = _HEREDOC.findall(joined)
        out.append((start, joined))
        joined = ""
    if joined:
        out.append((start, joined))
    return out


class _Source(io.StringIO):
    """The text the lexer reads, counting what it has read (for each word as written)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.taken = 0

    def read(self, size: int | None = -1) -> str:
        got = super().read(size)
        self.taken += len(got)
        return got

    def readline(self, size: int | None = -1) -> str:  # a comment, read to its line's end
        got = super().readline(size)
        self.taken += len(got)
        return got


def _tokens(text: str) -> list[tuple[str, str]]:
    """The one lexer: (word, word as written) of each token of one logical line; quotes
    are removed from the first and kept in the second. Operators are tokens too."""
    if not _SHLEX_NEEDED.search(text):  # plain words between spaces: shlex's, 50x faster
        return [(w, w) for w in text.split()]
    quoted = None if _QUOTES_ONLY.search(text) else _quoted_tokens(text)
    if quoted is not None:
        return quoted
    source = _Source(text)
    lex = shlex.shlex(source, posix=True, punctuation_chars=";&|()")
    lex.whitespace_split = True
    lex.commenters = "#"
    out: list[tuple[str, str]] = []
    try:
        while True:
            start = source.taken - len(lex._pushback_chars)
            tok = lex.get_token()
            if tok is None:  # posix mode: the end of the text
                return _duplications(out)
            end = source.taken - len(lex._pushback_chars)
            written = text[start:end].strip()
            if written.startswith("#"):  # a comment ran to the line's end before the word
                written = written.split("\n", 1)[-1].strip()
            out.append((tok, written.split()[0] if tok in OPERATORS else written))
    except ValueError:  # unbalanced quotes: take the line's words as they are
        return [(w, w) for w in text.split()]


def _quoted_tokens(text: str) -> list[tuple[str, str]] | None:
    """_tokens of a line of words with plain quotes only (None when a quote is not
    closed: then shlex says what it is)."""
    out: list[tuple[str, str]] = []
    word: list[str] = []
    start = end = 0
    for m in _PIECE.finditer(text):
        if m.start() != end:
            return None  # an unclosed quote: no piece matches there
        if m.group(1) is None:
            if not word:
                start = m.start()
            word.append(next(g for g in m.groups()[1:] if g is not None))
        elif word:
            out.append(("".join(word), text[start : m.start()]))
            word = []
        end = m.end()
    if end != len(text):
        return None
    if word:
        out.append(("".join(word), text[start:end]))
    return out


def _duplications(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`>&2`, `2>&1`, `<&3`, `>&-` and `&>file` as redirections, not a `&` between two
    commands (shlex cuts them at the `&`)."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        tok, written = tokens[i]
        after = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
        if tok == "&" and out and re.fullmatch(r"\d*[<>]", out[-1][1]) and after[0]:
            out[-1] = (out[-1][0] + "&" + after[0], out[-1][1] + "&" + after[1])  # duplicated
            i += 2
            continue
        if tok == "&" and after[1].startswith(">"):
            out.append(("&" + after[0], "&" + after[1]))  # &>file, &>>file
            i += 2
            continue
        out.append((tok, written))
        i += 1
    return out


def _words(tokens: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Tokens grouped into simple commands: operators split them; redirections (and the
    file a bare `>` or `<` names) are no words of a command. A quoted `<x>` is a word."""
    commands: list[list[tuple[str, str]]] = [[]]
    target = False
    for tok, written in _without_groups(tokens):
        if target:
            target = False
        elif tok in OPERATORS or (tok and set(tok) <= _OPERATOR_CHARS):  # '' is an argument
            commands.append([])
        elif _REDIRECT.match(written):
            target = bool(_REDIRECT.fullmatch(written))  # `> file`: the next word is the file
        else:
            commands[-1].append((tok, written))
    return commands


_ARRAY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
_PARENS = frozenset("()")


def _without_groups(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Tokens without what bash reads as arithmetic (`(( ))`, `$(( ))`, `for (( ))`)
    or as an array's values (`name=( ... )`) when no command runs in it (`N+1` is none;
    a `$( )` or backticks inside keep the group, commands and all)."""
    if not any(tok[:1] == "(" for tok, _ in tokens):
        return tokens  # no group opens here (most lines)
    out: list[tuple[str, str]] = []
    group: list[tuple[str, str]] = []  # the tokens of the group being read
    depth = 0
    for tok, written in tokens:
        operator = tok == written and bool(tok) and set(tok) <= _OPERATOR_CHARS
        if depth:  # inside a group: only the parentheses of operators count
            group.append((tok, written))
            for i, ch in enumerate(tok if operator else ""):
                depth += (ch == "(") - (ch == ")")
                if not depth:
                    rest = tok[i + 1 :]
                    out += group if _runs_commands(group) else [(rest, rest)] if rest else []
                    break
            continue
        array = tok[:1] == "(" and bool(out) and bool(_ARRAY_NAME.fullmatch(out[-1][1]))
        if operator and (tok.startswith("((") or array):
            depth = tok.count("(") - tok.count(")")
            if depth > 0:
                group = [(tok, written)]
                continue
        out.append((tok, written))
    return out + group if depth else out  # an unclosed group: as it was


def _runs_commands(group: list[tuple[str, str]]) -> bool:
    """Whether a command runs inside a group of tokens: a `$(` or backticks in it."""
    for (_, written), (after, _) in zip(group, [*group[1:], ("", "")], strict=True):
        if "`" in written or "$(" in written or (written.endswith("$") and after.startswith("(")):
            return True
    return False


def _split(text: str) -> list[list[str]]:
    commands = [[tok for tok, _ in c] for c in _words(_tokens(text))]
    # `for x in a b`, `case $x in`, `function f`: a header, not a command
    return [c for c in commands if c and c != ["$"] and c[0] not in _HEADERS]


def words_as_written(command: str) -> list[str]:
    """The words of the first simple command of `command`, each as written (quotes and
    `$` references kept, for bash to read again), by the same lexer as the splitter."""
    commands = _words(_tokens(command))
    return [written for _, written in commands[0]]


def _substitutions(word: str) -> list[str]:
    if "$(" not in word and "`" not in word:
        return []
    return [
        m.group(1) if m.group(1) is not None else m.group(2)
        for m in _SUBST.finditer(word)
        if not m.group(0).startswith("$((")  # arithmetic, not a command's output
    ]
