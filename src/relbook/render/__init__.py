"""Documents out of a runbook and its record: filled checklist, release notes, report.

Templates are Jinja2 files in `templates/` (shipped in the wheel as
`relbook/templates`), rendered in a sandboxed environment with StrictUndefined;
HTML templates are autoescaped. A `--templates DIR` overrides any of them by name.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

from relbook.datatype import datatype
from relbook.errors import RelbookError, TemplateError, decode_utf8
from relbook.render.common import format_duration
from relbook.render.common import record_params as record_params

if TYPE_CHECKING:
    from pathlib import Path

    from relbook.model import Record, Runbook, Step
    from relbook.params import Params


def templates_dir() -> Path:
    """The shipped templates: in the installed package, else the source tree's."""
    from importlib import resources
    from pathlib import Path  # not for a parse, which renders an outline from this package

    shipped = resources.files("relbook") / "templates"
    if shipped.is_dir():
        return Path(str(shipped))
    return Path(__file__).resolve().parents[3] / "templates"


def _autoescape(name: str | None) -> bool:
    return bool(name) and str(name).endswith((".html", ".htm", ".html.j2", ".svg.j2"))


def environment(templates: str | None = None) -> Any:
    """A sandboxed Jinja2 environment over `templates` (if given) then the shipped ones.

    One per directory: the environment keeps the templates it compiled and compiles one
    again when its file changes."""
    if templates and not os.path.isdir(templates):
        raise RelbookError(f"--templates {templates}: not a directory")
    return _environment(templates or None)


@functools.cache
def _environment(templates: str | None) -> Any:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    paths = [str(templates_dir())]
    if templates:
        paths.insert(0, templates)
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(paths),
        undefined=jinja2.StrictUndefined,
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["duration"] = format_duration
    env.filters["clock"] = format_clock
    env.filters["signature"] = signature_of
    return env


def signature_of(o: Any) -> str:
    """How a sign-off's signature reads ('' for a step without one)."""
    from relbook.record.signatures import signature_text, signatures_line

    extra = getattr(o, "extra", None) or {}
    if extra.get("signature"):
        return signature_text(extra["signature"])
    if extra.get("signatures"):
        return "not signed: " + signatures_line(extra["signatures"])
    return ""


def render_template(name: str, context: dict[str, Any], templates: str | None = None) -> str:
    """Render the template `name`; any template error becomes `file:line: message`."""
    import jinja2

    env = environment(templates)
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as e:
        where = e.filename or e.name or name
        raise TemplateError(e.message or "syntax error", path=where, line=e.lineno) from None
    except jinja2.TemplateNotFound as e:
        raise TemplateError(f"template {e.name} not found in {env.loader.searchpath}") from None
    except UnicodeDecodeError:
        from pathlib import Path

        for root in env.loader.searchpath:
            for path in sorted(Path(root).glob("*.j2")):
                decode_utf8(path.read_bytes(), str(path), "template")
        raise
    except Exception as e:
        path, line = _template_frame(e, env.loader.searchpath)
        if not path and not isinstance(e, jinja2.TemplateError):
            raise  # not the template's fault
        raise TemplateError(_message(e), path=path or name, line=line) from None


def _template_frame(e: BaseException, roots: list[str]) -> tuple[str, int]:
    """The innermost traceback frame inside a template file (Jinja rewrites them)."""
    found = ("", 0)
    tb = e.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if any(filename.startswith(r) for r in roots) and filename.endswith(".j2"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _message(e: BaseException) -> str:
    text = getattr(e, "message", None) or str(e) or type(e).__name__
    return text.splitlines()[0] if text else type(e).__name__


def format_clock(stamp: str | None) -> str:
    """An ISO timestamp as `2026-03-31 14:03` (unparseable text is shown as is)."""
    import datetime as dt

    if not stamp:
        return ""
    try:
        t = dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    return t.strftime("%Y-%m-%d %H:%M")


# -- release notes -------------------------------------------------------------


@datatype
class NotesInput:
    """Everything `relbook render notes` needs beyond the runbook."""

    version: str
    repo: str | None = None
    description: str = ""
    date: str | None = None
    known_issues: tuple[str, ...] = ()
    templates: str | None = None
    record: Record | None = None


def notes_context(rb: Runbook, opts: NotesInput) -> dict[str, Any]:
    """Parameters, grouped changes, migration steps and known issues for the templates."""
    from relbook.render.notes import commit_range, group_changes, migration_steps, summarize

    params, since, until = _notes_range(rb, opts)
    changes = commit_range(opts.repo, since, until) if opts.repo else []
    values = dict(params.values)
    return {
        **values,
        "params": values,
        "bound": params,
        "runbook": rb,
        "summary": opts.description or summarize(changes),
        "changes": changes,
        "groups": group_changes(changes),
        "migration": migration_steps(changes),
        "known_issues": list(opts.known_issues)
        + (record_issues(opts.record) if opts.record else []),
        "range": {"since": since, "until": until, "repo": opts.repo},
    }


def _notes_range(rb: Runbook, opts: NotesInput) -> tuple[Params, str | None, str]:
    """Bound params and the git range: previous tag .. tag (if tagged) or HEAD."""
    from relbook.params import bind, parse_version, tag_for

    if not opts.repo:
        return bind(opts.version, opts.description, runbook=rb, date=opts.date), None, "HEAD"
    from relbook.params.gitfacts import release_tags

    v = parse_version(opts.version)
    tag = tag_for(v, str(rb.front_matter.get("tag_prefix", v.channel or "v")))
    released = tag in release_tags(opts.repo, remote=False)
    params = bind(
        opts.version,
        opts.description,
        runbook=rb,
        repo=opts.repo,
        date=opts.date,
        check_tags=not released,
    )
    return params, params.values["previous_tag"], tag if released else "HEAD"


def render_notes(rb: Runbook, opts: NotesInput, ctx: dict[str, Any] | None = None) -> str:
    """Release notes: the runbook's own notes template section drives them if it has one."""
    from relbook.render.notes import notes_fields

    ctx = dict(ctx or notes_context(rb, opts))
    own = notes_fields(rb)
    if own is None:
        return render_template("release-notes.md.j2", ctx, opts.templates)
    title, fields = own
    ctx["fields"] = [_field_value(f, ctx, rb) for f in fields]
    ctx["fields_title"] = title
    return render_template("runbook-notes.md.j2", ctx, opts.templates)


def update_changelog(path: str, ctx: dict[str, Any]) -> str:
    """Add the release's section to a Keep a Changelog file: "added", "created" or "unchanged"."""
    from relbook.render import changelog

    return changelog.update(path, ctx["version"], ctx["date"], ctx["changes"])


def _field_value(f: Any, ctx: dict[str, Any], rb: Runbook) -> dict[str, Any]:
    """A template field with its value: text for one-line fields, lists for the others."""
    from relbook.params import render_text

    scalar = {"name": ctx["tag"], "date": ctx["date"], "summary": ctx["summary"]}
    if f.kind in scalar:
        value: Any = scalar[f.kind]
    elif f.kind == "text":
        value = render_text(
            f.value, ctx["bound"], path=rb.path, line=f.line, example=rb.example_version
        )
    else:
        value = None
    return {"label": f.label, "kind": f.kind, "value": value, "line": f.line}


# -- checklist ---------------------------------------------------------------


def checklist_context(rb: Runbook, params: Params, record: Record | None = None) -> dict[str, Any]:
    """Sections of filled-in steps, normal flow first, contingency sections apart."""
    outcomes = {o.step_id: o for o in record.outcomes} if record else {}
    normal: list[dict[str, Any]] = []
    contingency: list[dict[str, Any]] = []
    for step in rb.steps:
        if step.skip:
            continue
        groups = contingency if step.contingency else normal
        title = _section_title(rb, step)
        if not groups or groups[-1]["title"] != title:
            groups.append({"title": title, "steps": []})
        groups[-1]["steps"].append(_item(rb, step, params, outcomes.get(step.id)))
    known = {s.id for s in rb.steps}
    extra = [o for o in outcomes.values() if o.step_id not in known]
    if extra:
        normal.append({"title": "Not in the current runbook", "steps": [_gone(o) for o in extra]})
    manual = [i for g in normal for i in g["steps"] if i["kind"] != "shell"]
    return {
        "runbook": rb,
        "params": dict(params.values),
        "record": record,
        "items": len(manual),
        "checked": sum(i["status"] in ("done", "already-done") for i in manual),
        "sections": normal,
        "contingency": contingency,
    }


def _gone(o: Any) -> dict[str, Any]:
    """A checklist item for a recorded step that the runbook no longer has."""
    return {
        "id": o.step_id,
        "kind": o.kind,
        "text": o.text,
        "body": o.source,
        "lang": "bash",
        "optional": False,
        "applies_to": "",
        "applicable": True,
        "line": o.line,
        "where": "",
        "outcome": o,
        "status": str(o.status),
        "changed": False,
        "retries": retry_lines(o, ""),
    }


def _section_title(rb: Runbook, step: Step) -> str:
    path = step.section_path
    if len(path) > 1 and path[0] == rb.title:
        path = path[1:]
    return " › ".join(path) or rb.title


def _item(rb: Runbook, step: Step, params: Params, outcome: Any) -> dict[str, Any]:
    """One checklist entry: the step's text and commands filled in, and its outcome."""
    from relbook.params import render_text
    from relbook.params.told import told_text

    where = {"path": rb.path, "example": rb.example_version}
    text = render_text(step.text, params, line=step.line, **where)
    body = told_text(rb.placeholders, step.body, step.line + 1, params.known())
    body = render_text(body, params, line=step.line + 1, **where) if step.body else ""
    return {
        "id": step.id,
        "kind": step.kind.value,
        "text": text,
        "details": [render_text(d, params, line=step.line, **where) for d in step.details],
        "body": body,
        "lang": step.lang or "bash",
        "optional": step.optional,
        "applies_to": step.applies_to,
        "applicable": _applies(step.applies_to, params),
        "line": step.line,
        "where": f"{_here(rb.path)}:{step.line}",
        "outcome": outcome,
        "status": str(outcome.status) if outcome is not None else "",
        "changed": _changed(step, outcome),
        "retries": retry_lines(outcome, rb.path) if outcome is not None else [],
    }


def _here(path: str) -> str:
    """A runbook's path relative to where the command runs, when it is below it."""
    import os

    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def retry_lines(o: Any, path: str) -> list[str]:
    """One line per attempt before the last (with its last line of output), or []."""
    from relbook.record.history import attempt_line, telling_line

    tries = list(o.extra.get("attempts", []) or [])
    out = []
    for a in tries[:-1]:
        last = telling_line(a.get("output") or "")
        out.append(attempt_line(a, path) + (f": `{last}`" if last else ""))
    return out


def _changed(step: Step, outcome: Any) -> bool:
    """True if the step's text or commands differ from what the record ran."""
    if outcome is None or not outcome.source_hash:
        return False
    from relbook.run import step_hash

    return bool(outcome.source_hash != step_hash(step))


def _applies(applies_to: str, params: Params) -> bool:
    """Whether a step marked `major releases only` (...) applies to this release."""
    if not applies_to:
        return True
    from relbook.run.flow import applies, release_kinds

    return applies(applies_to, release_kinds(params))


def check_record_matches(rb: Runbook, record: Record) -> None:
    """Refuse a record that has nothing to do with the runbook."""
    ids = {s.id for s in rb.steps}
    if record.outcomes and not any(o.step_id in ids for o in record.outcomes):
        other = record.meta.get("runbook", {}).get("path", "another runbook")
        raise RelbookError(f"record is of {other}, not of {rb.path}", path=record.path)


def record_issues(record: Record) -> list[str]:
    """Known issues from a record: steps skipped, failed, never finished, or that
    failed before they went through."""
    from relbook.record.history import LOST

    out, undone = [], []
    for o in record.outcomes:
        why = o.reason or o.note
        if o.status.value == "skipped":
            out.append(f"Skipped: {o.text}" + (f" ({why})" if why else ""))
        elif o.status.value in ("failed", "timeout"):
            code = f"exit {o.exit_code}" if o.exit_code is not None else o.status.value
            out.append(f"Failed: {o.text} ({code}{'; ' + why if why else ''})")
        elif o.status.value in ("pending", "interrupted", "running"):
            undone.append(o.text)
        tries = o.extra.get("attempts", []) or []
        if any(a.get("status") in LOST for a in tries[:-1]):
            lines = "; ".join(retry_lines(o, record.meta.get("runbook", {}).get("path", "")))
            out.append(f"{o.text} needed {len(tries)} attempts ({lines})")
    if len(undone) == 1:
        out.append(f"Not done: {undone[0]}")
    elif undone:
        out.append(f"Not done: {len(undone)} steps, from “{undone[0]}” on")
    return out


def checklist_params(rb: Runbook, params: Params) -> Params:
    """Values for people to read: unknown ones shown as `<name>` rather than failing."""
    from relbook.params import Params as P

    values = {k: (v if v is not None else f"<{k}>") for k, v in params.values.items()}
    if not values.get("description"):
        values["description"] = "<description>"
    return P(values, dict(params.sources))


def render_checklist(
    rb: Runbook, params: Params, record: Record | None = None, templates: str | None = None
) -> str:
    """The runbook as a Markdown task list with values filled in (and outcomes, given a record)."""
    ctx = checklist_context(rb, checklist_params(rb, params), record)
    return render_template("checklist.md.j2", ctx, templates)


# -- report ------------------------------------------------------------------


def render_report(
    record: Record, *, runbook: str | None = None, templates: str | None = None
) -> str:
    """The record as one self-contained HTML page (inline CSS and SVG, autoescaped)."""
    from relbook.render.report import report_context

    return render_template("report.html.j2", report_context(record, runbook), templates)
