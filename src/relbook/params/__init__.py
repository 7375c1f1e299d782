"""Release parameters: version rules, derived values, inference, safe substitution.

Ordering rule: SemVer puts `1.2.3-hotfix.1` before `1.2.3`, but release guides
mean a hotfix *after* 1.2.3. relbook orders versions by (major, minor, patch)
first, then: pre-releases (alpha, beta, rc, ...) < the release < hotfixes.
So 1.2.3-rc.1 < 1.2.3 < 1.2.3-hotfix.1 < 1.2.3-hotfix.2 < 1.2.4-alpha.1.

A new version must be greater than every SemVer release tag in the repository
(local or on origin), pre-releases included, and its own tag must not exist.
`previous_version` is the highest earlier release or hotfix: pre-release tags
are skipped, since a guide's "previous stable tag" is what a rollback returns
to. Tags that are not SemVer (after the `v` prefix) are ignored.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from relbook.datatype import datatype, field, replace
from relbook.errors import ParamError, RelbookError
from relbook.model import Kind, Placeholder
from relbook.params.example import (
    _explicit,
    _most_common_version,
    literal_map,
    literal_uses,
    map_literals,
)
from relbook.params.inputs import run_parameters
from relbook.params.jinja import fill_template
from relbook.params.plain import fill_plain as _plain
from relbook.params.prefix import repo_tags, tag_prefix
from relbook.params.quoting import (
    _JINJA_EXPR,
    CONSTRAINED,
    Computed,
    Shell,
    check_names,
    constrained,
    env_name,
    mark_outputs,
    reference,
    shell_text,
    wrap_outputs,
)
from relbook.params.tokens import BUILTIN, PARTS, fill_tokens, series_wildcards, token_placeholders
from relbook.params.variables import guide_variables, variable_placeholders

if TYPE_CHECKING:
    from relbook.model import Runbook, Step

EXAMPLE = "a version like 1.2.3, v1.2.3, 1.2.3-rc.1, 1.2.3-hotfix.1 or 2026.08.0"
# SemVer, but the minor and patch may be zero-padded, as calendar versions are (2026.08.0)
_ID = r"[0-9A-Za-z-]+"
_CHANNEL = re.compile(r"[A-Za-z][A-Za-z0-9]*-(?=\d)")  # a release channel's word: edge-26.8.4
_CALVER = re.compile(rf"(0|[1-9]\d*)\.(\d+)\.(\d+)(?:-({_ID}(?:\.{_ID})*))?(?:\+([\w.-]+))?\Z")
_BRACKET = re.compile(r"\[([A-Za-z][^\[\]\n]{2,60})\](?![\[(:])")
_DESCRIPTION_WORDS = re.compile(r"descr|summary|release notes? title|changes? summary", re.I)


@datatype(frozen=True)
class Version:
    """A parsed release version."""

    major: int
    minor: int
    patch: int
    prerelease: str = ""
    build: str = ""
    # the numbers as written, when they carry leading zeros (calendar versions: 2026.08.0)
    written: str = field(default="", compare=False)
    channel: str = field(default="", compare=False)  # `edge-` of edge-26.8.4: its tags' prefix

    def __str__(self) -> str:
        s = self.written or f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            s += f"-{self.prerelease}"
        if self.build:
            s += f"+{self.build}"
        return s

    def bumped(self, by: int) -> str:
        """The release `by` patches away, its numbers written as this one's (2026.08.1)."""
        major, minor, _ = (self.written or f"{self.major}.{self.minor}.0").split(".")
        return f"{major}.{minor}.{self.patch + by}"

    @property
    def is_hotfix(self) -> bool:
        return self.prerelease.lower().startswith("hotfix")

    @property
    def release_type(self) -> str:
        """operational, hotfix or prerelease, from the version's shape."""
        if self.is_hotfix:
            return "hotfix"
        return "prerelease" if self.prerelease else "operational"

    def key(self) -> tuple[Any, ...]:
        """Sort key implementing the ordering rule in this module's docstring."""
        rank = 2 if self.is_hotfix else (0 if self.prerelease else 1)
        ids = tuple(
            (0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease.split(".") if p
        )
        return (self.major, self.minor, self.patch, rank, ids)


def parse_version(text: str) -> Version:
    """Parse a SemVer version (a leading `v` is allowed); errors show a valid example."""
    raw = text
    text = (text or "").strip()
    if text[:1] in ("v", "V"):
        text = text[1:]
    import semver

    if channel := _CHANNEL.match(text):
        return replace(parse_version(text[channel.end() :]), channel=channel.group(0))
    try:
        v = semver.Version.parse(text)
    except (ValueError, TypeError):
        if padded := _CALVER.match(text):
            nums, pre, build = padded.groups()[:3], padded[4] or "", padded[5] or ""
            return Version(*map(int, nums), pre, build, ".".join(nums))  # zeros kept
        if not (raw or "").strip():
            raise ParamError(f"the version is empty: expected {EXAMPLE}") from None
        raise ParamError(f"invalid version {raw!r}: expected {EXAMPLE}") from None
    return Version(v.major, v.minor, v.patch, v.prerelease or "", v.build or "")


def tag_for(version: Version | str, prefix: str = "v") -> str:
    """The git tag of a version."""
    return f"{prefix}{version}"


@datatype(frozen=True)
class Params:
    """Bound parameter values. None marks a value that is not known."""

    values: dict[str, str | None]
    sources: dict[str, str] = field(default_factory=dict)
    shell: dict[str, str] = field(default_factory=dict)  # the guide's own variables (VERSION=)

    def __getitem__(self, name: str) -> str | None:
        return self.values[name]

    def env(self) -> dict[str, str]:
        """Environment variables for shell steps (RELBOOK_VERSION, ..., and the guide's own
        variables that name a release value or were given with -p)."""
        out = {env_name(k): v for k, v in self.all_values().items() if v is not None}
        return {**self.shell, **out}

    # what known() and all_values() last gave, and the values they were made of: a step
    # renders its text several times, and a value may still be given later (asked, -p)
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def known(self) -> frozenset[str]:
        """Names of parameters that have a value."""
        memo = self._fresh()
        if "known" not in memo:
            memo["known"] = frozenset(k for k, v in self._all().items() if v is not None)
        return memo["known"]

    def all_values(self) -> dict[str, str | None]:
        """The values, and the parts of the version guides name (`major`, `series`)."""
        return dict(self._all())

    def _all(self) -> dict[str, str | None]:
        memo = self._fresh()
        if "all" not in memo:
            memo["all"] = {**version_parts(self.values.get("version")), **self.values}
        return memo["all"]

    def _fresh(self) -> dict[str, Any]:
        memo = self._memo
        if memo.get("values") != self.values:
            memo.clear()
            memo["values"] = dict(self.values)
        return memo


@lru_cache(maxsize=64)
def version_parts(version: str | None) -> dict[str, str]:
    """major, minor, patch, series ("1.2") and next_minor ("1.3.0") of a version, {} when
    it is not one. (Cached: the dict returned is shared, never changed.)"""
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", version or "")
    if not m:
        return {}
    major, minor, patch = m.groups()
    series, after = f"{major}.{minor}", f"{major}.{int(minor) + 1}.0"
    return {"major": major, "minor": minor, "patch": patch, "series": series, "next_minor": after}


def bind(
    version: str,
    description: str = "",
    *,
    runbook: Runbook | None = None,
    repo: str | None = None,
    date: str | None = None,
    check_tags: bool = True,
    extra: dict[str, str] | None = None,
) -> Params:
    """Validate the version and derive every parameter; checks tags in `repo`."""
    v = parse_version(version)
    front = runbook.front_matter if runbook else {}
    sources = {"version": "--version", "description": "--description" if description else "default"}
    tags = repo_tags(repo)
    prefix = tag_prefix(front, v.channel, tags, repo, sources)
    previous = _previous_for(v, repo, prefix, check_tags, sources, tags)
    values: dict[str, str | None] = {
        "version": str(v),
        "description": description,
        "tag": tag_for(v, prefix),
        "previous_version": str(previous) if previous else None,
        "previous_tag": tag_for(previous, prefix) if previous else None,
        "next_patch": v.bumped(1),
        "release_type": v.release_type,
        "bump": _bump(v, previous),
        "date": _date(date),
    }
    for name, default in _front_params(runbook).items():
        values.setdefault(name, default)
        sources.setdefault(name, "front matter")
    for name, value in (extra or {}).items():
        values[name] = value
        sources[name] = "-p"
    return Params(values, sources, guide_variables(runbook, {**version_parts(str(v)), **values}))


def _previous_for(
    v: Version, repo: str | None, prefix: str, check: bool, sources: dict[str, str], tags: Any
) -> Version | None:
    if tags is not None:
        sources["previous_version"] = f"highest earlier tag in {repo}"
        return _previous(v, tags, prefix, check)
    if v.patch > 0 and not v.prerelease:
        sources["previous_version"] = "patch - 1 (no --repo given)"
        return parse_version(v.bumped(-1))
    return None


def _front_params(runbook: Runbook | None) -> dict[str, str | None]:
    """`params:` defaults from front matter, as text."""
    params = runbook.front_matter.get("params") if runbook else None
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise ParamError(
            "front matter params must be a mapping (name: default)", path=runbook.path, line=1
        )
    return {str(k): None if v is None else str(v) for k, v in params.items()}


def _date(date: str | None) -> str:
    import datetime as _dt

    from relbook.params.blackout import day_of

    return (day_of(date) if date else _dt.date.today()).isoformat()


def _bump(v: Version, previous: Version | None) -> str:
    if previous is None:
        return "major" if (v.minor, v.patch) == (0, 0) else "minor" if v.patch == 0 else "patch"
    if v.major != previous.major:
        return "major"
    return "minor" if v.minor != previous.minor else "patch"


def _previous(v: Version, tags: dict[str, str], prefix: str, check: bool) -> Version | None:
    """Highest release tag below v; with check, refuse existing or older versions."""
    parsed: list[tuple[Version, str]] = []
    for name in tags:
        if not name.startswith(prefix) or not name[len(prefix) : len(prefix) + 1].isdigit():
            continue
        try:
            parsed.append((parse_version(name[len(prefix) :]), name))
        except ParamError:
            continue  # non-SemVer tags are ignored
    own = tag_for(v, prefix)
    if check and own in tags:
        where = " on origin" if tags[own] == "origin" else ""
        raise ParamError(f"tag {own} already exists{where}: version {v} was already released")
    if check and parsed:
        top, top_name = max(parsed, key=lambda p: p[0].key())
        if v.key() <= top.key():
            raise ParamError(
                f"version {v} is not greater than the latest release {top_name}; "
                f"next patch would be {top.major}.{top.minor}.{top.patch + 1}"
            )
    # a pre-release is never the release to compare with or roll back to
    below = [p for p, _ in parsed if p.key() < v.key() and p.release_type != "prerelease"]
    return max(below, key=lambda p: p.key()) if below else None


# -- inference for unmodified guides ---------------------------------------


def infer_placeholders(
    steps: tuple[Step, ...], front: dict[str, Any], path: str, hints: dict[str, int] | None = None
) -> tuple[str, tuple[Placeholder, ...]]:
    """The example version (`hints`: what the prose says of it) and every parameter use."""
    example = str(front.get("example_version", "") or "")
    if example:
        example = str(parse_version(example))
    elif not _explicit(steps):
        example = _most_common_version(steps, hints)
    literals = literal_map(example)
    found: list[Placeholder] = []
    set_so_far: set[str] = set()
    for step in steps:
        shell = step.kind is Kind.SHELL
        for line, text in _step_lines(step):
            found.extend(_uses(text, line, literals))
            if shell:  # the example's literals are no placeholders
                found.extend(token_placeholders(map_literals(text, literals), line))
        if shell:
            found.extend(variable_placeholders(step, set_so_far))
    return example, tuple(found)


def _step_lines(step: Step) -> list[tuple[int, str]]:
    if step.kind is not Kind.SHELL:
        return [(step.line, step.text)]
    out = []
    for part in step.parts:
        for i, text in enumerate(part.source.split("\n")):
            out.append((part.line + i, text))
    return out


def _uses(text: str, line: int, literals: dict[str, str]) -> list[Placeholder]:
    out: list[Placeholder] = []
    if literals and "." in text:
        out += [Placeholder(name, line, lit) for name, lit in literal_uses(text, literals)]
    if "[" in text:
        out += [
            Placeholder("description", line, m.group(0))
            for m in _BRACKET.finditer(text)
            if _DESCRIPTION_WORDS.search(m.group(1))
        ]
    if "{{" in text:
        out += [
            Placeholder(m.group(1), line, m.group(0))
            for m in _JINJA_EXPR.finditer(text)
            if m.group(1) in BUILTIN or m.group(1) in PARTS  # `{{ series }}`: a release value
        ]
    return out


def explicit_form(text: str, example: str, names: set[str] | frozenset[str] = frozenset()) -> str:
    """Replace inferred literals and placeholders with `{{ name }}` placeholders.

    Placeholders that stand for a release value are always replaced; an operator input
    (`<commit-sha>`) only when `names` holds its parameter (given with -p)."""
    return _explicit_form(text, example, frozenset(names))


@lru_cache(maxsize=4096)  # a run fills each step's text for the screen, the record and bash
def _explicit_form(text: str, example: str, names: frozenset[str]) -> str:
    literals = literal_map(example)
    text = series_wildcards(map_literals(text, literals) if literals else text)
    text = _BRACKET.sub(
        lambda m: "{{ description }}" if _DESCRIPTION_WORDS.search(m.group(1)) else m.group(0), text
    )
    return fill_tokens(text, names)


def unfilled(text: str, example: str, names: set[str] | frozenset[str]) -> list[Any]:
    """Placeholder tokens left in `text` once every known value is filled in."""
    return list(_unfilled(text, example, frozenset(names)))


@lru_cache(maxsize=4096)  # the checks before a run and the step itself ask the same
def _unfilled(text: str, example: str, names: frozenset[str]) -> tuple[Any, ...]:
    from relbook.params.tokens import filled_in, find_tokens

    return tuple(
        t for t in find_tokens(explicit_form(text, example, names)) if not filled_in(t, names)
    )


# -- rendering ---------------------------------------------------------------

_SENTINEL = "\x01RB(\\d+)\x02"


def render_text(
    text: str, params: Params, *, path: str = "", line: int = 0, example: str = ""
) -> str:
    """A step's text with values filled in (for people; never executed)."""
    text = explicit_form(text, example, params.known())
    if "{{" not in text and "{%" not in text:
        return text
    values = _values_or_fail(text, params, path, line)
    check_names(text, values, path, line)
    return fill_template(text, values, path, line)


def render_shell(
    source: str,
    params: Params,
    *,
    path: str = "",
    line: int = 0,
    example: str = "",
    computed: Computed | None = None,
) -> Shell:
    """Bash source whose parameters expand from RELBOOK_* variables, safely quoted.

    `{{ name }}` becomes a reference to $RELBOOK_NAME quoted for where it stands
    (also inside backticks and `$(...)`); the value of an expression
    (`{{ description | trim }}`) gets a variable of its own (in the result's `env`).
    A free-text value where bash would parse it again (eval, `bash -c`, ssh, a
    quoted heredoc, arithmetic) is refused: no quoting makes that safe.
    Conditions (`{% if description %}`) see the real values."""
    problems: list[ParamError] = []
    out = _render_shell(source, params, path, line, example, computed, problems)
    if problems:
        raise problems[0]
    return out


def shell_problems(
    source: str,
    params: Params,
    *,
    path: str = "",
    line: int = 0,
    example: str = "",
    computed: Computed | None = None,
) -> list[RelbookError]:
    """Every reason `render_shell` would refuse `source` (all of them, not the first)."""
    problems: list[ParamError] = []
    try:
        _render_shell(source, params, path, line, example, computed, problems)
    except RelbookError as e:
        return [e]
    return list(problems)


def _render_shell(
    source: str,
    params: Params,
    path: str,
    line: int,
    example: str,
    computed: Computed | None,
    problems: list[ParamError],
) -> Shell:
    text = explicit_form(source, example, params.known())
    if computed is None:
        computed = Computed({env_name(n) for n in params.values})
    if "{{" not in text and "{%" not in text:
        return shell_text(text, {})
    values = _values_or_fail(text, params, path, line)
    check_names(text, values, path, line)
    exprs: list[tuple[str, Any]] = []
    mark = mark_outputs(exprs)
    rendered = _plain(text, values, mark)
    if rendered is None:
        rendered = fill_template(wrap_outputs(text, values), values, path, line, mark=mark)
    pieces: list[str] = []
    env: dict[str, str] = {}
    last = 0
    for m in re.finditer(_SENTINEL, rendered):
        pieces.append(rendered[last : m.start()])
        expr, value = exprs[int(m.group(1))]
        at = line + rendered.count("\n", 0, m.start())
        name = expr if expr in values else ""
        var = env_name(name) if name else computed.var(expr, value)
        if not name:
            env[var] = value
        free = not name and not constrained(expr, values) or name and name not in CONSTRAINED
        pieces.append(reference(rendered, m.start(), var, value, expr, free, path, at, problems))
        last = m.end()
    pieces.append(rendered[last:])
    return shell_text("".join(pieces), env)


def _values_or_fail(text: str, params: Params, path: str, line: int) -> dict[str, Any]:
    for m in _JINJA_EXPR.finditer(text):
        name = m.group(1)
        if name in params.values and params.values[name] is None:
            why = {
                "previous_version": "no earlier release tag (give --repo with release tags)",
                "previous_tag": "no earlier release tag (give --repo with release tags)",
            }.get(name, "no value given")
            raise ParamError(f"uses {name}, which is unknown: {why}", path=path, line=line)
    return params.all_values()


__all__ = ["BUILTIN", "PARTS", "fill_tokens", "literal_map", "run_parameters"]
