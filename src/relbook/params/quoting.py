"""How a parameter's value reaches bash: as a reference to its RELBOOK_* variable,
written for its place, or refused where no quoting is safe. Template expressions
(`{{ description | trim }}`) get variables of their own."""

from __future__ import annotations

import re
from typing import Any

from relbook.bash.shell import env_reference
from relbook.errors import ParamError, TemplateError

_JINJA_EXPR = re.compile(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)?.*?-?\}\}", re.S)


def env_name(name: str) -> str:
    """RELBOOK_<NAME> for a parameter name."""
    return "RELBOOK_" + re.sub(r"[^A-Za-z0-9]+", "_", name).upper()


# values that cannot hold shell syntax: SemVer versions, tags, dates, fixed words
CONSTRAINED = frozenset(
    {"version", "tag", "previous_version", "previous_tag", "next_patch", "release_type"}
    | {"bump", "date"}
)
_INERT = re.compile(r"[A-Za-z0-9._+:@/-]*")
_NAMES = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Shell(str):
    """Bash source from `render_shell`; `env` holds the values of template expressions
    (`{{ description | trim }}`), which reach bash as variables like the parameters."""

    env: dict[str, str]


class Computed:
    """Names for the values of template expressions: one variable per expression text,
    shared by every step of a run so that the run's environment carries them all."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.names: dict[str, str] = {}
        self.env: dict[str, str] = {}
        self.taken = set(taken or ())

    def var(self, expr: str, value: str) -> str:
        """The variable holding `value`, the value of template expression `expr`."""
        key = expr + "\0" + value
        if key not in self.names:
            base = env_name(re.sub(r"\W+", " ", expr).strip()[:40]) or "RELBOOK_VALUE"
            name, n = base, 1
            while name in self.taken or name in self.env:
                n += 1
                name = f"{base}_{n}"
            self.names[key], self.env[name] = name, value
        return self.names[key]


def shell_text(text: str, env: dict[str, str]) -> Shell:
    out = Shell(text)
    out.env = env
    return out


def constrained(expr: str, values: dict[str, Any]) -> bool:
    """Whether an expression only uses values that cannot hold shell syntax."""
    used = [n for n in _NAMES.findall(expr) if n in values]
    return bool(used) and all(n in CONSTRAINED for n in used)


def reference(
    source: str,
    pos: int,
    var: str,
    value: str,
    expr: str,
    free: bool,
    path: str,
    line: int,
    problems: list[ParamError],
) -> str:
    """The text that stands for `{{ expr }}` at `pos`: a reference to `var`."""
    from relbook.bash.places import place_of

    place = place_of(source, pos)
    why = hint = ""
    if place.code:
        why = f"inside {place.code}, where its text would be parsed as code"
        hint = f'write "${var}" in the code itself (single-quoted), for the shell running it'
    elif place.arith:
        why = "in arithmetic, where bash evaluates it as an expression (which can run commands)"
        hint = f'check it first: [[ ${var} =~ ^[0-9]+$ ]], then use "${var}"'
    elif place.context == "heredoc-quoted":
        why = "in a quoted heredoc (<<'EOF'), where no variable expands"
        hint = f"use an unquoted heredoc (<<EOF) with ${{{var}}} (and \\$ for a literal $)"
    if why and free:
        problems.append(ParamError(
            f"{{{{ {expr} }}}} is free text {why}; no quoting makes that safe: {hint}",
            path=path,
            line=line,
        ))  # fmt: skip
        return ""
    if why and not _INERT.fullmatch(value):
        problems.append(ParamError(f"{{{{ {expr} }}}} = {value!r} {why}", path=path, line=line))
        return ""
    if place.context == "heredoc-quoted":  # no expansion there: the (inert) value itself
        return value
    return env_reference(var, "double" if place.arith else place.context)


def wrap_outputs(text: str, values: dict[str, Any]) -> str:
    """`{{ expr }}` -> `{{ _relbook_(expr) }}` where expr uses a parameter, so that each
    output is marked with the expression that made it."""

    def wrap(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            return m.group(0)
        whole = m.group(0)
        left = "{{-" if whole.startswith("{{-") else "{{"
        right = "-}}" if whole.endswith("-}}") and len(whole) > 5 else "}}"
        inner = whole[len(left) : len(whole) - len(right)].strip()
        return f"{left} _relbook_({inner!r}, ({inner})) {right}"

    return _JINJA_EXPR.sub(wrap, text)


def mark_outputs(exprs: list[tuple[str, Any]]) -> Any:
    """The `_relbook_` function: each output becomes a sentinel, resolved after rendering."""

    def mark(expr: str, value: Any) -> str:
        exprs.append((expr, "" if value is None else str(value)))
        return f"\x01RB{len(exprs) - 1}\x02"

    return mark


def check_names(text: str, values: dict[str, Any], path: str, line: int) -> None:
    """`{{ verison }}` (a name close to a parameter's) is a typo, not other template syntax."""
    for m in _JINJA_EXPR.finditer(text):
        name = m.group(1)
        if not name or name in values or name in _JINJA_WORDS:
            continue
        from difflib import get_close_matches  # only for a name no parameter has

        close = get_close_matches(name, list(values), n=1, cutoff=0.75)
        if close:
            at = line + text.count("\n", 0, m.start())
            raise TemplateError(
                f"undefined name {name!r} in {m.group(0)}: did you mean {close[0]!r}?",
                path=path,
                line=at,
            )


_JINJA_WORDS = frozenset({"range", "end", "if", "else", "with", "define", "template", "block"})
