"""The one command splitter: bash source -> its simple commands, as words.

Used by the run's effects classifier, lint, the drill's shims and the dry run.
Heredoc bodies and comments are skipped, backslash-continued lines joined, and
the commands inside `$(...)` and backquotes are commands too.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

OPERATORS = frozenset({";", "&&", "||", "|", "|&", "&", "(", ")", ";;", "{", "}", "!", "!!"})
KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac", "time", "in"}
)
# run the command named after them (their own flags come first: sudo -u x, env -i)
WRAPPERS = frozenset({"sudo", "env", "command", "exec", "nohup", "time", "xargs", "timeout"})
_HEADERS = frozenset({"for", "select", "case", "function"})
_VALUE_FLAGS = {"sudo": ("-u", "-g", "-C", "-D"), "env": ("-u", "-C"), "timeout": ("-s", "-k")}
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
_HEREDOC = re.compile(r"(?<!<)<<(?!<)-?[ \t]*['\"]?\\?([A-Za-z_][A-Za-z0-9_]*)")
# what makes shlex's words differ from str.split()'s: quotes, escapes, comments, its
# punctuation, and whitespace other than spaces and tabs
_SHLEX_NEEDED = re.compile(r"['\"\\#;&|()]|[^\S \t]")
_SUBST = re.compile(r"\$\(([^()]*(?:\([^()]*\)[^()]*)*)\)|`([^`]*)`")


@dataclass(frozen=True)
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
    out: list[Command] = []
    for line, text in _logical_lines(source):
        for argv in _split(text):
            out.append(Command(tuple(argv), line))
            for word in argv:
                for inner in _substitutions(word):
                    out += [Command(c.argv, line) for c in simple_commands(inner)]
    return out


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


def _split(text: str) -> list[list[str]]:
    if _SHLEX_NEEDED.search(text):
        lex = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
        lex.whitespace_split = True
        lex.commenters = "#"
        try:
            tokens = list(lex)
        except ValueError:  # unbalanced quotes: take the line's words as they are
            tokens = text.split()
    else:  # plain words between spaces: what shlex would make of them, 50 times faster
        tokens = text.split()
    commands: list[list[str]] = [[]]
    tokens = _redirections_joined(tokens)
    for tok in tokens:
        if tok in OPERATORS or (tok and set(tok) <= set(";&|()")):
            commands.append([])
        elif tok.startswith(("<", ">", "&>")) or re.fullmatch(r"\d*[<>]&?\d*-?", tok):
            continue
        else:
            commands[-1].append(tok)
    # `for x in a b`, `case $x in`, `function f`: a header, not a command
    return [c for c in commands if c and c != ["$"] and c[0] not in _HEADERS]


def _redirections_joined(tokens: list[str]) -> list[str]:
    """`>&2`, `2>&1`, `<&3`, `>&-` and `&>file` as redirections, not a `&` between two
    commands (shlex cuts them at the `&`)."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok == "&" and out and re.fullmatch(r"\d*[<>]", out[-1]) and after:
            out[-1] += "&" + after  # a descriptor duplicated: one redirection word
            i += 2
            continue
        if tok == "&" and after.startswith(">"):
            out.append("&" + after)  # &>file, &>>file
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def _substitutions(word: str) -> list[str]:
    if "$(" not in word and "`" not in word:
        return []
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in _SUBST.finditer(word)]
