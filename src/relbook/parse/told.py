"""What a guide's prose tells about the literals in its commands.

- An example the operator replaces: "merge rawhide into the other relevant branches
  (e.g. f44)" above `git checkout f44`. `f44` is a run parameter, named after what it
  is an example of (`-p branch=VALUE`), unless relbook maps it to a release value (the
  example version, `pyiceberg-0.8.x`): then it is filled as before.
- An example version of its own: "tag the patch release (e.g. 2.1.4)" above `git tag
  2.1.4`, in a guide whose example is another: the step's 2.1.4 is this release.
- A past release: "reset the branch to the last release" above `git reset --hard
  v1.64.0` is the previous release; "the version number is that of a couple ago" under
  `bin/tidy-beta v1.55` is a past release the operator chooses (`-p past_release=`).
  Only a literal that is this project's own version (a whole word, `v1.55`, `1.64.0`;
  not `go1.22`, `pkg==1.2.3`, a path or an image) is read so, and only when it is the
  step's only one.

The prose read for a shell step: its own text and details, its block's comments, the
paragraphs right before and right after it, and (an example) its section's intro, the
paragraphs before the section's first step.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import lru_cache

from relbook.datatype import datatype, field
from relbook.model import Kind, Placeholder, Step
from relbook.params.example import (
    belongs_elsewhere,
    literal_map,
    literal_uses,
    map_literals,
    own_versions,
)
from relbook.params.tokens import BUILTIN, PARTS, find_tokens, meaning, series_wildcards
from relbook.params.told import KIND, word_spans
from relbook.parse.defines import assigned, foreign_definitions

# a cheap first test, on the lowercased text: a paragraph without one of these tells nothing
_CUE = re.compile(
    r"e\.g\.|eg\.|for (?:example|instance)|such as|like|ago|last|latest|current|previous|prior"
    r"|older|earlier"
)
_ITEM = r"(`[^`\n]{1,60}`|[^\s,;()`'\"\[\]]{1,60})"
_GIVEN = re.compile(
    rf"\b(e\.g\.|eg\.|for example|for instance|such as|like)\s*[,:]?\s*{_ITEM}", re.I
)
_MORE = re.compile(rf"\s*(?:,|\bor\b|\band\b|/)\s*{_ITEM}", re.I)
_STRONG = {"e.g.", "eg.", "for example", "for instance"}
# "the last release", "the previous version": the release before this one
_PREVIOUS = re.compile(
    r"\b(?:last|previous|prior)\s+(?:stable\s+)?(?:release|version|tag)s?\b", re.I
)
# "that of a couple ago", "two releases ago", "an older release": which one is a choice
_PAST = re.compile(
    r"\b(?:a\s+couple|a\s+few|several|some|two|three|four|\d+)\s+(?:of\s+)?"
    r"(?:(?:releases?|versions?|tags?)\s+)?(?:ago|back)\b"
    r"|\b(?:older|earlier)\s+(?:release|version|tag)s?\b",
    re.I,
)
# "assuming 0.8.0 is the latest release tag": that literal names the previous release
_NAMES_PREVIOUS = re.compile(
    r"\bv?(\d+\.\d+\.\d+)`?\s+(?:is|was)\s+the\s+(?:latest|last|previous|current)\s+"
    r"(?:stable\s+)?(?:release|tag|version)",
    re.I,
)
_FILE = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")  # a file name's extension: `.json`, `.md`
_OWN_WORD = re.compile(r"[vV]?\d+\.\d+(?:\.\d+)?")
_WORD = re.compile(r"[^\s;&|()<>]+")
_VERSIONISH = re.compile(r"[vV]?\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?")
# nouns that say nothing of what the example is: the parameter is named after the value
_VAGUE = {
    "name", "value", "values", "something", "one", "ones", "etc", "it", "this", "that",
    "them", "those", "these", "here", "below", "above", "use", "run", "say", "thing",
    "e", "g", "eg", "example", "instance", "string", "text", "and", "or", "the", "a", "an",
}  # fmt: skip


@datatype
class Prose:
    """The paragraphs of a guide, with their lines, and the lines of its headings."""

    paragraphs: list[tuple[int, str]] = field(default_factory=list)
    headings: list[int] = field(default_factory=list)

    def section_of(self, line: int) -> int:
        """The index of the heading `line` sits under (-1: before any)."""
        return bisect_right(self.headings, line) - 1


def told_placeholders(steps: Iterable[Step], prose: Prose, example: str) -> list[Placeholder]:
    """The literals of shell steps that their prose names (see the module)."""
    cued = [(n, t) for n, t in prose.paragraphs if _cued(t)]
    steps = tuple(steps)
    intro_ends: dict[int, int] = {}  # section -> the line of its first step: its intro ends
    for s in steps:
        intro_ends.setdefault(prose.section_of(s.line), s.line)
    shells = [s for s in steps if s.kind is Kind.SHELL and s.commands]
    names: dict[tuple[str, str], str] = {}
    out: list[Placeholder] = []
    defined = _defined(steps, shells, prose, names)
    literals = literal_map(example)  # the same for every step
    for i, step in enumerate(shells):
        wide, near = _context(step, shells, i, cued, prose, intro_ends)
        found: list[Placeholder] = list(defined.get(step.line, ()))
        if wide or near:
            found += _examples(step, wide + near, example, names)
            found += _past(step, near, example, names, {p.line for p in found})
        out += found + _older(step, example, literals, names, {p.line for p in found})
    return out


def _defined(
    steps: tuple[Step, ...], shells: list[Step], prose: Prose, names: dict[tuple[str, str], str]
) -> dict[int, list[Placeholder]]:
    """Step line -> its literals assigned to a variable that the prose of its section
    defines as another component's version (`relbook.parse.defines`): operator inputs."""
    texts = [*prose.paragraphs, *((s.line, s.text) for s in steps if s.kind is not Kind.SHELL)]
    defs = foreign_definitions(texts)
    out: dict[int, list[Placeholder]] = {}
    for d in defs:
        section = prose.section_of(d.line)
        why = f"the prose sets {d.name} to the {d.what} (line {d.line}): an operator input"
        for step in shells:
            if prose.section_of(step.line) != section:
                continue
            lines = _command_lines(step)
            if step.line != lines[0][0]:  # a fence's first command is also the step's title
                lines.insert(0, (step.line, step.text))
            for n, text in lines:
                for m in assigned(d.name, text):
                    name = _unique_for(d.parameter, "defined", m.group(2), names)
                    p = Placeholder(name, n, m.group(2), means="input", kind=KIND, why=why)
                    out.setdefault(step.line, []).append(p)
    return out


def _cued(text: str) -> bool:
    return bool(_CUE.search(text.lower()))


def _context(
    step: Step,
    shells: list[Step],
    i: int,
    cued: list[tuple[int, str]],
    prose: Prose,
    intro_ends: dict[int, int],
) -> tuple[list[str], list[str]]:
    """(its section's intro, the prose of the step and right around it), cued texts only."""
    own = [step.text, *step.details, *(p.comment for p in step.parts if p.comment)]
    near = [t for t in own if t and _cued(t)]
    first, last = step.line, _last_line(step)
    section = prose.section_of(first)
    before_step = _last_line(shells[i - 1]) if i else 0
    after_step = shells[i + 1].line if i + 1 < len(shells) else 1 << 30
    at = bisect_left(prose.paragraphs, (first, "")) - 1  # the paragraph right before it
    if at >= 0:
        line, text = prose.paragraphs[at]
        if line > before_step and prose.section_of(line) == section and _cued(text):
            near.append(text)
    start = prose.headings[section] if section >= 0 else 0
    end = min(first, intro_ends.get(section, first))
    intro = cued[bisect_left(cued, (start, "")) : bisect_left(cued, (end, ""))]
    wide = [t for _, t in intro if t not in near]
    after = _first_after(prose.paragraphs, last, after_step)
    if after and _cued(after[1]) and prose.section_of(after[0]) == section:
        near.append(after[1])
    return wide, near


def _first_after(paragraphs: list[tuple[int, str]], last: int, limit: int) -> tuple[int, str]:
    at = bisect_right(paragraphs, (last, "\uffff"))
    if at < len(paragraphs) and paragraphs[at][0] < limit:
        return paragraphs[at]
    return (0, "")


def _last_line(step: Step) -> int:
    if not step.parts:
        return step.line
    part = step.parts[-1]
    return part.line + part.source.count("\n")


def _command_lines(step: Step) -> list[tuple[int, str]]:
    return [
        (p.line + i, text) for p in step.commands for i, text in enumerate(p.source.split("\n"))
    ]


def _programs(step: Step) -> set[str]:
    return {p.source.split()[0] for p in step.commands if p.source.split()}


# -- examples ------------------------------------------------------------------


def _given(texts: list[str]) -> list[tuple[str, str, bool]]:
    """(value, the noun it is an example of, strongly marked) for each example given."""
    return [g for text in texts for g in _given_in(text)]


@lru_cache(maxsize=1024)  # a section's paragraphs are read for each of its steps
def _given_in(text: str) -> tuple[tuple[str, str, bool], ...]:
    out = []
    for m in _GIVEN.finditer(text):
        noun = _noun(text[: m.start()])
        strong = m.group(1).lower() in _STRONG
        items, at = [m.group(2)], m.end()
        while len(items) < 4 and (more := _MORE.match(text, at)):
            items.append(more.group(1))
            at = more.end()
        for item in items:
            coded = item.startswith("`")
            value = item.strip("`").rstrip(".:!?")
            if _value_like(value, coded, strong, m.group(1).lower()):
                out.append((value, noun, strong))
    return tuple(out)


def _value_like(value: str, coded: bool, strong: bool, cue: str) -> bool:
    if len(value) < 2 or value[0] in "-$<{[" or any(c.isspace() for c in value):
        return False
    if _FILE.search(value):
        return False  # "files such as `package.json`": the project's own files, not inputs
    if strong or coded:
        return True
    # "a page like https://example.com", "a branch like release/1.4" describe: after
    # "like" only a code span gives a value; "such as stable-9" does
    return cue == "such as" and any(c.isdigit() or c in "-_./:@" for c in value)


def _noun(before: str) -> str:
    words = re.findall(r"[A-Za-z][A-Za-z0-9_-]*", before[-60:])
    return words[-1].lower() if words else ""


def _examples(
    step: Step, texts: list[str], example: str, names: dict[tuple[str, str], str]
) -> list[Placeholder]:
    given = _given(texts)
    if not given:
        return []
    literals = literal_map(example)
    programs = _programs(step)
    out: list[Placeholder] = []
    seen: set[str] = set()
    for value, noun, strong in given:
        if value in seen:  # told twice: the step's text is also the paragraph before it
            continue
        seen.add(value)
        if value in programs or _mapped(value, literals):
            continue
        if _VERSIONISH.fullmatch(value):
            out += _local_example(step, value, noun, example) if strong else []
            continue
        lines = [n for n, text in _command_lines(step) if word_spans(text, value)]
        if not lines:
            continue
        name = _input_name(noun, value, names)
        why = f"the guide gives it as an example ({noun + ', ' if noun else ''}e.g. {value})"
        out += [
            Placeholder(name, n, value, means="input", kind=KIND, why=why + ": an operator input")
            for n in lines
        ]
    return out


def _mapped(value: str, literals: dict[str, str]) -> bool:
    """Whether relbook already reads `value` as a release value or a placeholder."""
    if find_tokens(value) or series_wildcards(value) != value:
        return True
    return bool(literals) and map_literals(value, literals) != value


def _input_name(noun: str, value: str, names: dict[tuple[str, str], str]) -> str:
    """The run parameter for an example value: `branches` -> `branch`, else the value's."""
    if ("input", value) in names:
        return names[("input", value)]
    base = _singular(noun)
    if base in _VAGUE or base in BUILTIN or base in PARTS or meaning(base) != "input":
        base = re.sub(r"\W+", "_", value).strip("_").lower() or "value"
        if base[0].isdigit() or base in BUILTIN or base in PARTS:
            base = "example_" + base
    return _unique(base, "input", value, names)


def _unique(base: str, kind: str, value: str, names: dict[tuple[str, str], str]) -> str:
    taken = set(names.values())
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    names[(kind, value)] = name
    return name


def _unique_for(base: str, kind: str, value: str, names: dict[tuple[str, str], str]) -> str:
    """`_unique`, the same name again for the same value."""
    return names.get((kind, value)) or _unique(base, kind, value, names)


def _singular(word: str) -> str:
    word = word.replace("-", "_")
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _local_example(step: Step, value: str, noun: str, example: str) -> list[Placeholder]:
    """A version the step's prose gives as its example: its literals are this release."""
    if meaning(noun) not in ("version", "tag"):
        return []  # an example of something else: a dependency's version
    local = literal_map(value.lstrip("vV"))
    if not local or value.lstrip("vV") == example:
        return []
    why = f"the step's prose gives {value} as its example version"
    return [
        Placeholder(means, n, lit, means=means, kind=KIND, why=why)
        for n, text in _command_lines(step)
        for means, lit in literal_uses(text, local)
    ]


# -- past releases -------------------------------------------------------------


def _past(
    step: Step, near: list[str], example: str, names: dict[tuple[str, str], str], done: set[int]
) -> list[Placeholder]:
    named = _named_previous(step, near, done)
    if named:
        return named
    previous = any(_PREVIOUS.search(t) for t in near)
    past = any(_PAST.search(t) for t in near)
    if not (previous or past):
        return []
    literals = literal_map(example)
    found = [
        (n, w)
        for n, text in _command_lines(step)
        if n not in done
        for w in _own_words(text, literals)
    ]
    if not found:
        return []
    distinct = {w for _, w in found}
    if previous and not past and len(distinct) == 1 and _VERSIONISH.fullmatch(found[0][1]):
        means = "previous_tag" if found[0][1][0] in "vV" else "previous_version"
        why = "the prose around it calls it the last release"
        return [Placeholder(means, n, w, means=means, kind=KIND, why=why) for n, w in found]
    why = "the prose around it calls it a past release: the operator chooses which"
    return [
        Placeholder(_past_name(w, names), n, w, means="input", kind=KIND, why=why) for n, w in found
    ]


def _named_previous(step: Step, near: list[str], done: set[int]) -> list[Placeholder]:
    """`# Assuming 0.8.0 is the latest release tag`: 0.8.0 in the step is the previous one,
    also inside a word (`pyiceberg-0.8.0`)."""
    said = {m.group(1) for t in near for m in _NAMES_PREVIOUS.finditer(t)}
    why = "the prose around it names it the latest release: the previous version"
    return [
        Placeholder("previous_version", n, lit, means="previous_version", kind=KIND, why=why)
        for n, text in _command_lines(step)
        if n not in done and said
        for _, lit in literal_uses(text, dict.fromkeys(said, "previous_version"))
    ]


def _own_words(text: str, literals: dict[str, str]) -> list[str]:
    """This project's version literals standing as whole words of a command."""
    out = []
    for m in _WORD.finditer(text):
        word = m.group(0).strip("\"'")
        if not _OWN_WORD.fullmatch(word) or word.lstrip("vV") in literals:
            continue
        if not belongs_elsewhere(text, m.start() + m.group(0).find(word)):
            out.append(word)
    return out


def _older(
    step: Step,
    example: str,
    literals: dict[str, str],
    names: dict[tuple[str, str], str],
    done: set[int],
) -> list[Placeholder]:
    """This project's releases older than the example (its major, not patch - 1) that a
    command names as written: a past release the operator chooses, never run stale."""
    if not example or "-" in example:
        return []
    ex = _version_key(example)
    why = f"a release older than the guide's example {example}: the operator chooses which"
    out = []
    for n, text in _command_lines(step):
        if n in done or "." not in text:
            continue
        tokens = None
        for m in own_versions(text):  # not another component's (`go1.22.3`, `pkg==1.2.3`)
            lit, key = m.group(0), _version_key(m.group(0))
            if lit in literals or key is None or key[0] != ex[0] or key >= ex:
                continue
            if tokens is None:
                tokens = find_tokens(text)
            if any(t.start <= m.start() < t.end for t in tokens):
                continue  # a placeholder already (`git tag 1.2.0`, `LAST_VERSION_TAG=v1.1.0`)
            out.append(
                Placeholder(_past_name(lit, names), n, lit, means="input", kind=KIND, why=why)
            )
    return out


def _version_key(text: str) -> tuple[int, int, int] | None:
    parts = text.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None  # a pre-release or another shape: not compared
    return int(parts[0]), int(parts[1]), int(parts[2])


def _past_name(value: str, names: dict[tuple[str, str], str]) -> str:
    return _unique_for("past_release", "past", value, names)
