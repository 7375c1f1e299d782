"""The example version of an unmodified guide: which literal stands for the release."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING

from relbook.model import Kind
from relbook.params.tokens import BUILTIN, writes_template

if TYPE_CHECKING:
    from relbook.model import Step

# a version literal, with its pre-release part (`1.6.0-rc1`, `1.9.0-rc.1`) when it has one
_CORE = re.compile(
    r"(?<![0-9.])(\d+)\.(\d+)\.(\d+)(?:-(?=[0-9A-Za-z]*[A-Za-z])[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?"
    r"(?![0-9]|\.[0-9]|-[0-9A-Za-z]|\.(?:rc|beta|alpha|pre|dev|b|a)\d)"  # not `5.0.5.rc1`
)
# what every literal holds: a text without it needs no search for one (most prose has none)
_DOTTED = re.compile(r"\d\.\d")
# what a literal belongs to when it is not this project's release: a toolchain
# (`go1.22.3`, `go 1.22.0`, `node 20.1.0`), a dependency (`tool@v1.2.3`, `pkg==1.2.3`),
# a semantic-conventions or other component's tag (`semconv/v1.24.0`)
_ELSEWHERE = re.compile(
    r"(?:\b(?:go|golang|node|nodejs|npm|python|python3|py|ruby|java|jdk|rust|rustc|cargo|gradle|"
    r"kotlin|kubernetes|k8s|kubectl|helm|protoc|terraform|semconv|toolchain|otel|opentelemetry|"
    r"alpine|debian|ubuntu)[\s:/=@-]*|@|[=~<>!]=\s*|[A-Za-z])$",
    re.I,
)


def belongs_elsewhere(text: str, start: int) -> bool:
    """Whether the version literal at `start` names another component's version."""
    return _elsewhere(text[max(0, start - 24) : start])


@lru_cache(maxsize=4096)  # a literal is asked about for the example, its line and its step
def _elsewhere(before: str) -> bool:
    return bool(_ELSEWHERE.search(before[:-1] if before.endswith(("v", "V")) else before))


def _known(m: re.Match[str], literals: dict[str, str]) -> str:
    """The example literal `m` is, whole or as the core of a pre-release of it
    (`0.32.0-alpha` of the next minor 0.32.0); "" when none."""
    lit = m.group(0)
    if lit in literals:
        return lit
    core = lit.split("-", 1)[0]
    return core if core != lit and core in literals else ""


# the words before a literal that call it an earlier release than the one being made
_CALLED_EARLIER = re.compile(
    r"\b((?:previous|last|prior|old|older)\s+(?:release|tag|version)s?)\b"
    r"(?:[^.;]|\.(?=\S)|\be\.g\.|\bi\.e\.){0,60}$",  # to the end of its sentence
    re.I,
)
_LATER = frozenset({"next_minor", "next_patch"})


def _own(text: str, m: re.Match[str], literals: dict[str, str]) -> str:
    """The example literal `m` is, when it stands for this project's release here: not
    another component's, and not a later version where the text calls it an earlier one
    (`the tag for the previous release, e.g. v/0.21.0` of example 0.20.0 stays as
    written); "" otherwise."""
    known = _known(m, literals)
    if not known or belongs_elsewhere(text, m.start()):
        return ""
    if literals[known] in _LATER:
        called = _CALLED_EARLIER.search(text, max(0, m.start() - 90), m.start())
        if called and not _CORE.search(text, called.end(1), m.start()):  # it names this one
            return ""
    return known


def literal_uses(text: str, literals: dict[str, str]) -> list[tuple[str, str]]:
    """(parameter, literal) for each example literal in `text` that is this project's."""
    if not _DOTTED.search(text):
        return []
    return [
        (literals[known], m.group(0))
        for m in _CORE.finditer(text)
        if (known := _own(text, m, literals))
    ]


def map_literals(text: str, literals: dict[str, str]) -> str:
    """`text` with each of the project's example literals as a `{{ parameter }}`."""
    if not literals or not _DOTTED.search(text):
        return text  # no literal to map, or none in `text`

    def one(m: re.Match[str]) -> str:
        known = _own(text, m, literals)
        if not known:
            return m.group(0)
        return "{{ %s }}" % literals[known] + m.group(0)[len(known) :]

    return _CORE.sub(one, text)


def own_versions(text: str) -> list[re.Match[str]]:
    """The version literals in `text` that may be this project's (see belongs_elsewhere)."""
    if not _DOTTED.search(text):
        return []
    return [m for m in _CORE.finditer(text) if not belongs_elsewhere(text, m.start())]


_JINJA_EXPR = re.compile(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)?.*?-?\}\}", re.S)


def _explicit(steps: tuple[Step, ...]) -> bool:
    """Whether the runbook writes `{{ version }}`-style placeholders itself.

    Then its remaining literals are real values, not an example to infer from."""
    for step in steps:
        for text in (step.text, step.body):
            if "{{" in text and any(m.group(1) in BUILTIN for m in _JINJA_EXPR.finditer(text)):
                return True
    return False


_RELEASE_VAR = re.compile(
    r"(?:^|[\s;(])(?:export\s+)?(?![A-Z_]*(?:GO|NODE|PYTHON|KUBE|K8S|MIN|MAX|JAVA|RUST)[A-Z_]*=)"
    r"[A-Z_]*(?:VERSION|TAG|RELEASE)[A-Z_]*=[\"']?v?$"
)


def _most_common_version(steps: tuple[Step, ...], hints: dict[str, int] | None = None) -> str:
    """The guide's example version: the literal its commands (shell blocks, code spans in
    steps) use most, a release variable's value counting more, plus what its prose says
    (`hints`: literal -> weight, from `relbook.parse.example`); another component's
    version never counts."""
    counts: Counter[str] = Counter()
    steady: set[str] = set()  # used in a command, or named as the example by the prose
    for step in steps:
        shell = step.kind is Kind.SHELL
        for text in [step.body] if shell else [step.text]:
            for m in own_versions(text):
                before = text[max(0, m.start() - 40) : m.start()]
                counts[m.group(0)] += 3 if _RELEASE_VAR.search(before) else 1
                if shell:
                    steady.add(m.group(0))
    for literal, weight in (hints or {}).items():
        counts[literal] += weight
        if weight > 1:
            steady.add(literal)
    counts = Counter({k: n for k, n in counts.items() if n > 0})
    if not counts:
        return ""
    best = max(counts.values())
    tied = [k for k in counts if counts[k] == best]
    # a tie (`git log v3.0.9..` below "the commits for the 3.0.10 release"): the one
    # the prose names
    told = [k for k in tied if (hints or {}).get(k, 0) > 0]
    example = (told or tied)[0]
    if example not in steady and _templated(steps):
        return ""  # a guide that writes `vX.Y.Z`: "(e.g. 1.11.13 ...)" only illustrates
    return example


def _templated(steps: tuple[Step, ...]) -> bool:
    """Whether the guide writes its version as a template (`vX.Y.Z`, `1.xx.yy`)."""
    return any(writes_template(s.body if s.kind is Kind.SHELL else s.text) for s in steps)


def _templated(steps: tuple[Step, ...]) -> bool:
    """Whether the guide writes its version as a template (`vX.Y.Z`, `1.xx.yy`)."""
    return any(writes_template(s.body if s.kind is Kind.SHELL else s.text) for s in steps)


def _previous(literal: str) -> str:
    m = _CORE.fullmatch(literal)
    if not m or "-" in literal or m.group(3) == "0":
        return ""
    return f"{m.group(1)}.{m.group(2)}.{int(m.group(3)) - 1}"


def literal_map(example: str) -> dict[str, str]:
    """Example literal -> parameter name ("1.2.3" -> "version", ...)."""
    m = _CORE.fullmatch(example) if example else None
    if not m:
        return {}
    if "-" in example:  # a pre-release example stands for the version as a whole
        return {example: "version"}
    major, minor, patch = (int(g) for g in m.groups())
    out = {example: "version", f"{major}.{minor}.{patch + 1}": "next_patch"}
    if patch > 0:
        out[f"{major}.{minor}.{patch - 1}"] = "previous_version"
    else:  # `create.sh 0.31.0 0.32.0`: the example's next minor (its development version)
        out[f"{major}.{minor + 1}.0"] = "next_minor"
    return out
