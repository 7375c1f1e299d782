"""Command line: argparse; the only module that prints or exits."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from relbook import __version__
from relbook.cli import tamper
from relbook.cli.metrics import _add_metrics, cmd_metrics, print_json
from relbook.cli.values import add_value_args, bind_args, given_values, run_values, show_plan
from relbook.errors import RelbookError, check_utf8_arguments, write_failure

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}
_OUTPUT_MASK: list[Any] = [None]  # the secrets of the command running, for the files it writes


def command(name: str) -> Callable[[Callable[[argparse.Namespace], int]], Any]:
    """Register `cmd_<name>` as the handler of a subcommand."""

    def deco(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = fn
        return fn

    return deco


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `relbook` console script."""
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        args = _parser(words).parse_args(words)
        check_utf8_arguments(vars(args))
        args.argv = words
        from relbook.record.mask import Masker, masked_output  # not for --help

        _OUTPUT_MASK[0] = masker = Masker.from_env(None, getattr(args, "mask", None) or ())
        if masker.warning:
            print(f"relbook: {masker.warning}", file=sys.stderr)
        with masked_output(masker):
            return COMMANDS[args.command](args)
    except BrokenPipeError:
        return 0
    except (RelbookError, OSError) as e:  # OSError: a write failure not wrapped where it was
        e = write_failure(e) if isinstance(e, OSError) else e  # disk full, read-only: 1 line
        print(f"relbook: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM/SIGHUP during a run
        signum = getattr(e, "signum", 2)
        print(f"relbook: {_stopped_by(signum)}", file=sys.stderr)
        return 128 + signum


def _stopped_by(signum: int) -> str:
    """How relbook says it was stopped by a signal."""
    return {15: "terminated (SIGTERM)", 1: "hung up (SIGHUP)"}.get(signum, "interrupted")


def _parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; given argv naming a command, only that command's
    arguments are built (building every subcommand costs start-up time)."""
    p = argparse.ArgumentParser(
        prog="relbook",
        description="Run Markdown release guides as parameterized runbooks, "
        "with a notebook record of every release.",
    )
    p.add_argument("--version", action="version", version=f"relbook {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = next((w for w in argv or () if not w.startswith("-")), None)
    names = [add.__name__.removeprefix("_add_") for add in PARSERS]
    for name, add in zip(names, PARSERS, strict=True):
        if wanted not in names or name == wanted:
            add(sub)
    return p


def _runbook_arg(p: argparse.ArgumentParser, name: str = "runbook") -> None:
    p.add_argument(
        name,
        metavar=name.upper(),
        help="Markdown runbook (a path, or a shipped runbook's name such as release-management)",
    )


def _output_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", metavar="OUT", help="output file (default: stdout)")


def _records_arg(p: argparse.ArgumentParser, text: str) -> None:
    p.add_argument("--records", default="records", metavar="DIR", help=text)


def _flags(p: argparse.ArgumentParser, *flags: tuple[str, str]) -> None:
    """Add on/off options, each given as (option, help)."""
    for flag, text in flags:
        p.add_argument(flag, action="store_true", help=text)


def resolve_runbook(path: str) -> str:
    """A path as given, or a shipped runbook's path when `path` names one."""
    try:
        if Path(path).exists():
            return path
    except OSError:  # a name too long for the file system: read_runbook reports it
        return path
    from importlib import resources

    name = path if path.endswith(".md") else f"{path}.md"
    shipped = resources.files("relbook") / "runbooks" / Path(name).name
    if shipped.is_file():
        return str(shipped)
    local = Path(__file__).resolve().parents[3] / "runbooks" / Path(name).name
    return str(local) if local.is_file() else path


def load(path: str) -> Any:
    """Read and parse a runbook given on the command line."""
    from relbook.parse import read_runbook

    return read_runbook(resolve_runbook(path))


# -- parse -------------------------------------------------------------------


def _add_parse(sub: Any) -> None:
    p = sub.add_parser(
        "parse",
        help="list a runbook's steps, sections and parameters",
        description="List the steps of RUNBOOK in order, each with its file:line.",
    )
    _runbook_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output (see README)")


@command("parse")
def cmd_parse(args: argparse.Namespace) -> int:
    from relbook.render.outline import outline, runbook_json

    rb = load(args.runbook)
    if args.json:
        print_json(runbook_json(rb))
    else:
        print(outline(rb))
    return 0


# -- params ------------------------------------------------------------------


def _add_params(sub: Any) -> None:
    p = sub.add_parser(
        "params",
        help="show parameters, their values and where they are used",
        description="Show each parameter of RUNBOOK, its value, and every "
        "file:line that uses it; with --version, the commands filled in.",
    )
    _runbook_arg(p)
    _version_args(p, required=False)


def _version_args(p: argparse.ArgumentParser, *, required: bool) -> None:
    p.add_argument(
        "--version",
        dest="release",
        metavar="V",
        required=required,
        help="the version being released (SemVer; a leading v is fine; `auto`: the next "
        "version the Conventional Commits since the previous tag imply)",
    )
    p.add_argument("--description", default="", metavar="D", help="one-line release description")
    p.add_argument("--repo", metavar="DIR", help="git repository (tags give previous_version)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="release date (default: today)")
    add_value_args(p)


@command("params")
def cmd_params(args: argparse.Namespace) -> int:
    from relbook.render.outline import params_table

    rb = load(args.runbook)
    suggestion = _suggest(args.repo, rb) if args.repo else None
    if args.release == "auto":
        _resolve_auto(args, rb)
    params = bind_args(args, rb) if args.release is not None else None
    print(params_table(rb, params))
    if suggestion:
        print(f"\nsuggested next version: {suggestion[0]} ({suggestion[1]})")
    return 0


def _suggest(repo: str, rb: Any) -> tuple[str, str] | None:
    """The next version the history of `repo` implies, and why."""
    from relbook.params.history import suggest_version

    return suggest_version(repo, str(rb.front_matter.get("tag_prefix", "v")))


def _resolve_auto(args: argparse.Namespace, rb: Any) -> None:
    """`--version auto`: the version the history implies, said on stderr."""
    if args.release != "auto":
        return
    found = _suggest(args.repo or ".", rb)
    if found is None:
        raise RelbookError(
            "--version auto: no feature, fix or breaking change since the previous release "
            "tag; give --version V"
        )
    args.release = found[0]
    args.argv = [found[0] if a == "auto" else a for a in getattr(args, "argv", [])]
    print(f"version: {found[0]} ({found[1]})", file=sys.stderr)


# -- parameterize ------------------------------------------------------------


def _add_parameterize(sub: Any) -> None:
    p = sub.add_parser(
        "parameterize",
        help="rewrite a guide's example literals as {{ placeholders }}",
        description="Write GUIDE with its example version, neighbours and "
        "bracketed placeholders turned into {{ version }}, {{ description }}, ...",
    )
    _runbook_arg(p, "guide")
    _output_arg(p)


@command("parameterize")
def cmd_parameterize(args: argparse.Namespace) -> int:
    from relbook.render.outline import parameterize

    rb = load(args.guide)
    text = parameterize(rb)
    _emit(text, args.output, f" ({len(rb.placeholders)} placeholders)")
    return 0


# -- render ------------------------------------------------------------------


def _add_render(sub: Any) -> None:
    p = sub.add_parser(
        "render",
        help="filled checklist, release notes, release report, release notebook",
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
    _runbook_arg(c)
    _version_args(c, required=False)
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
    _runbook_arg(n)
    _version_args(n, required=True)
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
    _runbook_arg(b)
    _version_args(b, required=False)
    b.add_argument("--section", metavar="NAME", help="only this section (e.g. a rollback)")
    _output_arg(b)


def _render_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--templates", metavar="DIR", help="directory of templates overriding the shipped ones"
    )
    tamper.force_arg(p)
    _output_arg(p)


@command("render")
def cmd_render(args: argparse.Namespace) -> int:
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
    _emit(tamper.banner(text, getattr(args, "tampered", [])), args.output)
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
    _emit(text, args.output)
    return 0


def _emit(text: str, output: str | None, detail: str = "") -> None:
    """Write a command's document to OUT (atomically) or to stdout."""
    text = _OUTPUT_MASK[0].mask(text) if _OUTPUT_MASK[0] else text
    if output:
        from relbook.record.files import write_atomic

        write_atomic(Path(output), text.encode("utf-8"))
        print(f"wrote {output}{detail}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def _render_report(args: argparse.Namespace) -> int:
    from relbook.record import read_record
    from relbook.render import render_report

    record = read_record(args.record)
    tampered = tamper.authentic(args.record, args.force)
    runbook = resolve_runbook(args.runbook) if args.runbook else None
    page = render_report(record, runbook=runbook, templates=args.templates)
    _emit(tamper.banner(page, tampered, html=True), args.output)
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
    _emit(notebook_text(nb), args.output)
    if args.output:
        _exclude_from_repo(Path(args.output))
    return 0


RENDERERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "checklist": _render_checklist,
    "notes": _render_notes,
    "report": _render_report,
    "notebook": _render_notebook,
}


# -- run -----------------------------------------------------------------------


def _add_run(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run a release: execute shell steps, ask for manual ones, record everything",
        description="Run RUNBOOK for one release. Re-running the same command resumes an "
        "unfinished release. Exit status: 0 done, 1 a step failed, 2 bad input, 3 paused "
        "waiting for a manual step, 130 interrupted (Ctrl-C), 143 SIGTERM, 129 SIGHUP.",
    )
    _runbook_arg(p)
    _version_args(p, required=True)
    _records_arg(p, "where records are kept (default: ./records)")
    p.add_argument(
        "--engine",
        choices=["local", "papermill"],
        default="local",
        help="local: steps run in this process (default); papermill: the release as a "
        "parameterized notebook executed by papermill, the same record either way",
    )
    _flags(
        p,
        ("--dry-run", "show every step filled in; execute nothing, record nothing"),
        ("--yes", "confirm every manual step and allow remote/destructive steps"),
        ("--json", "with --dry-run: the plan as JSON (schema relbook.plan/1)"),
    )
    p.add_argument(
        "--answers", metavar="FILE", help="YAML: step id or text -> done | 'skip: reason' | fail"
    )
    p.add_argument("--section", metavar="NAME", help="run only this section (e.g. a rollback)")
    p.add_argument("--from", dest="from_step", metavar="STEP", help="start at this step id")
    p.add_argument(
        "--timeout", type=_duration, metavar="S", help="per-step timeout: 90, 90s, 10m, 1h"
    )
    p.add_argument("--operator", metavar="NAME", help="who is running the release")
    p.add_argument(
        "--signer",
        metavar="NAME",
        help="you, the operator, sign the sign-offs this run reaches as NAME (your name or "
        "git user.email), with your SSH signing key (user.signingkey); others sign with "
        "`relbook sign RECORD STEP`. --yes and --answers never sign",
    )
    p.add_argument(
        "--signing-key", metavar="FILE", help="with --signer: the SSH key (default: signingkey)"
    )
    _flags(
        p,
        ("--rerun-interrupted", "re-run a step that was running when relbook was stopped"),
        ("--allow-changed", "continue although steps changed since the release began"),
        ("--new-attempt", "start a new attempt of a finished release, in its own record"),
        ("--allow-dirty", "run although the repository has uncommitted changes"),
    )
    p.add_argument(
        "--mask",
        action="append",
        default=[],
        metavar="NAME",
        help="also mask the value of this environment variable",
    )
    p.add_argument(
        "--override-blackout",
        metavar="REASON",
        help="run inside a blackout window; the reason is recorded",
    )
    p.add_argument(
        "--allow-bump",
        choices=("patch", "minor", "major"),
        metavar="BUMP",
        help="release although the commits since the previous tag imply a larger bump "
        "(patch, minor or major: the bump this version is); needs --reason, which is recorded",
    )
    p.add_argument("--reason", default="", metavar="TEXT", help="why, for --allow-bump")
    from relbook.cli.ci import add_job_args

    add_job_args(p)


def _answers(args: argparse.Namespace) -> dict[str, Any]:
    """The --answers file of run and drill, read; {} without one."""
    from relbook.run import load_answers

    return load_answers(args.answers) if args.answers else {}


def _invocation(args: argparse.Namespace) -> str:
    """The command line as typed, for the record."""
    import shlex

    return "relbook " + shlex.join(args.argv)


@command("run")
def cmd_run(args: argparse.Namespace) -> int:
    import os

    from relbook.cli.ci import github_report, job_answers_for, job_approvals_for
    from relbook.run import RunOptions
    from relbook.run.ci import github_run

    rb = load(args.runbook)
    ci = github_run(os.environ)
    answers = {**job_answers_for(args, rb, ci), **_answers(args)}
    if args.job and not args.dry_run:
        from relbook.run.ci import prepare_checkout

        prepare_checkout(args.repo or ".")
    _resolve_auto(args, rb)
    opts = RunOptions(
        version=args.release,
        description=args.description,
        repo=args.repo or ".",
        records=args.records,
        dry_run=args.dry_run,
        yes=args.yes,
        answers=answers,
        section=args.section or "",
        from_step=args.from_step or "",
        timeout=args.timeout,
        operator=args.operator or ci.get("actor", ""),
        signer=args.signer or "",
        signing_key=os.path.expanduser(args.signing_key) if args.signing_key else "",
        approvals=job_approvals_for(args, rb, ci),
        rerun_interrupted=args.rerun_interrupted or bool(args.job),
        allow_changed=args.allow_changed,
        new_attempt=args.new_attempt,
        allow_dirty=args.allow_dirty,
        mask=args.mask,
        date=args.date,
        override_blackout=args.override_blackout or "",
        engine=args.engine,
        command=_invocation(args),
        job=args.job or "",
        ci=ci,
        allow_bump=args.allow_bump or "",
        bump_reason=args.reason,
        **run_values(args),
    )
    if not ci:
        from relbook.ui import TerminalUI

        return _run(rb, opts, TerminalUI(path=rb.path))
    from relbook.record.mask import Masker
    from relbook.ui.github import GitHubUI

    ui = GitHubUI(path=rb.path)
    ui.add_masks(Masker.from_env(None, opts.mask).secrets)
    return _run(rb, opts, ui, report=lambda runner: github_report(runner, opts))


def _run(rb: Any, opts: Any, ui: Any, report: Callable[[Any], None] | None = None) -> int:
    """Run the release; the exit status and messages of `relbook run`."""
    from relbook.run import STOPS, Runner, RunResult, stop_message

    runner = Runner(rb, opts, ui)
    try:
        if opts.engine == "papermill" and not opts.dry_run:
            from relbook.notebook.pmengine import run_papermill

            try:
                result = run_papermill(runner)
            except tuple(STOPS) as e:  # what stopped the run inside the kernel
                result = RunResult(STOPS[type(e)].code, runner.paths.notebook, error=e)
        else:
            result = runner.run()
    finally:
        if report:
            report(runner)
    if result.error is not None:
        print(stop_message(result.error), file=sys.stderr)
        return result.code
    show_plan(result)
    if result.record:
        print(f"record: {result.record}  ({result.state.result if result.state else ''})")
    return result.code


# -- drill ---------------------------------------------------------------------


def _add_drill(sub: Any) -> None:
    p = sub.add_parser(
        "drill",
        help="rehearse a release in a sandbox with injected faults, and score it",
        description="Rehearse RUNBOOK in a throw-away sandbox: a clone of --repo (or a "
        "generated demo repository) whose origin is a bare repository in the sandbox, with "
        "remote tools replaced by logging shims. The real remote is never contacted. "
        "Exit status: 0 the drill went as the scenario expects, 1 it did not, 2 bad input, "
        "3 a tabletop drill is waiting for an answer.",
    )
    _runbook_arg(p)
    _version_args(p, required=False)  # required, except with --list-scenarios
    p.add_argument(
        "--scenario",
        default="",
        metavar="NAME|FILE",
        help="built-in scenario name or a YAML file (default: happy-path; --list-scenarios)",
    )
    p.add_argument(
        "--tabletop",
        action="store_true",
        help="execute nothing: walk the participants through the steps and events",
    )
    p.add_argument(
        "--answers", metavar="FILE", help="YAML: step id -> answer, event:<fault-id> -> response"
    )
    p.add_argument("--keep", action="store_true", help="keep the sandbox and print where it is")
    _records_arg(p, "drill records go to DIR/drills/<runbook>/ (default: ./records)")
    p.add_argument("--operator", metavar="NAME", help="who runs the drill")
    p.add_argument(
        "--list-scenarios", action="store_true", help="list the built-in scenarios and exit"
    )


def _duration(value: str) -> float:
    """--timeout as the directive takes it: seconds, or with s, m or h."""
    from relbook.parse import parse_duration

    seconds = parse_duration(value)
    if seconds is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a duration (90, 90s, 10m, 1h)")
    return seconds


@command("drill")
def cmd_drill(args: argparse.Namespace) -> int:
    from relbook.drill import Drill, DrillOptions
    from relbook.drill.scorecard import render_scorecard
    from relbook.ui import TerminalUI
    from relbook.ui.drill import DrillUI

    rb = load(args.runbook)
    if args.list_scenarios:
        from relbook.drill.scenario import builtins, load_scenario

        for name, path in sorted(builtins(rb.name).items()):
            print(f"{name:22} {load_scenario(path, rb).title}")
        return 0
    if not args.release:
        raise RelbookError("drill: --version is required (except with --list-scenarios)")
    opts = DrillOptions(
        version=args.release,
        description=args.description,
        repo=args.repo,
        scenario=args.scenario,
        tabletop=args.tabletop,
        answers=_answers(args),
        keep=args.keep,
        records=args.records,
        operator=args.operator or "",
        date=args.date,
        command=_invocation(args),
        params=given_values(args),
    )
    report = Drill(rb, opts, DrillUI(TerminalUI(path=rb.path))).run()
    print()
    print(render_scorecard(report), end="")
    print()
    print(f"record: {report.record}")
    print(f"scorecard: {report.scorecard}")
    if report.sandbox:
        print(f"sandbox: {report.sandbox}")
    if report.paused:
        print(f"relbook: drill waiting: {report.paused}", file=sys.stderr)
        return report.code
    for check in report.checks:
        if check.held is False:
            where = "" if check.implicit else f"{report.scenario.path}:{check.expectation.line}: "
            print(
                f"relbook: drill: {where}expectation failed: {check.expectation.describe()}: "
                f"{check.why}",
                file=sys.stderr,
            )
    return report.code


# -- lint --------------------------------------------------------------------


def _add_lint(sub: Any) -> None:
    from relbook.guard.codes import codes_help

    p = sub.add_parser(
        "lint",
        help="check a runbook: shellcheck on its blocks, plus relbook's own checks",
        description="Report problems in RUNBOOK, each at its file:line: shellcheck "
        "findings in shell blocks (SC codes) and relbook's checks (RB codes). "
        "Exit 1 when there are findings, 0 when the runbook is clean.",
        epilog=codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _runbook_arg(p)
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")


@command("lint")
def cmd_lint(args: argparse.Namespace) -> int:
    from relbook.guard.lint import lint_json, lint_runbook

    rb = load(args.runbook)
    findings = lint_runbook(rb)
    if args.format == "json":
        print_json(lint_json(rb, findings))
    else:
        for f in findings:
            print(f)
        n = len(findings)
        summary = f"{n} finding{'s' * (n != 1)}" if n else "clean"
        print(f"{rb.path}: {summary}", file=sys.stderr)
    return 1 if findings else 0


# -- export ------------------------------------------------------------------


def _add_export(sub: Any) -> None:
    from relbook.cli.export import add_export

    add_export(sub, _runbook_arg, _output_arg)


@command("export")
def cmd_export(args: argparse.Namespace) -> int:
    from relbook.cli.export import run_export

    return run_export(args, load, _emit)


COMMANDS["metrics"] = cmd_metrics


def _add_sign(sub: Any) -> None:
    from relbook.cli.sign import add_sign

    add_sign(sub)


@command("sign")
def cmd_sign(args: argparse.Namespace) -> int:
    from relbook.cli.sign import cmd_sign as sign

    return sign(args)


PARSERS: list[Callable[[Any], None]] = [
    _add_parse,
    _add_params,
    _add_parameterize,
    _add_run,
    _add_render,
    _add_lint,
    _add_export,
    _add_metrics,
    _add_drill,
    _add_sign,
]
