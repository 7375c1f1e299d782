"""The dry run as a document: the text `relbook run --dry-run` shows, built from the
plan (schema relbook.plan/1) and nothing else."""

from __future__ import annotations

from typing import Any

DONE = "dry run: nothing was executed and no record was written"


def render_dry_run(plan: dict[str, Any]) -> str:
    """Every step the run would take, values filled in, flags and marks; one line a row."""
    path = plan["runbook"]
    steps = [s for s in plan["steps"] if s["status"] != "skipped"]
    rows: list[str] = []
    for n, step in enumerate(steps, 1):
        flags = _flags(step)
        rows.append(
            f"[{n}/{len(steps)}] {step['section']} > {step['text']}  ({path}:{step['line']})"
            + (f"  [{'; '.join(flags)}]" if flags else "")
        )
        rows += [f"    - {detail}" for detail in step["details"]]
        parts = [(c["line"], 1, c) for c in step["commands"]]
        parts += [(i["line"], 0, i) for i in step["instructions"]]
        for _, is_command, part in sorted(parts, key=lambda p: (p[0], p[1])):
            rows.append(_command(part, path) if is_command else _instruction(part, path))
    rows += _standing_by(plan, path)
    rows.append(DONE)
    return "\n".join(rows)


def _standing_by(plan: dict[str, Any], path: str) -> list[str]:
    """The contingency steps the run leaves out, and how to run them: one line."""
    waiting = [s for s in plan["steps"] if s.get("contingency") and s["status"] == "skipped"]
    if not waiting:
        return []
    sections = list(dict.fromkeys(s["section"] for s in waiting))
    at = ", ".join(f"{path}:{s['line']}" for s in waiting[:3]) + (
        ", ..." if len(waiting) > 3 else ""
    )
    named = ", ".join(f"'{name}'" for name in sections[:3]) + (", ..." if len(sections) > 3 else "")
    return [
        f"not in this run: {len(waiting)} step(s) for when things go wrong ({at}), in {named}: "
        "run one with --section NAME"
    ]


def _flags(step: dict[str, Any]) -> list[str]:
    if step["status"] == "not-applicable":
        return [f"not applicable: {step['reason']}"]
    flags = [step["way"]] if step["way"] else []  # a step of a choice: which way, or asked
    if step["status"] == "blocked":
        flags.append(f"blocked: {step['reason']}")
    if step["optional"]:
        why = step["optional_why"]
        flags.append(f"optional: {why}" if why else "optional")
    return flags


def _instruction(part: dict[str, Any], path: str) -> str:
    how = f"relbook can {part['automation']}" if part["automation"] else "asked like a manual step"
    rows = [f"    ? {part['text']}  ({path}:{part['line']}; {part['id']}; {how})"]
    return "\n".join(rows + [f"      {row}" for row in part["diff"].splitlines()])


def _command(part: dict[str, Any], path: str) -> str:
    if "placeholder" in part:
        return (
            f"    $ {part['written']}  [blocked: unfilled placeholder {part['placeholder']}, "
            f"give it with {part['give_with']}]  ({path}:{part['line']})"
        )
    marks = part["risk"].split(",") if part["risk"] else []
    tag = f"  [{', '.join(marks)}]" if marks else ""
    return f"    $ {part['text']}{tag}  ({path}:{part['line']})"
