"""Placeholders as people write them in release guides, and what each stands for.

A guide that was not written for relbook marks what the release manager must
fill in many ways: `<token>`, `<major>.<minor>`, `X.Y.Z`, `vX.Y.0`, `1.xx.yy`,
`YY.MM.MICRO`, `{version}`, `__RELEASE_ISSUE__`, `SET_ME`, `[[release tag]]`, or
a shell variable such as `$VERSION` that nothing in the guide sets.

Each token is mapped by name and shape to a release value (`version`, `tag`,
`major`, `previous_version`, ...) or, when it names none, to a run parameter
the operator gives with `-p NAME=VALUE`. A command that still holds a token
with no value is never executed: it is blocked with the token's `file:line`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from relbook.datatype import datatype, replace
from relbook.model import Placeholder
from relbook.params.naming import VERSION_WORDS, meaning, param_name, words_of

BUILTIN = (
    "version",
    "description",
    "tag",
    "previous_version",
    "previous_tag",
    "next_patch",
    "release_type",
    "bump",
    "date",
)
# parts of the version a guide's placeholders name (`X.Y`, `<major>`): derived, not exported
PARTS = ("major", "minor", "patch", "series", "next_minor")

# a segment of a version template: X, Y, Z, N, x, xx, YY, MM, MICRO, MAJOR, ...
_PH_SEG = (
    r"(?:YYYY|YY|MM|DD|MICRO|MAJOR|MINOR|PATCH|major|minor|patch|XX|YY|ZZ|xx|yy|zz|[XYZNMxyz])"
    r"(?:_SET_ME)?"
)
_SEG = rf"(?:\d+|{_PH_SEG})"
_VERSION_TEMPLATE = re.compile(  # also after `/`: `release/vX.Y.Z`, `releases/tag/vX.Y.Z`
    rf"(?<![\w.$])(?:[vV](?=[A-Z\d]))?({_SEG}(?:\.{_SEG}){{1,3}})"
    r"(?:-(?:rc|RC|beta|alpha|SNAPSHOT)(?:[.]?(?:\d+|[XNx]))?|(?:rc|alpha|beta)(?:\d+|N))?"
    r"(?![\w]|\.\w)"  # `vX.Y.Z-rc.1`, and as Python writes them, `vX.Y.0rc0`, `X.Y.0rcN`
)


def writes_template(text: str) -> bool:
    """Whether `text` writes a version as a template (`vX.Y.Z`, `1.xx.yy`, `YY.MM.MICRO`),
    not only as digits."""
    return any(not m.group(1).replace(".", "").isdigit() for m in _VERSION_TEMPLATE.finditer(text))


_SED = re.compile(r"(?:^|[\s'\";])s/(?:[^/\s]*/)?$")

# two more whole templates of a version: `vA.B.C`, `v?.?.?`
_LETTERS = re.compile(r"(?<![\w.$/?])([vV]?)(A\.B\.C|\?\.\?\.\?)(?![\w?]|\.\w)")
# `[VERSION]`, `[new-tag]`: a name in brackets that says it is a release value (not a
# link's text, `[text](url)`, nor a test's or a pattern's brackets: `[[`, `${a[i]}`, `[Yy]`)
_SQUARE = re.compile(r"(?<![\[\w$])\[([A-Za-z][A-Za-z0-9 _-]{0,40}[A-Za-z0-9])\](?![\[(:\]])")
# what follows a version template to name a release counted from this one (`X.Y.Z+1`)
_ARITH = re.compile(r"([+-])(\d+)(?![\w.])")
_ANGLE = re.compile(r"\\?<([A-Za-z][^<>\n=\"']{0,60}?)\\?>")
_BRACE = re.compile(r"(?<![{$\\])\{([A-Za-z_][A-Za-z0-9_ .+-]{0,40})\}(?!\})")
_DUNDER = re.compile(r"(?<![\w])__([A-Z][A-Z0-9_]*[A-Z0-9])__(?![\w])")
_SENTINEL = re.compile(
    r"(?<![\w-])(SET_ME|CHANGE_?ME|REPLACE_?ME|FILL_?ME|REDACTED|your_[a-z][a-z_]*"
    r"|YOUR_[A-Z][A-Z_]*)(?![\w-])"
    r"|(?<![\w.])/?path/to/[\w.-]+(?:/[\w.-]+)*"  # `/path/to/cortex`: a path to give
)
# a version literal a git command makes or moves a ref to (`git tag 2.5.3`, `git reset
# --hard v1.64.0`) that is not the guide's example once that is filled in: relbook does
# not know which release it names, so the operator gives it
_GIT_REF = re.compile(
    r"\bgit\s+(?:-C\s+\S+\s+)?(?:tag|push|checkout|switch|reset|branch)\b[^;&|\n]*"
    r"|\bdocker\s+(?:buildx\s+)?(?:build|tag|push)\b[^;&|\n]*"  # `-t image:1.54.1`
)
_REF_VERSION = re.compile(r"(?<![\w.@=/])(?:[\w-]*-)?v?\d+\.\d+\.\d+(?![\w.-])")
_DOUBLE_BRACKET = re.compile(r"\[\[([A-Za-z][A-Za-z0-9 _-]*[A-Za-z0-9])\]\]")
# HTML written in a heredoc or an echo is markup, not a placeholder
_HTML = {
    "a", "b", "i", "p", "br", "hr", "em", "li", "ul", "ol", "tr", "td", "th", "div", "span",
    "pre", "code", "html", "head", "body", "title", "table", "details", "summary", "img",
    "strong", "sup", "sub", "small", "script", "style", "meta", "link", "h1", "h2", "h3",
}  # fmt: skip
_AWK_WORDS = {"print", "next", "exit", "printf"}
# variables every shell has: never a placeholder
SHELL_VARS = {
    "HOME", "PATH", "PWD", "OLDPWD", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "TMPDIR",
    "HOSTNAME", "UID", "EUID", "PPID", "RANDOM", "SECONDS", "LINENO", "BASHPID", "BASH",
    "BASH_SOURCE", "BASH_VERSION", "FUNCNAME", "IFS", "OSTYPE", "PIPESTATUS", "REPLY", "OPTARG",
    "OPTIND", "EDITOR", "VISUAL", "PAGER", "GOPATH", "GOBIN", "CI", "LC_ALL", "DISPLAY",
    "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "HOSTTYPE", "MACHTYPE", "SHLVL", "COLUMNS", "LINES",
}  # fmt: skip


@datatype(frozen=True)
class Token:
    """One placeholder in a piece of text: where it is, and what fills it."""

    text: str  # as written: "<token>", "X.Y.Z", "$VERSION"
    start: int
    end: int
    means: str  # a release value ("version", "major", ...), or "input"
    name: str  # the parameter that fills it: "version", "commit_sha", "GITHUB_TOKEN"
    template: str = ""  # the token's explicit form: "v{{ major }}.{{ minor }}.0"
    variable: bool = False  # a shell variable ($NAME), filled through the environment

    @property
    def how(self) -> str:
        """How the operator gives its value."""
        return f"-p {self.name}=VALUE"

    @property
    def shown(self) -> str:
        """The token as a message names it."""
        return self.text if not self.text[:1].isdigit() else f"{self.name}={self.text}"


def _template_tokens(text: str) -> list[Token]:
    out = []
    for m in _VERSION_TEMPLATE.finditer(text):
        if m.start() and text[m.start() - 1] == "/" and _SED.search(text, 0, m.start()):
            continue  # `sed 's/X.Y.Z/...'`: the text a substitution replaces
        core = m.group(1)
        segs = core.split(".")
        if all(s.isdigit() for s in segs):
            continue
        if (
            len(segs) == 2
            and not (segs[0][0] in "XNxV" and segs[1][0] in "YyMm")
            and not (segs[0].isdigit() and len(segs[1]) >= 2)
        ):
            continue  # `X.509`, `N.B`, `1.x`: too vague to be a release value
        if len(segs) == 3 and segs[0].isdigit() and segs[1].isdigit() and segs[2] in "xX":
            continue  # `5.2.x`: a series, not a version (see series_wildcards)
        names = ("major", "minor", "patch", "patch")
        tail = text[m.start(1) + len(core) : m.end()]
        lead = text[m.start() : m.start(1)]
        holes = [i for i, s in enumerate(segs) if not s.isdigit()]
        if len(segs) == 3 and holes == [0, 1, 2] and segs[2] == "x" != segs[0]:
            template, means = "{{ major }}.{{ minor }}.x", "series"  # `release-X.Y.x`: any patch
        elif len(segs) == 3 and holes == [0, 1, 2]:
            template, means = "{{ version }}", "version"
        elif len(segs) == 2 and holes == [0, 1]:
            template, means = "{{ series }}", "series"
        elif len(segs) == 3 and holes in ([1, 2], [2]) and not segs[2].isdigit():
            # `3.Y.Z`, `3.Y_SET_ME.Z_SET_ME`: the version, written in the guide's own series;
            # filled whole, never `3.0.0` for a 4.0.0 release
            template, means = "{{ version }}", "version"
        else:
            template = ".".join(
                s if s.isdigit() else "{{ %s }}" % names[i] for i, s in enumerate(segs)
            )
            means = "version" if len(segs) >= 3 else "series"
        arith = _ARITH.match(text, m.end())
        if arith and len(holes) == len(segs) == 3 and not tail:
            # `YYYY.MM.X+1`, `X.Y.Z-1`: the next or the previous release, not this one
            step = arith.group(1) + arith.group(2)
            means = {"+1": "next_patch", "-1": "previous_version"}.get(step, "input")
            whole = text[m.start() : arith.end()]
            template = lead + "{{ %s }}" % means if means != "input" else ""
            name = means if template else param_name(whole)
            out.append(Token(whole, m.start(), arith.end(), means, name, template))
            continue
        if re.search(r"[XNx]$", tail) or tail.upper().endswith("-SNAPSHOT"):
            means, template = "input", ""  # `X.Y.Z-SNAPSHOT`: the next development version
        template = lead + template + tail if template else ""
        assigned = re.search(r"([A-Za-z_][A-Za-z0-9_]*)=$", text[: m.start()])
        name = assigned.group(1) if assigned and not template else param_name(m.group(0))
        out.append(
            Token(m.group(0), m.start(), m.end(), means, means if template else name, template)
        )
    return out


def _letter_tokens(text: str) -> list[Token]:
    return [
        Token(m.group(0), m.start(), m.end(), "version", "version", m.group(1) + "{{ version }}")
        for m in _LETTERS.finditer(text)
    ]


def _square_tokens(text: str) -> list[Token]:
    # `[Yy]`, `[Release notes]`: not a release value
    return _value_tokens((m.group(0), m.start(), m.group(1)) for m in _SQUARE.finditer(text))


def _value_tokens(found: Iterable[tuple[str, int, str]]) -> list[Token]:
    """Tokens of the (text, start, name) whose name says it is a version or a tag."""
    out = []
    for text, start, name in found:
        named = _value_named(name)
        if named:
            out.append(Token(text, start, start + len(text), *named, "{{ %s }}" % named[1]))
    return out


def _value_named(name: str) -> tuple[str, str] | None:
    """(what it means, the parameter) for a name that says it is a version or a tag; one
    that says it is the next one is the operator's to give, never guessed."""
    words = set(words_of(name))
    if not words & (VERSION_WORDS | {"tag"}):
        return None
    means = meaning(name)
    if means == "input" or words & {"next", "snapshot", "dev", "devel"}:
        return "input", param_name(name)
    return means, means


def _named(kind_re: re.Pattern[str], text: str, wrap: str) -> list[Token]:
    out = []
    for m in kind_re.finditer(text):
        inner = m.group(1).strip()
        if not inner:
            continue
        if wrap == "<>" and (inner.lower() in _HTML or inner.split()[0].lower() in _HTML):
            continue
        if wrap == "{}" and inner in _AWK_WORDS:
            continue
        if wrap == "<>" and (m.group(1).endswith(" ") or inner.startswith(("EOF", "END"))):
            continue
        means = meaning(inner)
        name = means if means != "input" else param_name(inner)
        out.append(Token(m.group(0), m.start(), m.end(), means, name, "{{ %s }}" % name))
    return out


# a version literal as a guide assigns it: 1.2.3, v1.2.3-rc.1, 5.0.5.rc1 (a gem's pre-release)
_VER_LIT = r"[vV]?\d+(?:\.\d+)+(?:[-.][A-Za-z][\w.]*)?"
# `VERSION=1.2.3`, `VERSION="1.2.3"`, `VERSIONS="5.0.5,5.1.3"` (a list: one per series)
_ASSIGN = re.compile(
    r"(?:^|(?<=[\s;(]))(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)="
    rf"([\"']?)({_VER_LIT}(?:,{_VER_LIT})*|\d+)\2(?=[\s;)]|$)"
)


def _assigned_tokens(text: str) -> list[Token]:
    """`VERSION=1.2.3`, `KUBERNETES_MIN_VERSION=1.20`: a guide's block that sets a
    version-like literal asks the operator for this release's value."""
    out = []
    for m in _ASSIGN.finditer(text):
        name, value = m.group(1), m.group(3)
        ws = set(words_of(name))
        if "." not in value and not ws & (VERSION_WORDS | {"major", "minor", "patch"}):
            continue
        means = meaning(name)
        words = words_of(name)
        if means == "series" and words[-1] in {"major", "minor", "patch"}:
            means = words[-1]
        if means == "input":
            template, pname = "{{ %s }}" % name, name
        else:
            pname = means
            lead = value[0] if value[0] in "vV" and means in {"version", "previous_version"} else ""
            template = lead + "{{ %s }}" % means
        out.append(Token(value, m.start(3), m.end(3), means, pname, template))
    return out


# `git tag RELEASE_VERSION`, `git push origin NEW_VERSION`: in a command that makes or
# moves a ref, a bare name in capitals that says what it stands for (a version or a tag,
# in words joined by `_`) stands where the value goes. (Elsewhere such a name is as often
# a variable's, talked about: `${GIT_TAG:?GIT_TAG is not set}`.)
_BARE = re.compile(r"(?<![\w$.\-/{@%(])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?![\w=(/.\-\[])")
# `git tag %VERSION%`, `git tag @VERSION@`, `git tag <<VERSION>>`: templates' markers
# (only where a ref is made: `sed 's/@VERSION@/1.2.3/'` replaces the marker itself)
_MARK_NAME = r"([A-Za-z][\w-]{0,40})"
_MARKED = re.compile(rf"(?<![\w$%@<])(?:%{_MARK_NAME}%|@{_MARK_NAME}@|<<{_MARK_NAME}>>)(?![\w%@>])")


def _bare_tokens(command: str, at: int) -> list[Token]:
    """The bare names of `command` (a git or docker command found at offset `at`)."""
    bare = [(m.group(1), at + m.start(), m.group(1)) for m in _BARE.finditer(command)]
    marked = [
        (m.group(0), at + m.start(), next(g for g in m.groups() if g))
        for m in _MARKED.finditer(command)
    ]
    return _value_tokens(bare + marked)


# no token without one of these (SET_ME has _, `git tag 2.5.3` its git, a path its /)
_MAYBE = re.compile(r"[<{_XYZxyzNM\[=/@%]|git|docker|A\.B\.C|\?\.\?")
# `./tag.sh {{VERSION}}`: another tool's template of a name relbook has no parameter for
# (relbook's own `{{ version }}` and a runbook's parameters are filled as they are)
_DOUBLE = re.compile(r"(?<![$\\{])\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}(?!\})")
# `./publish.sh @VERSION@`, `upload %VERSION%`: a template's marker as a word of its own
# (`sed 's/@VERSION@/1.2.3/'` replaces the marker itself: it stays)
_WORD_MARK = re.compile(rf"(?<![^\s=\"'])(?:%{_MARK_NAME}%|@{_MARK_NAME}@)(?![^\s\"';|&)])")
# `--version VERSION_HERE`, `token_here`: a name that says to put something here
_HERE = re.compile(r"(?<![\w$-])([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)_(?:HERE|here)(?![\w-])")
# `--version=NEW_VERSION`, `--tag RELEASE_TAG`: a name in capitals as a release option's value
_OPTION_VALUE = re.compile(
    r"(?<![\w-])--?(?:version|tag|release|ver)(?:=|\s+)([\"']?)([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)\1(?![\w=-])"
)
# `Authorization: token xxxxxxxx`: a secret written as a run of x
_XS = re.compile(r"(?<![\w.$/-])(?:x{4,}|X{4,})(?![\w.-])")


_TEMPLATE_WORDS = frozenset({"range", "end", "else", "block", "super", "loop", "self"})


def _double_tokens(text: str) -> list[Token]:
    out = []
    for m in _DOUBLE.finditer(text):
        name = m.group(1)
        if name in BUILTIN or name in PARTS or name in _TEMPLATE_WORDS:
            continue
        if name.islower():
            from difflib import get_close_matches  # only for a name no parameter has

            if get_close_matches(name, BUILTIN, n=1, cutoff=0.75):
                continue  # `{{ verison }}`: a typo, which the run reports as one
        means = meaning(name)
        pname = means if means != "input" else name
        out.append(Token(m.group(0), m.start(), m.end(), means, pname, "{{ %s }}" % pname))
    return out


def _marked_tokens(text: str) -> list[Token]:
    found = [
        (m.group(0), m.start(), next(g for g in m.groups() if g)) for m in _WORD_MARK.finditer(text)
    ]
    return _value_tokens(found)


def _here_tokens(text: str) -> list[Token]:
    out = []
    for m in _HERE.finditer(text):
        means = meaning(m.group(1))
        name = means if means != "input" else param_name(m.group(0))
        out.append(Token(m.group(0), m.start(), m.end(), means, name, "{{ %s }}" % name))
    return out


def _x_tokens(text: str) -> list[Token]:
    if "mktemp" in text:
        return []  # `mktemp XXXXXX`: the template mktemp fills
    return [
        Token(m.group(0), m.start(), m.end(), "input", "secret", "{{ secret }}")
        for m in _XS.finditer(text)
    ]


def find_tokens(text: str) -> list[Token]:
    """Every placeholder in `text` (not shell variables), in order, none overlapping."""
    if not _MAYBE.search(text):
        return []
    # each kind only where the characters it is written with are (most lines have none)
    found = _named(_ANGLE, text, "<>") if "<" in text else []
    if "{" in text:
        found += _named(_BRACE, text, "{}")
        if "{{" in text:
            found += _double_tokens(text)
    if "@" in text or "%" in text:
        found += _marked_tokens(text)
    if "_here" in text or "_HERE" in text:
        found += _here_tokens(text)
    if "-" in text:
        found += _value_tokens(
            (m.group(2), m.start(2), m.group(2)) for m in _OPTION_VALUE.finditer(text)
        )
    if "xxxx" in text or "XXXX" in text:
        found += _x_tokens(text)
    if "__" in text:
        found += _named(_DUNDER, text, "__")
    if "[[" in text:
        found += _named(_DOUBLE_BRACKET, text, "[[")
    if "[" in text:
        found += _square_tokens(text)
    if "_" in text or "ME" in text or "REDACTED" in text or "path/to/" in text:
        found += [
            Token(m.group(0), m.start(), m.end(), "input", param_name(m.group(0)))
            for m in _SENTINEL.finditer(text)
        ]
    if "." in text:
        found += _template_tokens(text)
        if "A.B.C" in text or "?.?.?" in text:
            found += _letter_tokens(text)
    if "git" in text or "docker" in text:
        for g in _GIT_REF.finditer(text):
            found += [
                Token(
                    v.group(0), g.start() + v.start(), g.start() + v.end(), "input", "other_version"
                )
                for v in _REF_VERSION.finditer(g.group(0))
            ]
            found += _bare_tokens(g.group(0), g.start())
    if "=" in text:
        found += _assigned_tokens(text)
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    out: list[Token] = []
    taken = 0  # where the last token kept or talked about ends: none overlaps it
    for t in found:
        if t.start < taken:
            continue
        taken = t.end
        if not _talked_about(text, t):  # an input is filled by the value given for it
            out.append(replace(t, template="{{ %s }}" % t.name) if not t.template else t)
    return _next_beside(out)


# "replacing 'X.Y.Z' with the new version", "(where X.Y.Z is the new version)": the text
# speaks of the placeholder itself; it stays as written (the command beside it is filled)
_ABOUT_BEFORE = re.compile(r"\b(?:replac(?:e|es|ing)|substitut(?:e|es|ing)|where)\s+[`'\"]?$", re.I)
_ABOUT_AFTER = re.compile(r"[`'\"]?\s+(?:with|by|is|are|stands for|means)\b", re.I)


def _talked_about(text: str, t: Token) -> bool:
    return bool(_ABOUT_AFTER.match(text, t.end) and _ABOUT_BEFORE.search(text, 0, t.start))


def _next_beside(tokens: list[Token]) -> list[Token]:
    """`create.sh <version> <next-version>`: beside this release's version, the next one
    is the version after it, which the operator gives."""
    nexts = [t for t in tokens if t.means == "version" and "next" in words_of(t.text)]
    if not nexts or len(nexts) == sum(t.means == "version" for t in tokens):
        return tokens
    out = []
    for t in tokens:
        if t in nexts:
            name = param_name(t.text)
            t = replace(t, means="input", name=name, template="{{ %s }}" % name)
        out.append(t)
    return out


def variable_token(name: str, start: int, text: str) -> Token:
    """A shell variable nothing sets, as a placeholder."""
    means = meaning(name)
    return Token(text, start, start + len(text), means, name, variable=True)


def token_placeholders(text: str, line: int) -> list[Placeholder]:
    out = []
    for t in find_tokens(text):
        if t.means == "input":
            why = "names no release value: an operator input"
        else:
            why = f"stands for {t.means}" + (f" (filled as {t.template})" if t.template else "")
        out.append(Placeholder(t.name, line, t.text, means=t.means, kind="token", why=why))
    return out


def series_wildcards(text: str) -> str:
    """`5.2.x`, `pyiceberg-0.8.x` (a series, any patch: the branch of the series being
    released) as `{{ major }}.{{ minor }}.x`."""
    if ".x" not in text and ".X" not in text:
        return text
    return re.sub(r"(?<![\w.$])(v?)\d+\.\d+\.[xX](?![\w.])", r"\1{{ major }}.{{ minor }}.x", text)


def fill_tokens(text: str, names: set[str] | frozenset[str] = frozenset()) -> str:
    """Placeholder tokens whose values are known, as `{{ name }}`; the rest as written."""
    tokens = [t for t in find_tokens(text) if t.template and _fillable(t, names)]
    for t in reversed(tokens):
        text = text[: t.start] + t.template + text[t.end :]
    return text


def filled_in(token: Token, names: set[str] | frozenset[str]) -> bool:
    """A token that is already the `{{ name }}` of a value given (`{{ commit_sha }}` once
    `-p commit_sha=...` is)."""
    return token.text == token.template and _fillable(token, names)


def _fillable(token: Any, names: set[str] | frozenset[str]) -> bool:
    wanted = set(_JINJA_NAME.findall(token.template))
    return all(n in names if names else n in BUILTIN + PARTS for n in wanted) and (
        token.means != "input" or token.name in names
    )


_JINJA_NAME = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
