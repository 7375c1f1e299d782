"""Which releases a step is for, read the way people write it.

A condition is written in a heading (`# Patch Release Process`, `### Publish a
release candidate`, `## Homebrew release (GA only)`), in the sentence that
introduces a list or a block (`**If this is a major or minor release**, the
following steps ...:`), in a list item that holds other steps (`* If there is a
new minor version ...:`), in a section's own words (`In the patch flow: skip this
step.`) or in the step itself (`(minor)`, `[Patch only]`, `[RC.0 only]`, `for
pre-releases`, `if this is a new minor stable release`, `the first release of a
series`). Conditions of every level hold together.

A condition is an expression over the kinds of a release (`applies_to`):
atoms `major`, `minor` (a new minor series: a major release is one too), `patch`,
`prerelease`, `rc`, `rc.N`, `alpha`, `beta`, `stable` (not a pre-release),
`hotfix`, `first` (the first release of a series, x.y.0); `!atom` negates, `a|b`
is either, `a,b` is both. The run decides it from the version and the previous
release (`relbook.run.flow`). A condition that the version cannot decide ("if
the signing key changed", "if needed") makes the step optional: it is asked,
never silently run or dropped.

Sibling headings that name kinds of release (`Minor release` / `Patch release` /
`RC release`, `Main release` / `Point release`) are alternatives: a generic one
(`main`, `regular`, `normal`, ...) is for the releases its siblings are not for.
A numbered overview listing an RC and the final release as phases of one process
(`1. Publish an RC 2. Vote 3. Publish the final release`) makes them phases.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from relbook.datatype import datatype, field, replace
from relbook.model import Choice, Kind, Step
from relbook.parse.alternatives import choices, offers_ways, unnamed, way_paragraph
from relbook.parse.infer import heads

# -- the words ---------------------------------------------------------------------

_ADJ = (
    r"major|minor|patch|point|bug[- ]?fix|maintenance|stable|final|ga|general[- ]availability"
    r"|non-?[- ]?patch|non-?[- ]?major|non-?[- ]?pre-?release|pre-?release|rc(?:\.?\d+)?"
    r"|alpha|beta|hotfix|x\.y\.0|\.0"
)
_NOUN = r"(?:releases?|versions?|flow|process|builds?|tags?|release process|release flow)"
# "pre-release checks" are done before a release, for every release
_BEFORE = (
    r"(?!\s+(?:checks?|checklists?|requirements?|tasks?|steps?|tests?|testing|preparations?|work"
    r"|reviews?|phase|stage|meetings?|validation|verification|activities)\b)"
)
_STANDALONE = (
    rf"(?:pre-?releases?|release[- ]candidates?|rcs?(?:\.?\d+)?|hotfix(?:es)?|ga){_BEFORE}"
)
_KINDS = rf"(?:{_ADJ})(?:\s*(?:/|,|\bor\b|\band\b|&)\s*(?:{_ADJ}))*"
_QUAL = r"(?P<qual>\s+(?:stable|final))?"  # "a new major or minor stable release"
_PHRASE = rf"(?:(?P<kinds>{_KINDS}){_QUAL}\s+{_NOUN}\b|(?P<alone>{_STANDALONE})\b)"
_ART = r"(?:(?:an?|the|each|every|all|any|new|upcoming|this|our|your)\s+)*"
_TAG = re.compile(
    rf"[(\[]\s*(?:only\s+)?(?:for\s+)?{_ART}(?P<body>(?:{_KINDS})(?:\s+{_NOUN})?|{_STANDALONE})"
    rf"(?:\s+only)?\s*[)\]]",
    re.I,
)
_LABEL = re.compile(
    rf"^\W{{0,4}}(?:for\s+)?(?P<body>(?:{_KINDS})(?:\s+{_NOUN})?|{_STANDALONE})"
    rf"(?:\s+only)\s*[:\-\u2013\u2014]|^\W{{0,4}}(?P<body2>(?:{_KINDS})\s+releases?)\s*:",
    re.I,
)
_SOME = r"(?:(?:an?|each|every|all|any|new|upcoming)\s+)+"
_CLAUSES = [
    re.compile(p, re.I)
    for p in (
        rf"\b(?:for|on|in|during)\s+(?:{_SOME})?(?:(?P<kinds>{_KINDS})\s+(?:releases|versions)\b"
        rf"|(?P<alone>{_STANDALONE})\b)",
        rf"\b(?:for|on|in|during)\s+{_SOME}{_PHRASE}",
        rf"\b(?:in|for)\s+the\s+(?P<kinds>{_KINDS})\s+(?:flow|process|release process)\b",
        r"\b(?:when\s+(?:doing|making|cutting|releasing|preparing|publishing|creating|tagging)"
        r"|if\s+(?:this|it)\s+is|if\s+(?:you\s+are|you're|we\s+are|we're)\s+"
        r"(?:doing|making|cutting|releasing|preparing|publishing|creating)"
        rf"|if\s+there\s+is|if\s+there's)\s+{_ART}{_PHRASE}",
    )
]
_SKIP = re.compile(  # "not needed for patch releases", "(not for RCs)", "does not apply to ..."
    r"\b(?:skip(?:ped)?|omit(?:ted)?|not\s+(?:needed|required|necessary|applicable|(?=(?:for|in|on|"
    r"during)\b))|unnecessary|except|(?:does\s+not|doesn't|do\s+not|don't)\s+apply)\b[^.;]{0,40}?"
    r"\b(?:for|in|on|with|during|to)\s+" + _ART + _PHRASE,
    re.I,
)
_KIND_SKIPS = re.compile(_PHRASE + r"[^.;]{0,20}?\b(?:can|may|should)\s+skip\b", re.I)
_SKIPS, _NO_SKIP = re.compile(r"\bskip\b", re.I), re.compile(r"\b(?:not|never|n't)\s+skip\b", re.I)
_FIRST = re.compile(
    r"\bfirst\s+(?:release|version)\s+(?:of|in)\s+(?:a|the|each|every)\s+(?:new\s+)?"
    r"(?:(?:major|minor|release)\s+)?(?:series|line|branch)\b"
    r"|\b(?:a\s+)?new\s+(?:minor\s+|release\s+)?series\b"
    r"|\bfirst\s+(?:rc|release\s+candidate)\b",
    re.I,
)
_IF = re.compile(
    r"^(?:if|only\s+if|unless|in\s+case|where\s+applicable|when\s+applicable)\b(?P<clause>[^,:;.]*)",
    re.I,
)
# what makes a step optional; each mark starts with a character (`\bif` written as
# `i(?<!\wi)f`, the same matches), so a search skips along to the next `(`, `i` or `y`
_OPTIONAL_MARKS = (
    r"\((?:if\s+(?:needed|applicable|necessary|required|desired|wanted|any)|optional(?:ly)?"
    r"|when\s+needed|as\s+needed)\)",
    r"i(?<!\wi)f\s+(?:needed|necessary|required)\b",
    r"i(?<!\wi)f\s+applicable\b",
    r"y(?<!\wy)ou\s+may\b",
    r"y(?<!\wy)ou\s+can\s+optionally\b",
)
_OPTIONAL_START = r"^\W{0,4}(?:optional\s*[:\-\u2013]|optionally\b)"
_OPTIONAL = re.compile("|".join((_OPTIONAL_MARKS[0], _OPTIONAL_START, *_OPTIONAL_MARKS[1:])), re.I)
_OPTIONAL_LATER = re.compile("|".join(_OPTIONAL_MARKS), re.I)  # _OPTIONAL past its start
_HEADING = re.compile(
    r"^\W*(?:(?:step\s+)?\d+[.):]?\s+)?(?:(?:how\s+to\s+)?(?:make|making|cut|cutting|do|doing|"
    r"publish|publishing|create|creating|prepare|preparing|release|releasing|tag|tagging|ship|"
    r"shipping|perform|performing|run|running)\s+)?"
    + _ART
    + rf"(?:(?P<kinds>{_KINDS}) +(?:(?:version )?releases?|release (?:process|flow)|process|flow)\b"
    + rf"|(?P<alone>{_STANDALONE})\b)",
    re.I,
)
_NOTE = re.compile(r"^\W*(?:note|important|warning|tip|caution|attention)\s*[:!-]\s*", re.I)
_GENERIC = re.compile(
    r"^\W*(?:(?:step\s+)?\d+[.):]?\s+)?(?:the\s+)?(?:main|regular|normal|standard|full|feature|"
    r"scheduled|planned|general|usual|default|ordinary)\s+"
    r"(?:releases?|release process|process|flow)\W*$",
    re.I,
)
_QUALIFIED = re.compile(
    r"^\W*(?:the\s+)?(?P<q>[A-Za-z-]+)\s+(?:releases?|release process)\W*$", re.I
)
_MARKUP = re.compile(r"[*_`]+|<[^>]*>|\[([^\]]*)\]\([^)]*\)")
_MARK = re.compile(r"[*_`<\[]")  # what each match of _MARKUP starts with
# each alternative starts with a letter or `.` (`\bga` as `g(?<!\wg)a`): a search skips to one
_KIND_WORD = re.compile(r"major|minor|patch|point|stable|final|g(?<!\wg)a\b|rc|candidate|alpha|"
                        r"beta|hotfix|pre-?release|series|bug|maint|\.0\b")  # fmt: skip
_FREE_WORD = re.compile(r"(?<!\w)(?:if|unless|case|applicable|optional|needed|you)", re.I)


def _atom(word: str) -> str:
    w = re.sub(r"[\s_]+", " ", word.strip().lower()).replace("-", "")
    if w in ("point", "bugfix", "bug fix", "maintenance", "patches", "patch"):
        return "patch"
    if w in ("stable", "final", "ga", "general availability", "generalavailability"):
        return "stable"
    if w in ("prerelease", "prereleases"):
        return "prerelease"
    if w.startswith("nonpre"):
        return "stable"
    if w.startswith("non"):
        return "!" + _atom(w[3:])
    if w in ("release candidate", "release candidates", "releasecandidate", "releasecandidates"):
        return "rc"
    m = re.fullmatch(r"rcs?\.?(\d+)?", w)
    if m:
        return f"rc.{m.group(1)}" if m.group(1) else "rc"
    if w in ("hotfixes",):
        return "hotfix"
    if w in ("x.y.0", ".0"):
        return "first"
    return w


def kinds_expr(text: str) -> str:
    """`major/minor` -> `minor`; `patch or RC` -> `patch|rc` (the atoms of a kinds phrase)."""
    words = re.split(r"\s*(?:/|,|\bor\b|\band\b|&)\s*", text.strip(), flags=re.I)
    atoms = {_atom(w) for w in words if w}
    if {"major", "minor"} <= atoms:
        atoms.discard("major")  # a minor-or-bigger release
    return "|".join(sorted(atoms))


def _phrase_expr(m: re.Match[str]) -> str:
    expr = kinds_expr((groups := m.groupdict()).get("kinds") or groups.get("alone") or "")
    return f"{expr},stable" if groups.get("qual") and expr not in ("", "stable") else expr


def negate(expr: str) -> str:
    """`!patch` for `patch`; `!a,!b` for `a|b`."""
    return ",".join(a[1:] if a.startswith("!") else "!" + a for a in expr.split("|"))


def plain(text: str) -> str:
    """Markdown text without emphasis, code marks, tags and link targets."""
    if _MARK.search(text):  # most item texts have none
        text = _MARKUP.sub(lambda m: m.group(1) or "", text)
    return " ".join(text.split())  # \s runs: one space


def first_sentence(text: str) -> str:
    """The sentence that says what to do (`e.g.` and `i.e.` end none)."""
    # the mark first, then what stands before it: a search that starts with a character
    # set skips to the next `.`, `!` or `?` instead of trying four lookbehinds everywhere
    m = re.search(r"[.!?](?<!\be\.g.)(?<!\bi\.e.)(?<!\betc.)(?<!\bvs.)(?:\s|$)", text)
    return text[: m.end()].strip() if m else text


def text_condition(text: str) -> str:
    """The kinds of release the first sentence of a text restricts itself to ("" when none)."""
    text = first_sentence(_NOTE.sub("", text))
    expr = _kinds_of(text)
    if expr and not expr.startswith("!") and _SKIPS.search(text) and not _NO_SKIP.search(text):
        return negate(expr)  # "For patch releases, skip this step"
    return expr


def _kinds_of(text: str) -> str:
    low = text.lower()
    if not _KIND_WORD.search(low):
        return ""
    for m in _KIND_SKIPS.finditer(text) if "skip" in low else ():
        return negate(_phrase_expr(m))
    m = _SKIP.search(text)
    if m:
        return negate(_phrase_expr(m))
    m = _TAG.search(text)
    if m:
        return kinds_expr(re.sub(rf"\s+{_NOUN}$", "", m.group("body"), flags=re.I))
    m = _LABEL.search(text)
    if m:
        body = m.group("body") or m.group("body2")
        return kinds_expr(re.sub(rf"\s+{_NOUN}$", "", body, flags=re.I))
    for pattern in _CLAUSES:
        m = pattern.search(text)
        if m:
            return _phrase_expr(m)
    if _FIRST.search(text):
        return "rc.0" if re.search(r"first\s+(?:rc|release\s+candidate)", low) else "first"
    m = _IF.match(text)
    if m:
        inner = re.search(_PHRASE, m.group("clause"), re.I)
        if inner:
            expr = _phrase_expr(inner)
            return negate(expr) if text[:6].lower().startswith("unless") else expr
    return ""


def heading_condition(title: str) -> str:
    """The kinds of release a section is for, from its title ("" when none)."""
    own = text_condition(title := unnamed(title))  # `Scenario B — Ship an RC`: an RC's
    if own:
        return own
    m = _HEADING.match(title)
    return _phrase_expr(m) if m else ""


def free_condition(text: str) -> str:
    """An `If ...` clause the version cannot decide, or an `if needed` mark ("" when none)."""
    if not _FREE_WORD.search(text):
        return ""  # no word that _IF or _OPTIONAL starts a match with: most texts
    text = first_sentence(_NOTE.sub("", text))
    m = _IF.match(text)
    if m and len(m.group("clause").split()) >= 2:
        return m.group(0).strip()
    # what _OPTIONAL.search finds: its match at the start, else the first one after it
    m = _OPTIONAL.match(text) or _OPTIONAL_LATER.search(text)
    return m.group(0).strip(" ()") if m else ""


@datatype
class _Section:
    line: int
    level: int
    title: str
    expr: str
    parent: _Section | None
    why: str = ""
    extra: list[tuple[str, str]] = field(default_factory=list)  # the section's own words

    def chain(self) -> list[tuple[str, str]]:
        out = self.parent.chain() if self.parent else []
        if self.expr:
            out.append((self.expr, self.why))
        return out + self.extra


@datatype(frozen=True)
class Found:
    """What the document says about the step that starts at a line."""

    section: _Section | None
    conds: tuple[tuple[str, str], ...]  # (expr, why): kinds from items and intros
    free: tuple[str, ...]  # conditions the version cannot decide


class _Scan:
    def __init__(self, inline_text: Callable[[dict[str, Any]], str]) -> None:
        self.text = inline_text
        self.at: dict[int, Found] = {}
        self.sections: list[_Section] = []
        self.stack: list[_Section] = []
        self.phases: list[list[str]] = []  # numbered overviews: short items only
        self.one_of = 0  # the line of a sentence offering the list after it as ways
        self.lists: list[tuple[int, list[tuple[int, str]], int]] = []  # (intro, items, end)
        self.ways: list[
            tuple[Any, int, str]
        ] = []  # `Option A: ...` paragraphs: (section, line, text)
        self._conds: dict[str, tuple[str, str]] = {}

    def sibling_groups(self) -> list[list[_Section]]:
        """The sections, in groups of those under one parent, in the guide's order."""
        groups: dict[int, list[_Section]] = {}
        for s in self.sections:
            groups.setdefault(id(s.parent), []).append(s)
        return list(groups.values())

    def conditions(self, text: str) -> tuple[str, str]:
        """(text_condition, free_condition when there is none) of `text`, each text read
        once: an item's words come back as its step's text."""
        got = self._conds.get(text)
        if got is None:
            expr = text_condition(text) if _KIND_WORD.search(text.lower()) else ""  # most have none
            got = self._conds[text] = (expr, "" if expr else free_condition(text))
        return got

    def walk(self, tokens: list[dict[str, Any]], conds: tuple = (), free: tuple = ()) -> None:
        intro: tuple[tuple, tuple] | None = None
        for tok in tokens:
            kind = tok.get("type")
            if kind == "blank_line":
                continue
            line = tok.get("_line", 0)
            told = intro and kind in ("list", "block_code", "block_quote")
            here_c, here_f = (conds + intro[0], free + intro[1]) if told else (conds, free)
            intro = None
            if kind == "heading":
                self._heading(tok)
                self._note(line, (), ())
            elif kind == "list":
                self._list(tok, here_c, here_f)
            elif kind == "block_quote":
                self.walk(tok.get("children", []), here_c, here_f)
            elif kind in ("paragraph", "block_text"):
                intro = self._paragraph(tok, line, here_c, here_f)
            elif line:
                self._note(line, here_c, here_f)

    def _note(self, line: int, conds: tuple, free: tuple) -> None:
        if line and line not in self.at:
            section = self.stack[-1] if self.stack else None
            self.at[line] = Found(section, conds, free)

    def _heading(self, tok: dict[str, Any]) -> None:
        title = plain(self.text(tok))
        level = tok.get("attrs", {}).get("level", 1)
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        line = tok.get("_line", 0)
        expr = heading_condition(title)
        why = f"the heading '{title}' at line {line}" if expr else ""
        section = _Section(line, level, title, expr, self.stack[-1] if self.stack else None, why)
        self.stack.append(section)
        self.sections.append(section)

    def _paragraph(self, tok: dict[str, Any], line: int, conds: tuple, free: tuple) -> tuple:
        raw = tok.get("text", "")
        text = plain(raw)
        expr, opt = self.conditions(text)
        section = self.stack[-1] if self.stack else None
        first = first_sentence(text)
        if section and expr and re.search(r"\bskip\b|\bthis (?:step|section)\b", text, re.I):
            section.extra.append((expr, f"line {line}: {first[:80]}"))
        self.one_of = line if offers_ways(text) else self.one_of
        self.ways += [(section, line, first[:80])] if way_paragraph(text) else []
        own_c = ((expr, f"line {line}: {first[:80]}"),) if expr else ()
        own_f = (opt,) if opt else ()
        self._note(line, conds + own_c, free + own_f)
        if text.rstrip().endswith(":") or expr or opt:
            return own_c, own_f  # it introduces the list or block that follows
        return (), ()

    def _list(self, tok: dict[str, Any], conds: tuple, free: tuple) -> None:
        ordered = bool(tok.get("attrs", {}).get("ordered"))
        one_of, self.one_of = self.one_of, 0
        if one_of or ordered:
            ways = [(h.get("_line", 0), plain(h.get("text", ""))) for h in heads(tok)]
            if one_of:
                self.lists.append((one_of, ways, 0))
            items = [i for _, i in ways]
            if ordered and len(items) >= 3 and all(len(i) < 80 for i in items):
                self.phases.append(items)
        for item in tok.get("children", []):
            kids = item.get("children", [])
            head = next((k for k in kids if k.get("type") in ("block_text", "paragraph")), None)
            text = plain(head.get("text", "")) if head else ""
            expr, opt = self.conditions(text) if head else ("", "")
            line = head.get("_line", 0) if head else 0
            c = conds + (((expr, f"line {line}: {text[:80]}"),) if expr else ())
            f = free + ((opt,) if opt else ())
            if head:
                self._note(line, c, f)
            # an `If ...:` item holds the steps under it; an `(if needed)` mark is its own
            told = opt and (_IF.match(_NOTE.sub("", text)) or text.endswith(":"))
            self.walk([k for k in kids if k is not head], c, f if told else free)
        if one_of:
            intro, ways, _ = self.lists[-1]
            self.lists[-1] = (intro, ways, max(self.at))


def _siblings(groups: list[list[_Section]]) -> None:
    """A generic `Main release` beside `Point release`: for what its siblings are not."""
    for group in groups:
        kinds = [s.expr for s in group if s.expr and _QUALIFIED.match(s.title)]
        if not kinds:
            continue
        for s in group:
            if not s.expr and _GENERIC.match(s.title):
                s.expr = ",".join(negate(k) for k in kinds)
                others = ", ".join(repr(o.title) for o in group if o.expr and o is not s)
                s.why = f"the heading '{s.title}' at line {s.line}, beside {others}"


def _phases(sections: list[_Section], phases: list[list[str]]) -> None:
    """A numbered overview naming a release candidate and the final release as phases of
    one process (`1. Publish a release candidate 2. Vote 3. Publish the final release`):
    there the sections about either are phases, not conditions."""
    for items in phases:
        named = {heading_condition(i) for i in items}
        if named & {"rc", "prerelease"} and "stable" in named:
            for s in sections:
                if s.expr in ("rc", "prerelease", "stable"):
                    s.expr, s.why = "", ""
            return


_PRE = re.compile(r"^\W*pre-?\s?release\W*$", re.I)
_AFTER = re.compile(r"^\W*(?:post-?\s?release|after\s+(?:the\s+)?release|release)\W*$", re.I)


def _before_after(groups: list[list[_Section]]) -> None:
    """`Pre-Release` beside `Release` or `Post-Release`: the stage before the release,
    done for every release, not a section for pre-releases."""
    for group in groups:
        if any(_AFTER.match(plain(s.title)) for s in group):
            for s in group:
                if s.expr == "prerelease" and _PRE.match(plain(s.title)):
                    s.expr, s.why = "", ""


def scan(tokens: list[dict[str, Any]], inline_text: Callable[[dict[str, Any]], str]) -> _Scan:
    """What the document says about conditions, by the line each block starts at."""
    s = _Scan(inline_text)
    s.walk(tokens)
    _siblings(s.sibling_groups())
    _phases(s.sections, s.phases)
    _before_after(s.sibling_groups())
    return s


def apply_conditions(
    steps: tuple[Step, ...],
    tokens: list[dict[str, Any]],
    inline_text: Callable[..., str],
    path: str = "",
) -> tuple[tuple[Step, ...], tuple[Choice, ...]]:
    """Steps with `applies_to` (and `optional`) from what the document says around them,
    and the alternatives the guide offers (each one choice)."""
    if not steps:
        return steps, ()
    s = scan(tokens, inline_text)
    lines = sorted(s.at)
    out, where = [], []
    for step in steps:
        i = bisect_right(lines, step.line) - 1
        found = s.at.get(step.line) or (s.at[lines[i]] if i >= 0 else None)
        out.append(_with(step, found, s.conditions))
        where.append(found.section if found else None)
    return choices(tuple(out), where, s, path)


def _with(step: Step, found: Found | None, conditions: Callable[[str], tuple[str, str]]) -> Step:
    conds: list[tuple[str, str]] = []
    if found and found.section:
        conds += found.section.chain()
    if found:
        conds += list(found.conds)
    # a shell step's text may be its first command (`if [ -e x ]; then ...`): only words
    # written for people (an item, a heading, a comment) say when it applies
    prose = step.kind is not Kind.SHELL or any(step.text in p.comment for p in step.parts)
    own, own_free = conditions(step.text) if prose else ("", "")
    if own and all(own != c for c, _ in conds):
        conds.append((own, ""))
    free = list(found.free) if found else []
    if own_free and own_free not in free:
        free.append(own_free)
    changes: dict[str, Any] = {}
    if "applies-to" not in step.directives and conds:
        exprs = list(dict.fromkeys(c for c, _ in conds))
        changes["applies_to"] = ",".join(exprs)
        own_line = f"line {step.line}:"  # the step's own words need no pointer
        whys = [w for _, w in conds if w and not w.startswith(own_line)]
        changes["applies_from"] = "; ".join(dict.fromkeys(whys))
    if free and not step.optional and "optional" not in step.directives:
        changes["optional"] = True
    if free and "optional" not in step.directives:
        changes["optional_why"] = free[0]
    return replace(step, **changes) if changes else step
