"""What is checked before a run starts: where its record is, what an earlier record says,
the blackout calendar, edits since the release began, and a dirty repository."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relbook.datatype import datatype
from relbook.errors import RecordError, RelbookError
from relbook.model import Runbook, Step
from relbook.params import Params, bind
from relbook.record import (
    RecordPaths,
    State,
    check_notebook,
    latest_attempt,
    read_journal,
    record_paths,
    replay,
)
from relbook.record.mask import Masker
from relbook.run.flow import plan_steps, step_hash
from relbook.run.recovery import check_journal_covers_notebook, keep_values, repair_finished

if TYPE_CHECKING:
    from relbook.run.options import UI, RunOptions


@datatype
class Prepared:
    """What preflight found: the bound parameters, the plan, the earlier record."""

    params: Params
    steps: list[Step]
    state: State | None
    blackout: dict[str, Any] | None = None
    version_check: dict[str, Any] | None = None  # the version against its history
    allowed_changes: str = ""  # steps edited since the release began, let through


class Preflight:
    """Checks a run before anything is written or executed."""

    def __init__(self, rb: Runbook, opts: RunOptions, ui: UI, repo: str, version: str) -> None:
        self.rb, self.opts, self.ui, self.repo, self.version = rb, opts, ui, repo, version
        self.executes = True  # commands run for real (not a walkthrough or a fake engine)

    def git_repo(self) -> str | None:
        """The repository, when it is a git work tree."""
        return self.repo if (Path(self.repo) / ".git").exists() else None

    def locate(self) -> tuple[RecordPaths, int]:
        """Where this release's record is (a new attempt gets its own), and its attempt."""
        v = self.version
        records = Path(self.opts.records)
        attempt = max(latest_attempt(records, self.rb.name, v), 1)
        if self.opts.new_attempt:
            attempt += 1 if record_paths(records, self.rb.name, v, attempt).journal.exists() else 0
        return record_paths(records, self.rb.name, v, attempt), attempt

    def prepare(self, paths: RecordPaths, attempt: int) -> Prepared:
        """Bind parameters, find an earlier record, and plan the steps."""
        state = self.earlier(paths, attempt)
        description = self.opts.description
        if state and not description:
            description = state.meta.get("params", {}).get("description", "")
        params = bind(
            self.opts.version,  # as given: a channel (edge-26.8.4) names the tags' prefix
            description,
            runbook=self.rb,
            repo=self.git_repo(),
            date=self.opts.date,
            check_tags=state is None and not self.opts.new_attempt,
            extra=self.opts.params,
        )
        if state:
            self.keep_values(state, params, paths)
        steps = plan_steps(self.rb, self.opts.section, self.opts.from_step)
        if state is None and not self.opts.dry_run:
            repo = self.git_repo() if self.executes else self.repo
            problems = workspace_problems(self.rb, steps, self.opts, repo)
            if self.executes:  # what the machine must have: programs, remotes
                problems += machine_problems(self.rb, steps, self.opts, params, repo)
            if problems:  # all of them at once, before anything is recorded
                raise PreflightError(self.rb.path, problems)
            for warning in old_ids(self.rb, self.opts.answers):
                self.ui.info(f"warning: {warning}")
        blackout = self.blackout(state)
        version_check = self.check_history(params) if state is None else None
        changed = self.check_changed(state, steps) if state else ""
        return Prepared(params, steps, state, blackout, version_check, changed)

    def _masker(self, params: Params) -> Masker:
        return Masker.from_env({**os.environ, **self.opts.env, **params.env()}, self.opts.mask)

    def keep_values(self, state: State, params: Params, paths: RecordPaths) -> None:
        """A resume runs with the values its release began with (see recovery)."""
        keep_values(state, params, self.opts, f"{self.rb.name} {self.version}", paths)

    def check_history(self, params: Params) -> dict[str, Any] | None:
        """Refuse a version smaller than its Conventional Commits imply, and check the version
        files, before any step (warnings in a dry run; a contingency section is not checked).
        Returns the verdict for the record."""
        repo = self.git_repo()
        if not repo or self.opts.section:
            return None
        try:
            return self._check_version(repo, params)
        except RelbookError as e:
            if not self.opts.dry_run:
                raise
            self._notice(f"warning: {e}")
            return None

    def _notice(self, text: str) -> None:
        """A warning before the run: on stderr when stdout carries a JSON document."""
        if self.opts.json:
            import sys

            print(text, file=sys.stderr)
        else:
            self.ui.info(text)

    def _check_version(self, repo: str, params: Params) -> dict[str, Any]:
        from relbook.params.history import check_version, read_history

        values = params.values
        previous = values.get("previous_version")
        history = read_history(repo, values.get("previous_tag"), zero=(previous or "1")[0] == "0")
        verdict = check_version(
            values["version"], previous, history, self.opts.allow_bump, self.opts.bump_reason
        )
        if verdict.warning:
            self._notice(f"warning: {verdict.warning}")
        if verdict.override:
            reason = self._masker(params).mask(verdict.override["reason"])
            self._notice(f"version check overridden: {verdict.actual} bump allowed ({reason})")
        if any(p.kind == "instruction" for s in self.rb.steps for p in s.parts):
            from relbook.params.bump import plan_bump

            plan_bump(repo, values["version"], self.rb.front_matter, previous)
        return verdict.as_json()

    def earlier(self, paths: RecordPaths, attempt: int) -> State | None:
        """The state of this attempt's record so far (None for a new one)."""
        check_notebook(paths.notebook)
        events = read_journal(paths.journal)
        if not events and paths.notebook.exists():
            raise RecordError(
                "record has no journal beside it (missing, or cut short before its first "
                "event); relbook cannot continue it "
                "safely: move it aside or restore the journal",
                path=str(paths.notebook),
            )
        state = replay(events) if events else None
        if state:
            check_journal_covers_notebook(paths, state)
        if state and state.result == "done" and not self.opts.section:
            from relbook.record import NotebookWriter

            repaired = repair_finished(paths, self.rb, NotebookWriter(), self.ui, state)
            raise RelbookError(
                f"{self.rb.name} {self.version} was already released (record {paths.notebook}, "
                f"finished {state.meta.get('ended', '')}"
                + ("; its notebook was rewritten from the journal" if repaired else "")
                + f"); use --new-attempt to start attempt "
                f"{attempt + 1}, or --section NAME to run a contingency section"
            )
        return state

    def blackout(self, state: State | None) -> dict[str, Any] | None:
        """Refuse a release inside a blackout window unless overridden (not for contingency
        sections, drills, or a release that already began); the window overridden. The
        check uses the real clock: --date sets the date parameter, never the release day."""
        if self.opts.section or self.opts.drill or state is not None:
            return None
        from relbook.params.blackout import BlackoutError, active_window, check_blackout, today

        given = self.opts.date and self.opts.date != today().isoformat()
        try:
            window = check_blackout(self.rb, None, self.opts.override_blackout or None)
        except BlackoutError as e:
            if given:
                e.msg += f" (--date {self.opts.date} sets the date parameter only)"
            if not self.opts.dry_run:
                raise
            self._notice(f"warning: {e}")
            return None
        day = _date(self.opts.date) if given else None
        dated = active_window(self.rb, day) if day else None
        if dated is not None and window is None:
            self.ui.info(
                f"note: --date {self.opts.date} falls in the blackout window {dated.text!r} "
                f"({dated.location}); the blackout check uses today, {today().isoformat()}, "
                "which is outside it"
            )
        return window.as_json() if window else None

    def check_changed(self, state: State, steps: list[Step]) -> str:
        """Refuse to continue a release whose steps were edited since it began; the
        edited steps let through by --allow-changed ("" when none)."""
        before = state.meta.get("step_hashes", {})
        changed = [s for s in steps if s.id in before and before[s.id] != step_hash(s)]
        where = "; ".join(f"{self.rb.path}:{s.line} {s.id}" for s in changed)
        if changed and not self.opts.allow_changed:
            raise RelbookError(
                f"the runbook changed since this release began: {where}. "
                "Review the changes, then re-run with --allow-changed"
            )
        return where

    def check_repo(self) -> dict[str, str] | None:
        """Refuse a dirty repository (unless --allow-dirty); its git facts for the record."""
        repo = self.git_repo()
        if not repo:
            return None
        exclude_records(Path(repo), Path(self.opts.records))
        from relbook.params.gitfacts import head_facts

        facts = head_facts(repo)  # the begin record reads these too; nothing runs in between
        if facts["dirty"] == "yes" and not self.opts.allow_dirty:
            raise RelbookError(
                f"{repo} has uncommitted changes; the runbook may commit them "
                "(it runs `git add .`). Commit or stash them, or pass --allow-dirty"
            )
        return facts


def _date(text: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


class PreflightError(RelbookError):
    """What makes a run fail for sure, found before its first step: every problem."""

    def __init__(self, path: str, problems: list[str]) -> None:
        n = len(problems)
        super().__init__(
            f"{n} problem{'s' * (n != 1)} found before the first step; nothing was recorded"
        )
        self.problems = problems

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0]
        return "\n".join([self.msg, *self.problems])


def machine_problems(
    rb: Runbook, steps: list[Step], opts: RunOptions, params: Params, repo: str | None
) -> list[str]:
    """Programs the release's commands name that are not on PATH, remotes it pushes to
    that the repository does not have (see run.needs)."""
    from relbook.run.needs import missing_remotes, missing_tools, run_steps

    steps = run_steps(rb, steps, params)
    return missing_tools(rb, steps, opts) + (missing_remotes(rb, steps, repo) if repo else [])


def workspace_problems(
    rb: Runbook, steps: list[Step], opts: RunOptions, repo: str | None
) -> list[str]:
    """What makes a run fail for sure, found before its first step: git commands with no
    repository to run them in, answers for steps the runbook does not have."""
    out = []
    first_git = _first_git(rb, steps)
    if repo is None and first_git:
        out.append(
            f"--repo {opts.repo}: not a git repository, and the runbook runs git "
            f"({rb.path}:{first_git}); give --repo the repository being released"
        )
    if not opts.drill:
        out += _unknown_answers(rb, opts.answers)
        from relbook.run.choices import answer_problems

        out += answer_problems(rb, opts.answers)
    return out


def _first_git(rb: Runbook, steps: list[Step]) -> int:
    """The line of the first git command a planned step runs (0: none, or it clones)."""
    for step in steps:
        for part in step.parts:
            words = part.source.split()
            if part.kind == "command" and words[:1] == ["git"]:
                return 0 if words[1:2] in (["clone"], ["init"]) else part.line
    return 0


def _unknown_answers(rb: Runbook, answers: dict[str, Any]) -> list[str]:
    import difflib

    keys = {s.id for s in rb.steps} | {i for s in rb.steps for i, _ in s.instructions()}
    keys |= {c.id for c in rb.choices}
    texts = {s.text.casefold() for s in rb.steps}
    texts |= {p.source.casefold() for s in rb.steps for _, p in s.instructions()}
    out = []
    for key in answers:
        key = str(key)
        if key in keys or rb.resolve(key) or key.casefold() in texts:
            continue
        if key.startswith(("undo: ", "event:")):
            continue
        step = rb.step(key.partition("@")[0])
        if step and "@" in key and step.instructions():  # an older id: which one is it?
            which = ", ".join(f"{i} (line {p.line}: {p.source})" for i, p in step.instructions())
            out.append(
                f"answers: {key!r}: step {step.id} has no instruction at that line of "
                f"{rb.path} now; name one by its id: {which}"
            )
            continue
        close = difflib.get_close_matches(key, sorted(keys), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (see `relbook parse` for ids)"
        out.append(f"answers: {key!r} names no step or instruction of {rb.path}{hint}")
    return out


def old_ids(rb: Runbook, answers: dict[str, Any]) -> list[str]:
    """Answers that name an instruction of a step with several by its line (the older
    `<step>@<line>` form): which one each was taken to be, and its id to write instead
    (a line moves with every edit above it; the id does not)."""
    out = []
    for key in answers:
        now = rb.resolve(str(key)) if "@" in str(key) else None
        step = rb.step(now.partition("#")[0]) if now else None
        if step and len(step.instructions()) > 1:
            part = dict(step.instructions())[now]
            out.append(
                f"answers: {key!r} names an instruction by its line: taken as {now} "
                f"({rb.path}:{part.line}: {part.source}); write {now!r} to keep it so"
            )
    return out


def exclude_records(repo: Path, records: Path) -> None:
    """Keep a records directory inside the repo, and notebooks relbook wrote there, out of
    `git add .` and the dirty check (.git/info/exclude)."""
    from relbook.record.exclude import exclude, exclude_own_notebooks

    exclude(repo, records, directory=True)
    exclude_own_notebooks(repo)
