"""`relbook render`: the checklist filled in, release notes, the report of a record, the
release notebook."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from relbook.cli import COMMANDS, tamper
from relbook.cli.common import emit, load, output_arg, resolve_runbook, runbook_arg, version_args
from relbook.errors import RelbookError


def add(sub: Any) -> None:
    p = sub.add_parser(
        "render",
        help=COMMANDS["render"],
        description="Write a document for a release: the checklist filled in, "
        "release notes from git history, or the HTML report of a record.",
    )
    kinds = p.add_subparsers(dest="document", required=True, metavar="DOCUMENT")
    _add_render_checklist(kinds)
    _add_render_notes(kinds)
    _add_render_report(kinds)
    _add_render_notebook(kinds)


def _add_render_checklist(kinds: Any) -> None:
    c = kinds.add_parser(
        "checklist",
        help="the runbook as a Markdown task list, values filled in (outcomes with --record)",
        description="Markdown task list of RUNBOOK's steps with parameters filled in, "
        "grouped by section; contingency sections last. With --record, each item "
        "shows its outcome: who, when, skip reasons, notes, shell status and duration.",
    )
    runbook_arg(c)
    version_args(c, required=False)
    c.add_argument("--record", metavar="FILE", help="a release record (.ipynb) to fill in outcomes")
    _render_common(c)


def _add_render_notes(kinds: Any) -> None:
    n = kinds.add_parser(
        "notes",
        help="release notes from the git history since the previous release tag",
        description="Release notes for --version: Conventional Commits between the "
        "previous release tag and the new tag (or HEAD), grouped by type; breaking "
        "changes become migration steps. The runbook's own release-notes template "
        "section, if it has one, gives the fields.",
    )
    runbook_arg(n)
    version_args(n, required=True)
    n.add_argument(
        "--known-issue",
        action="append",
        default=[],
        metavar="TEXT",
        help="a known issue to list (repeatable)",
    )
    n.add_argument(
        "--changelog", metavar="FILE", help="also add the version's section to this CHANGELOG.md"
    )
    n.add_argument(
        "--record",
        metavar="FILE",
        help="a release record: its skipped and failed steps become known issues",
    )
    _render_common(n)


def _add_render_report(kinds: Any) -> None:
    r = kinds.add_parser(
        "report",
        help="the HTML report of a release record",
        description="One self-contained HTML page for RECORD: summary, what went "
        "off-script (skipped, failed, added, or changed since in the runbook), a "
        "timeline, and every step with its output.",
    )
    r.add_argument("record", metavar="RECORD", help="a release record (.ipynb)")
    r.add_argument(
        "--runbook",
        metavar="FILE",
        help="compare with this runbook (default: the path in the record)",
    )
    _render_common(r)


def _add_render_notebook(kinds: Any) -> None:
    b = kinds.add_parser(
        "notebook",
        help="the runbook as a parameterized Jupyter notebook that papermill can run",
        description="A Python notebook that runs RUNBOOK one cell per step and writes the "
        "same record as `relbook run`. Its first code cell is tagged `parameters` (version, "
        "description, repo, records, yes, answers, ...): papermill release.ipynb out.ipynb "
        "-p version 1.2.3 -p description '...' -p repo . -p yes True. --version and the "
        "other options set the parameters' defaults.",
    )
    runbook_arg(b)
    version_args(b, required=False)
    b.add_argument("--section", metavar="NAME", help="only this section (e.g. a rollback)")
    output_arg(b)


def _render_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--templates", metavar="DIR", help="directory of templates overriding the shipped ones"
    )
    tamper.force_arg(p)
    output_arg(p)


def run(args: argparse.Namespace) -> int:
    """relbook render checklist|notes|report|notebook."""
    return RENDERERS[args.document](args)


def _render_checklist(args: argparse.Namespace) -> int:
    from relbook.params import bind
    from relbook.render import record_params, render_checklist

    rb = load(args.runbook)
    record = _record_arg(args, rb)
    if record is not None:
        params = record_params(record)
    elif args.release is None:
        raise RelbookError("render checklist: give --version (or --record)")
    else:
        params = bind(
            args.release,
            args.description,
            runbook=rb,
            repo=args.repo,
            date=args.date,
            check_tags=False,
        )
    text = render_checklist(rb, params, record, templates=args.templates)
    emit(tamper.banner(text, getattr(args, "tampered", [])), args.output)
    return 0


def _record_arg(args: argparse.Namespace, rb: Any) -> Any:
    """The record given with --record, checked against the runbook and --version."""
    if not args.record:
        return None
    from relbook.params import parse_version
    from relbook.record import read_record
    from relbook.render import check_record_matches

    args.tampered = tamper.authentic(args.record, args.force)
    record = read_record(args.record)
    check_record_matches(rb, record)
    have = str(record.params.get("version", ""))
    if args.release and str(parse_version(args.release)) != have:
        raise RelbookError(f"record is of version {have}, not {args.release}", path=args.record)
    return record


def _render_notes(args: argparse.Namespace) -> int:
    from relbook.render import NotesInput, notes_context, render_notes

    rb = load(args.runbook)
    opts = NotesInput(
        version=args.release,
        repo=args.repo,
        description=args.description,
        date=args.date,
        known_issues=tuple(args.known_issue),
        templates=args.templates,
        record=_record_arg(args, rb),
    )
    ctx = notes_context(rb, opts)
    text = tamper.banner(render_notes(rb, opts, ctx), getattr(args, "tampered", []))
    if args.changelog:
        from relbook.render import update_changelog

        what = update_changelog(args.changelog, ctx)
        said = {"created": "created with", "added": "added", "unchanged": "already has"}[what]
        print(f"{args.changelog}: {said} section {ctx['version']}", file=sys.stderr)
    emit(text, args.output)
    return 0


def _render_report(args: argparse.Namespace) -> int:
    from relbook.record import read_record
    from relbook.render import render_report

    record = read_record(args.record)
    tampered = tamper.authentic(args.record, args.force)
    runbook = resolve_runbook(args.runbook) if args.runbook else None
    page = render_report(record, runbook=runbook, templates=args.templates)
    emit(tamper.banner(page, tampered, html=True), args.output)
    return 0


def _exclude_from_repo(path: Path) -> None:
    """A file relbook wrote inside a git work tree goes into its info/exclude."""
    from relbook.params.gitfacts import git_out
    from relbook.record.exclude import exclude

    try:
        code, top = git_out(str(path.resolve().parent), "rev-parse", "--show-toplevel")
    except RelbookError:  # no git: nothing to keep out of it
        return
    if code == 0 and top.strip():
        exclude(Path(top.strip()), path)


def _render_notebook(args: argparse.Namespace) -> int:
    from relbook.notebook import notebook_text, release_notebook

    rb = load(args.runbook)
    defaults = {"description": args.description, "repo": args.repo, "date": args.date}
    if args.release is not None:
        from relbook.params import parse_version

        defaults["version"] = str(parse_version(args.release))
    defaults = {k: v for k, v in defaults.items() if v}
    nb = release_notebook(rb, section=args.section or "", defaults=defaults)
    emit(notebook_text(nb), args.output)
    if args.output:
        _exclude_from_repo(Path(args.output))
    return 0


RENDERERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "checklist": _render_checklist,
    "notes": _render_notes,
    "report": _render_report,
    "notebook": _render_notebook,
}
