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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from relbook.bash.shell import env_reference, heredoc_delimiter, quote_context, quote_literal
from relbook.errors import ParamError, TemplateError
from relbook.model import Kind, Placeholder
from relbook.params.example import _CORE, _JINJA_EXPR, _explicit, _most_common_version, literal_map
from relbook.params.inputs import run_parameters
from relbook.params.tokens import (
    BUILTIN,
    PARTS,
    fill_tokens,
    guide_variables,
    token_placeholders,
    variable_placeholders,
)

if TYPE_CHECKING:
    from relbook.model import Runbook, Step

EXAMPLE = "a version like 1.2.3, v1.2.3, 1.2.3-rc.1 or 1.2.3-hotfix.1"
_BRACKET = re.compile(r"\[([A-Za-z][^\[\]\n]{2,60})\](?![\[(:])")
_DESCRIPTION_WORDS = re.compile(r"descr|summary|release notes? title|changes? summary", re.I)


@dataclass(frozen=True)
class Version:
    """A parsed release version."""

    major: int
    minor: int
    patch: int
    prerelease: str = ""
    build: str = ""

    def __str__(self) -> str:
        s = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            s += f"-{self.prerelease}"
        if self.build:
            s += f"+{self.build}"
        return s

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

    try:
        v = semver.Version.parse(text)
    except (ValueError, TypeError):
        if not (raw or "").strip():
            raise ParamError(f"the version is empty: expected {EXAMPLE}") from None
        raise ParamError(f"invalid version {raw!r}: expected {EXAMPLE}") from None
    return Version(v.major, v.minor, v.patch, v.prerelease or "", v.build or "")


def tag_for(version: Version | str, prefix: str = "v") -> str:
    """The git tag of a version."""
    return f"{prefix}{version}"


@dataclass(frozen=True)
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

    def known(self) -> set[str]:
        """Names of parameters that have a value."""
        return {k for k, v in self.all_values().items() if v is not None}

    def all_values(self) -> dict[str, str | None]:
        """The values, and the parts of the version guides name (`major`, `series`)."""
        return {**version_parts(self.values.get("version")), **self.values}


def version_parts(version: str | None) -> dict[str, str]:
    """major, minor, patch and series ("1.2") of a version; {} when it is not one."""
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", version or "")
    if not m:
        return {}
    major, minor, patch = m.groups()
    return {"major": major, "minor": minor, "patch": patch, "series": f"{major}.{minor}"}


def env_name(name: str) -> str:
    """RELBOOK_<NAME> for a parameter name."""
    return "RELBOOK_" + re.sub(r"[^A-Za-z0-9]+", "_", name).upper()


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
    prefix = str(front.get("tag_prefix", "v"))
    sources = {"version": "--version", "description": "--description" if description else "default"}
    previous = _previous_for(v, repo, prefix, check_tags, sources)
    values: dict[str, str | None] = {
        "version": str(v),
        "description": description,
        "tag": tag_for(v, prefix),
        "previous_version": str(previous) if previous else None,
        "previous_tag": tag_for(previous, prefix) if previous else None,
        "next_patch": f"{v.major}.{v.minor}.{v.patch + 1}",
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
    v: Version, repo: str | None, prefix: str, check: bool, sources: dict[str, str]
) -> Version | None:
    if repo:
        from relbook.params.gitfacts import release_tags

        sources["previous_version"] = f"highest earlier tag in {repo}"
        return _previous(v, release_tags(repo), prefix, check)
    if v.patch > 0 and not v.prerelease:
        sources["previous_version"] = "patch - 1 (no --repo given)"
        return Version(v.major, v.minor, v.patch - 1)
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

    if not date:
        return _dt.date.today().isoformat()
    try:
        return _dt.date.fromisoformat(date).isoformat()
    except ValueError:
        raise ParamError(f"invalid date {date!r}: expected YYYY-MM-DD, e.g. 2026-03-31") from None


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
    steps: tuple[Step, ...], front: dict[str, Any], path: str
) -> tuple[str, tuple[Placeholder, ...]]:
    """The guide's example version and every parameter use, with its line."""
    example = str(front.get("example_version", "") or "")
    if example:
        example = str(parse_version(example))
    elif not _explicit(steps):
        example = _most_common_version(steps)
    literals = literal_map(example)
    found: list[Placeholder] = []
    set_so_far: set[str] = set()
    for step in steps:
        for line, text in _step_lines(step):
            found.extend(_uses(text, line, literals))
            if step.kind is Kind.SHELL:
                found.extend(token_placeholders(text, line))
        if step.kind is Kind.SHELL:
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
        out += [
            Placeholder(literals[m.group(0)], line, m.group(0))
            for m in _CORE.finditer(text)
            if m.group(0) in literals
        ]
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
            if m.group(1) in BUILTIN
        ]
    return out


def explicit_form(text: str, example: str, names: set[str] | frozenset[str] = frozenset()) -> str:
    """Replace inferred literals and placeholders with `{{ name }}` placeholders.

    Placeholders that stand for a release value are always replaced; an operator input
    (`<commit-sha>`) only when `names` holds its parameter (given with -p)."""
    literals = literal_map(example)
    if literals:
        text = _CORE.sub(
            lambda m: "{{ %s }}" % literals[m.group(0)] if m.group(0) in literals else m.group(0),
            text,
        )
    text = _BRACKET.sub(
        lambda m: "{{ description }}" if _DESCRIPTION_WORDS.search(m.group(1)) else m.group(0), text
    )
    return fill_tokens(text, names)


def unfilled(text: str, example: str, names: set[str] | frozenset[str]) -> list[Any]:
    """Placeholder tokens left in `text` once every known value is filled in."""
    from relbook.params.tokens import find_tokens

    return find_tokens(explicit_form(text, example, names))


# -- rendering ---------------------------------------------------------------

# `{%` that opens no Jinja statement (as in `printf '{%s}'`) is text. These
# render-only patterns compile (and stay cached in `re`) on first use.
_LONE_STATEMENT = (
    r"\{%(?!-?\s*(?:if|elif|else|endif|for|endfor|set|endset|raw|endraw|with|endwith"
    r"|filter|endfilter|macro|endmacro|call|endcall)\b)"
)
_RAW_OPEN = "{% raw %}{%{% endraw %}"
_SENTINEL = "\x01RB([PC])(\\d+)\x02"


class _Value(str):
    """A parameter's value inside a template, knowing its name."""

    name = ""


def render_text(
    text: str, params: Params, *, path: str = "", line: int = 0, example: str = ""
) -> str:
    """A step's text with values filled in (for people; never executed)."""
    text = explicit_form(text, example, params.known())
    if "{{" not in text and "{%" not in text:
        return text
    return _jinja(text, _values_or_fail(text, params, path, line), path, line)


def render_shell(
    source: str, params: Params, *, path: str = "", line: int = 0, example: str = ""
) -> str:
    """Bash source whose parameters expand from RELBOOK_* variables, safely quoted.

    `{{ name }}` becomes a reference to $RELBOOK_NAME quoted for where it
    stands; text computed in a template (`{{ "v" ~ version }}`) is quoted as a
    literal. Conditions (`{% if description %}`) see the real values."""
    text = explicit_form(source, example, params.known())
    if "{{" not in text and "{%" not in text:
        return text
    values = _values_or_fail(text, params, path, line)
    computed: list[str] = []
    rendered = _jinja(text, _as_values(values), path, line, finalize=_marker(computed))
    pieces: list[str] = []
    last = 0
    for m in re.finditer(_SENTINEL, rendered):
        ctx = quote_context(rendered, m.start())
        pieces.append(rendered[last : m.start()])
        if m.group(1) == "P":
            name = list(values)[int(m.group(2))]
            value = values[name] or ""
            if ctx == "heredoc-quoted":  # no expansion there: the value itself
                pieces.append(_heredoc_safe(value, rendered, m.start(), path, line))
            else:
                pieces.append(env_reference(env_name(name), ctx))
        else:
            value = computed[int(m.group(2))]
            if ctx == "heredoc-quoted":
                value = _heredoc_safe(value, rendered, m.start(), path, line)
            pieces.append(quote_literal(value, ctx))
        last = m.end()
    pieces.append(rendered[last:])
    return "".join(pieces)


def _as_values(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, (name, value) in enumerate(values.items()):
        if isinstance(value, str):
            value = _Value(value)
            value.name = f"\x01RBP{i}\x02"
        out[name] = value
    return out


def _marker(computed: list[str]) -> Any:
    """Jinja `finalize`: each output becomes a sentinel, resolved after rendering."""

    def finalize(value: Any) -> str:
        if isinstance(value, _Value):
            return value.name
        computed.append("" if value is None else str(value))
        return f"\x01RBC{len(computed) - 1}\x02"

    return finalize


def _heredoc_safe(value: str, source: str, pos: int, path: str, line: int) -> str:
    delim = heredoc_delimiter(source, pos)
    if delim is not None and any(row.lstrip("\t") == delim for row in value.split("\n")):
        raise ParamError(
            f"a value holds the line {delim!r}, which would end the heredoc early",
            path=path,
            line=line,
        )
    return value


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


def _jinja(text: str, values: dict[str, Any], path: str, line: int, finalize: Any = None) -> str:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        comment_start_string="{#relbook",
        comment_end_string="relbook#}",
        keep_trailing_newline=True,
        autoescape=False,
        finalize=finalize,
    )
    protected = re.sub(_LONE_STATEMENT, _RAW_OPEN, text)
    protected = _JINJA_EXPR.sub(
        lambda m: m.group(0) if m.group(1) in values else "{% raw %}" + m.group(0) + "{% endraw %}",
        protected,
    )
    try:
        return env.from_string(protected).render(values)
    except jinja2.TemplateSyntaxError as e:
        raise TemplateError(
            f"template: {e.message}", path=path, line=line + (e.lineno or 1) - 1
        ) from None
    except jinja2.UndefinedError as e:
        raise TemplateError(f"template: {e.message}", path=path, line=line) from None
    except jinja2.TemplateError as e:
        raise TemplateError(f"template: {e}", path=path, line=line) from None


__all__ = ["BUILTIN", "PARTS", "fill_tokens", "literal_map", "run_parameters"]
