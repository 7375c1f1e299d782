"""Alternatives a guide offers: done one way, never every way in turn.

- Sibling sections that are ways of releasing: kinds of release (`Minor release
  process` / `Patch release process` / `RC release process`, `Main release` /
  `Point release` / `Embargoed release`), `Option A` / `Option B`, a manual path
  beside an automated one (`Manual release` / `Automated release`).
- A sentence offering the list after it as ways: "Do one of the following:",
  "Either of these:", "There are two ways to ...:".
- A step that says it is another way of the one before it: "Alternatively, ...".

- Said explicitly (what `relbook parameterize` writes): every step of a way carries
  `<!-- relbook: choice=ID way=LABEL -->` (the label defaults to the step's section),
  and one step of a way may say which releases the way is for (`way-applies-to=patch`)
  and one of the choice what it asks (`question="How to publish"`). A step said to be
  a way of a choice is never one of an inferred choice, and a choice said so is
  whole: wording around it adds no way to it.

Each becomes a `Choice` whose steps carry its id and their option. The run takes
the option the version decides, else the one the operator picks (an answer `ID:
LABEL` or a number; at a terminal, asked); `--yes` takes none unless answered.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from relbook.datatype import replace
from relbook.errors import ParseError
from relbook.model import Choice, Option, Step

if TYPE_CHECKING:
    from collections.abc import Sequence

_WAY = re.compile(r"^\W*(?:option|alternative|method|approach|way|variant)\s*[A-Z0-9]\b", re.I)
# the name a way is given before what it is: `Scenario B — `, `Option 2: `, `Case A. `
_WAY_NAME = re.compile(
    r"^\W*(?:scenario|option|alternative|method|approach|way|variant|case|path)\s+[A-Z0-9]{1,2}"
    r"\s*(?:[.):\u2013\u2014-]\s*)+(?=\w)",
    re.I,
)
_KIND = re.compile(
    r"^\W*(?:(?:step\s+)?\d+[.):]?\s+)?(?:the\s+)?(?:[\w/-]+\s+){0,2}?(?:[\w/-]+)\s+"
    r"(?:releases?|release process|release flow|process|flow)\b",
    re.I,
)
_KIND_NOUN = re.compile(
    r"^\W*(?:(?:step\s+)?\d+[.):]?\s+)?(?:the\s+)?(?:release[- ]candidates?|pre-?releases?|rcs?)\b",
    re.I,
)
_QUALIFIER = re.compile(
    r"^\W*(?:the\s+)?(?P<q>\w+(?:ed)|manual|manually|automated|automatic|scripted|security|"
    r"emergency|nightly|private|lts)\s+(?:releases?|release process|process|flow|build)\W*$",
    re.I,
)
# a sentence offering the list after it as ways
ONE_OF = re.compile(
    r"\b(?:(?:do|use|follow|choose|pick|take)\s+)?(?:one|either)\s+of\s+(?:the\s+)?"
    r"(?:following|these|two|three|below)|\bchoose\s+(?:one|between)\b|\bthere\s+are\s+"
    r"(?:two|three|several)\s+(?:ways|options|methods)\b",
    re.I,
)
_WAYS_WORDS = ("one", "either", "between", "there")  # ONE_OF matches none without one


def offers_ways(text: str) -> bool:
    """`Do one of the following:`, `There are two ways`: the list after it holds ways."""
    low = text.lower()
    return any(w in low for w in _WAYS_WORDS) and bool(ONE_OF.search(text))


def another_way(text: str) -> bool:
    """`Alternatively, ...`, `Or, ...`, `Instead, ...`: another way of what came before."""
    return bool(_ALTERNATIVELY.match(text))


def unnamed(title: str) -> str:
    """A way's title without its name: `Scenario B — Ship an RC` -> `Ship an RC`."""
    return _WAY_NAME.sub("", title, count=1)


def way_paragraph(text: str) -> bool:
    """`Option A: use the script`, `Alternative 2 - tag by hand`: a short paragraph that
    names one way; the steps after it, to the next such paragraph, are that way."""
    return len(text) <= 100 and bool(_WAY.match(text))


_METHODS = frozenset({"manual", "manually", "automated", "automatic", "scripted"})
_BY = ("method", "kind")
_ALTERNATIVELY = re.compile(r"^\W*(?:alternatively|or else|or instead|instead)\b|^\W*or,\s", re.I)


def _way_of(section: Any) -> str:
    """What a section is a way of releasing by: its `method` (`Option A`, `Manual release`),
    its `kind` (`Patch release process`), or "" when it is no way."""
    title = section.title
    if _WAY.match(title):
        return "method"
    if m := _QUALIFIER.match(title):  # `Embargoed release` is a kind, `Scripted release` a method
        return "method" if m.group("q").lower() in _METHODS else "kind"
    if section.expr and (_KIND.match(title) or _KIND_NOUN.match(title)):
        return "kind"
    return ""


def choices(
    steps: tuple[Step, ...], where: Sequence[Any], scan: Any, path: str = ""
) -> tuple[tuple[Step, ...], tuple[Choice, ...]]:
    """The steps with their choice and option, and the choices (in the guide's order)."""
    out = [
        replace(s, option=s.option or s.section or s.text[:80]) if s.choice else s for s in steps
    ]
    said = explicit(out, path)
    found: list[Choice] = []
    told = [None if s.choice else w for s, w in zip(out, where, strict=True)]  # said: no inference
    _sections(out, told, scan, found)
    _offered_lists(out, scan, found)
    _paragraph_ways(out, where, scan, found)
    _alternatively(out, found)
    return tuple(out), tuple(sorted(said + found, key=lambda c: c.line))


def title_of(options: Sequence[Option]) -> str:
    """What a choice asks when the guide does not say: its ways, one after the other."""
    return " | ".join(o.label for o in options)


def explicit(steps: Sequence[Step], path: str = "") -> list[Choice]:
    """The choices the guide's directives say, each way in the order it first appears."""
    ways: dict[str, dict[str, Option]] = {}
    asked: dict[str, tuple[str, int]] = {}
    for step in steps:
        if not step.choice:
            continue
        d = step.directives
        got = ways.setdefault(step.choice, {})
        kinds = str(d.get("way-applies-to", "")).lower().replace("-", "")
        old = got.get(step.option)
        if old is None:
            got[step.option] = Option(step.option, step.line, kinds)
        elif kinds and old.applies_to and kinds != old.applies_to:
            _conflict(f"way {step.option!r} of {step.choice}", "way-applies-to", old, step, path)
        elif kinds:
            got[step.option] = replace(old, applies_to=kinds)
        if isinstance(d.get("question"), str):
            before = asked.setdefault(step.choice, (d["question"], step.line))
            if before[0] != d["question"]:
                _conflict(step.choice, "question", Option(*before), step, path)
    return [
        Choice(cid, first.line, asked.get(cid, (title_of(opts),))[0], tuple(opts))
        for cid, by_label in ways.items()
        for opts in [list(by_label.values())]
        for first in [opts[0]]
    ]


def _conflict(what: str, key: str, old: Option, step: Step, path: str) -> None:
    raise ParseError(
        f"{what}: {key} already given at line {old.line} differently", path=path, line=step.line
    )


def _under(section: Any, ways: set[int]) -> Any:
    """The section of `ways` (their ids) that `section` is or is under, or None."""
    while section is not None:
        if id(section) in ways:
            return section
        section = section.parent
    return None


def _sections(out: list[Step], where: Sequence[Any], scan: Any, found: list[Choice]) -> None:
    # `Manual release` beside `Patch release`: two ways of different things, no choice
    read = [[(s, _way_of(s)) for s in g] for g in scan.sibling_groups()]  # each section once
    groups = [[s for s, way in g if way == by] for g in read for by in _BY]
    for ways in groups:
        if len(ways) < 2:
            continue  # no choice, whichever steps it holds
        ids = {id(w) for w in ways}
        owned = {i: _under(sec, ids) for i, sec in enumerate(where)}
        ways = [w for w in ways if any(o is w for o in owned.values())]
        if len(ways) < 2:
            continue
        first = ways[0]
        options = tuple(Option(w.title, w.line, w.expr) for w in ways)
        choice = Choice(f"choice@{first.line}", first.line, title_of(options), options)
        found.append(choice)
        for i, way in owned.items():
            if way is not None and not out[i].choice:
                out[i] = replace(out[i], choice=choice.id, option=way.title)


def _offered_lists(out: list[Step], scan: Any, found: list[Choice]) -> None:
    for intro, ways, end in scan.lists:
        if len(ways) < 2:
            continue
        starts = [line for line, _ in ways]
        options = []
        for i, step in enumerate(out):
            if step.choice or not starts[0] <= step.line <= end:
                continue
            k = max(j for j, start in enumerate(starts) if start <= step.line)
            out[i] = replace(step, choice=f"choice@{intro}", option=ways[k][1][:80])
            options.append(k)
        if len(set(options)) >= 2:
            used = tuple(Option(ways[k][1][:80], ways[k][0]) for k in sorted(set(options)))
            found.append(Choice(f"choice@{intro}", intro, title_of(used), used))
        else:  # one way with steps: nothing to choose between
            for i, step in enumerate(out):
                if step.choice == f"choice@{intro}" and "choice" not in step.directives:
                    out[i] = replace(step, choice="", option="")


def _paragraph_ways(out: list[Step], where: Sequence[Any], scan: Any, found: list[Choice]) -> None:
    """Ways a section names in paragraphs (`Option A: ...`, `Option B: ...`): each step of
    the section after the first such paragraph belongs to the one above it."""
    by_section: dict[int, tuple[Any, list[tuple[int, str]]]] = {}
    for section, line, text in scan.ways:
        by_section.setdefault(id(section), (section, []))[1].append((line, text))
    for section, ways in by_section.values():
        if len(ways) < 2:
            continue
        intro, taken = ways[0][0], {}
        for i, step in enumerate(out):
            if step.choice or where[i] is not section or step.line < intro:
                continue
            taken[i] = max(k for k, (start, _) in enumerate(ways) if start <= step.line)
        if len(set(taken.values())) < 2:
            continue  # one way with steps: nothing to choose between
        cid = f"choice@{intro}"
        for i, k in taken.items():
            out[i] = replace(out[i], choice=cid, option=ways[k][1])
        used = tuple(Option(ways[k][1], ways[k][0]) for k in sorted(set(taken.values())))
        found.append(Choice(cid, intro, title_of(used), used))


def _alternatively(out: list[Step], found: list[Choice]) -> None:
    for i in range(1, len(out)):
        step, before = out[i], out[i - 1]
        if step.choice or not _ALTERNATIVELY.match(step.text) or step.section != before.section:
            continue
        if before.choice and not any(c.id == before.choice for c in found):
            continue  # a way of a choice the guide says: that choice is whole
        if before.choice:
            k = next(j for j, c in enumerate(found) if c.id == before.choice)
            c = found[k]
            more = (*c.options, Option(step.text[:80], step.line))
            found[k] = replace(c, title=title_of(more), options=more)
            out[i] = replace(step, choice=c.id, option=step.text[:80])
            continue
        cid = f"choice@{before.line}"
        options = (Option(before.text[:80], before.line), Option(step.text[:80], step.line))
        found.append(Choice(cid, before.line, title_of(options), options))
        out[i - 1] = replace(before, choice=cid, option=before.text[:80])
        out[i] = replace(step, choice=cid, option=step.text[:80])
