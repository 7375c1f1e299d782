"""Filling a template: Jinja2, sandboxed and strict, imported only for text that needs it
(a plain `{{ name }}` is filled without it: params.plain); one environment, each text
compiled once."""

from __future__ import annotations

import functools
import re
from typing import Any

from relbook.errors import TemplateError
from relbook.params.plain import fill_plain as _plain
from relbook.params.quoting import _JINJA_EXPR

# `{%` that opens no Jinja statement (as in `printf '{%s}'`) is text. These
# render-only patterns compile (and stay cached in `re`) on first use.
_LONE_STATEMENT = (
    r"\{%(?!-?\s*(?:if|elif|else|endif|for|endfor|set|endset|raw|endraw|with|endwith"
    r"|filter|endfilter|macro|endmacro|call|endcall)\b)"
)
_RAW_OPEN = "{% raw %}{%{% endraw %}"


def _closest(message: str | None, values: dict[str, Any]) -> str:
    """`: did you mean 'version'?` for "'verison' is undefined", or ""."""
    from difflib import get_close_matches

    m = re.match(r"'(\w+)' is undefined", message or "")
    close = get_close_matches(m.group(1), list(values), n=1, cutoff=0.75) if m else []
    return f": did you mean {close[0]!r}?" if close else ""


@functools.cache
def _environment() -> Any:
    """The one sandboxed environment guide text is filled in (made on first use)."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        comment_start_string="{#relbook",
        comment_end_string="relbook#}",
        keep_trailing_newline=True,
        autoescape=False,
    )


@functools.lru_cache(maxsize=512)
def _compiled(text: str) -> Any:
    """`text` compiled once: a run fills the same step text for its record, its screen
    and its journal, and the tests fill the shipped guide hundreds of times."""
    return _environment().from_string(text)


def fill_template(text: str, values: dict[str, Any], path: str, line: int, mark: Any = None) -> str:
    """`text` with `values` filled in (`mark`: the shell renderer's marker of values)."""
    if mark is None and (done := _plain(text, values)) is not None:
        return done  # importing and compiling a template costs more than a trivial step
    import jinja2

    protected = re.sub(_LONE_STATEMENT, _RAW_OPEN, text)
    known = {*values, "_relbook_"}
    protected = _JINJA_EXPR.sub(
        lambda m: m.group(0) if m.group(1) in known else "{% raw %}" + m.group(0) + "{% endraw %}",
        protected,
    )
    try:
        template = _compiled(protected)
        return template.render({**values, "_relbook_": mark} if mark is not None else values)
    except jinja2.TemplateSyntaxError as e:
        raise TemplateError(
            f"template: {e.message}", path=path, line=line + (e.lineno or 1) - 1
        ) from None
    except jinja2.UndefinedError as e:
        raise TemplateError(f"template: {e.message}{_closest(e.message, values)}", path=path,
                            line=line) from None  # fmt: skip
    except jinja2.TemplateError as e:
        raise TemplateError(f"template: {e}", path=path, line=line) from None
