"""Text and JSON views of a parsed runbook (parse, params, parameterize)."""

from __future__ import annotations

from typing import Any

from relbook.model import Kind, Runbook, Step
from relbook.params import Params, explicit_form, render_text

SCHEMA = "relbook.parse/1"


def outline(rb: Runbook) -> str:
    """A numbered outline: one line per step with its `file:line`."""
    tasks = [s for s in rb.steps if s.task]
    shells = [s for s in rb.steps if s.kind is Kind.SHELL]
    lines = [
        f"{rb.title}  ({rb.path})",
        f"{len(tasks)} task items ({sum(s.kind is Kind.SIGNOFF for s in tasks)} sign-offs), "
        f"{len(shells)} shell blocks, {len(rb.steps)} steps"
        + (f"; example version {rb.example_version}" if rb.example_version else ""),
    ]
    current: tuple[str, ...] = ()
    for n, step in enumerate(rb.steps, 1):
        if step.section_path != current:
            current = step.section_path
            sec = next((s for s in rb.sections if s.path == current), None)
            flags = " [contingency: runs only with --section]" if sec and sec.contingency else ""
            where = f"{rb.path}:{sec.line}: " if sec else ""
            shown = current[1:] if len(current) > 1 and current[0] == rb.title else current
            lines.append(f"\n{where}## {' > '.join(shown) or '(top)'}{flags}")
        lines.append(f"{rb.path}:{step.line}: {n}. {_describe(step)}")
        lines.extend(f"{rb.path}:{step.line}:      - {d}" for d in step.details)
        ids = {id(p): i for i, p in step.instructions()}
        for part in step.parts:
            mark = "$" if part.kind == "command" else f"? (instruction {ids[id(part)]})"
            src = part.source.replace("\n", "\n      ")
            lines.append(f"{rb.path}:{part.line}:      {mark} {src}")
    for f in rb.findings:
        lines.append(f"{rb.path}:{f.line}: warning: {f.message}")
    return "\n".join(lines)


def _describe(step: Step) -> str:
    box = ("[x] " if step.checked else "[ ] ") if step.task else ""
    flags = [step.kind.value]
    if step.optional:
        flags.append("optional")
    if step.contingency:
        flags.append("contingency")
    if step.applies_to:
        flags.append(f"{step.applies_to} releases only")
    if step.skip:
        flags.append("skipped by directive")
    return f"[{', '.join(flags)}] {box}{step.text}  (id {step.id})"


def runbook_json(rb: Runbook) -> dict[str, Any]:
    """The documented, stable JSON form of a runbook (schema relbook.parse/1)."""
    return {
        "schema": SCHEMA,
        "path": rb.path,
        "title": rb.title,
        "sha256": rb.sha256,
        "example_version": rb.example_version,
        "front_matter": rb.front_matter,
        "sections": [
            {
                "id": s.id,
                "title": s.title,
                "level": s.level,
                "line": s.line,
                "path": list(s.path),
                "contingency": s.contingency,
                "signoff": s.signoff,
            }
            for s in rb.sections
        ],
        "steps": [step_json(s) for s in rb.steps],
        "choices": [
            {"id": c.id, "line": c.line, "options": [vars(o) for o in c.options]}
            for c in rb.choices
        ],
        "placeholders": [
            {"name": p.name, "line": p.line, "literal": p.literal} for p in rb.placeholders
        ],
        "findings": [{"line": f.line, "code": f.code, "message": f.message} for f in rb.findings],
    }


def step_json(s: Step) -> dict[str, Any]:
    """One step as JSON."""
    ids = {id(p): i for i, p in s.instructions()}
    return {
        "id": s.id,
        "kind": s.kind.value,
        "text": s.text,
        "line": s.line,
        "section": s.section,
        "section_path": list(s.section_path),
        "task": s.task,
        "checked": s.checked,
        "numbered": s.numbered,
        "details": list(s.details),
        "optional": s.optional,
        "contingency": s.contingency,
        "skip": s.skip,
        "applies_to": s.applies_to,
        "applies_from": s.applies_from,
        "choice": s.choice,
        "option": s.option,
        "timeout": s.timeout,
        "done_if": s.done_if,
        "confirm": s.confirm,
        "lang": s.lang,
        "body": s.body,
        "parts": [
            {
                "kind": p.kind,
                "line": p.line,
                "source": p.source,
                "comment": p.comment,
                **({"id": ids[id(p)]} if id(p) in ids else {}),
            }
            for p in s.parts
        ]
        + [
            {"kind": "detail", "line": line, "source": text, "comment": ""}
            for line, text in zip(s.detail_lines, s.details, strict=False)
        ],
    }


def params_table(rb: Runbook, params: Params | None) -> str:
    """Each parameter, its value, and every file:line that uses it."""
    uses: dict[str, list[str]] = {}
    for p in rb.placeholders:
        uses.setdefault(p.name, []).append(f"{rb.path}:{p.line} ({p.literal})")
    uses = {k: _compact(v) for k, v in uses.items()}
    names = list(params.values) if params else sorted(uses)
    rows = []
    for name in names:
        value = params.values.get(name) if params else _example_value(rb, name)
        shown = "(unknown)" if value is None else (value if value != "" else '""')
        source = params.sources.get(name, "derived") if params else "example in the guide"
        rows.append((name, shown, source, uses.get(name, [])))
    width = max((len(r[0]) for r in rows), default=8)
    vwidth = max((len(r[1]) for r in rows), default=8)
    out = [f"{'parameter':<{width}}  {'value':<{vwidth}}  source"]
    for name, shown, source, where in rows:
        out.append(f"{name:<{width}}  {shown:<{vwidth}}  {source}")
        out.extend(f"{'':<{width}}    used at {w}" for w in where)
    if rb.example_version:
        out.append(f"\nexample version in the guide: {rb.example_version}")
    if params:
        out.append("\ncommands with these values:")
        for step in rb.steps:
            for part in step.commands:
                text = _filled(part.source, rb, params, part.line)
                out.append(f"{rb.path}:{part.line}: {text}")
    return "\n".join(out)


def _compact(where: list[str]) -> list[str]:
    """Group uses by literal: `path:46, 51, 52 (1.2.3)`."""
    groups: dict[tuple[str, str], list[str]] = {}
    for w in where:
        loc, _, lit = w.partition(" ")
        path, _, line = loc.rpartition(":")
        if line not in groups.setdefault((path, lit), []):
            groups[(path, lit)].append(line)
    return [f"{p}:{', '.join(lines)} {lit}" for (p, lit), lines in groups.items()]


def _filled(source: str, rb: Runbook, params: Params, line: int) -> str:
    from relbook.errors import ParamError
    from relbook.params.told import told_text

    try:
        told = told_text(rb.placeholders, source, line, params.known())
        return render_text(told, params, path=rb.path, line=line, example=rb.example_version)
    except ParamError as e:
        return f"{explicit_form(source, rb.example_version)}    # cannot fill in: {e.msg}"


def _example_value(rb: Runbook, name: str) -> str | None:
    lit = next((p.literal for p in rb.placeholders if p.name == name), None)
    return lit


def parameterize(rb: Runbook) -> str:
    """The guide with everything relbook reads into it written out (render.explicit)."""
    from relbook.render.explicit import parameterize as explicit

    return explicit(rb)
