"""Run options, declared once (name, type, default, help): the `relbook run` and
`relbook drill` arguments, the release notebook's `parameters` cell and the
parameters papermill passes are all made from these lists: OPTIONS for a run,
DRILL_OPTIONS for a drill (the run options it shares, taken from OPTIONS, then its
own). Plain data in a plain class, so that building the command line imports neither
the runner nor more of the standard library than argparse does, and compiles nothing
(a NamedTuple compiles its constructor and each annotation when the module loads)."""

from __future__ import annotations

from typing import Any


class Option:
    """One run option, declared once: the `relbook run` argument, the release notebook's
    parameter and the papermill parameter are all made from it (read only)."""

    __slots__ = ("name", "kind", "default", "help", "flag", "arg", "notebook", "note")

    def __init__(
        self,
        name: str,  # the RunOptions (DrillOptions) field it sets (answers_file: sets answers)
        kind: str,  # str | optional-str | bool | list | dict | duration | choice
        default: Any,
        help: str,
        flag: str = "",  # the command-line option; "" when the CLI has none
        arg: dict[str, Any] | None = None,  # argparse's metavar, dest, choices... (read only)
        notebook: bool = False,  # a parameter of the release notebook (papermill -p NAME VALUE)
        note: str = "",  # the parameters cell's comment, where `help` speaks of the command line
    ) -> None:
        self.name, self.kind, self.default, self.help = name, kind, default, help
        self.flag, self.arg, self.notebook, self.note = flag, arg or {}, notebook, note

    def __repr__(self) -> str:
        return f"Option({', '.join(f'{k}={getattr(self, k)!r}' for k in self.__slots__)})"

    def replace(self, **differs: Any) -> Option:
        """This declaration with the fields `differs` names changed."""
        return Option(**{**{k: getattr(self, k) for k in self.__slots__}, **differs})

    @property
    def comment(self) -> str:
        """What the notebook's parameters cell says about it."""
        return self.note or self.help

    @property
    def annotation(self) -> str:
        """Its type as the notebook's parameters cell writes it."""
        return {"optional-str": '"Optional[str]"', "duration": '"Optional[float]"'}.get(
            self.kind, "str" if self.kind == "choice" else self.kind
        )


_V = "V"
VERSION_ARGS = ("version", "description", "repo", "date")  # every command that binds a release
# every run option, in the order `relbook run --help` lists them
OPTIONS: tuple[Option, ...] = (
    Option("version", "str", "", "the version being released (SemVer; a leading v is fine; "
           "`auto`: the next version the Conventional Commits since the previous tag imply)",
           "--version", {"dest": "release", "metavar": _V}, notebook=True,
           note="required: the version being released, e.g. 1.2.3"),
    Option("description", "str", "", "one-line release description", "--description",
           {"default": "", "metavar": "D"}, notebook=True),
    Option("repo", "str", ".", "git repository (tags give previous_version)", "--repo",
           {"metavar": "DIR"}, notebook=True),
    Option("date", "optional-str", None, "release date (default: today)", "--date",
           {"metavar": "YYYY-MM-DD"}, notebook=True,
           note="release date YYYY-MM-DD (default: today)"),
    Option("records", "str", "records", "where records are kept (default: ./records)",
           "--records", {"default": "records", "metavar": "DIR"}, notebook=True),
    Option("engine", "choice", "local", "local: steps run in this process (default); "
           "papermill: the release as a parameterized notebook executed by papermill, the "
           "same record either way", "--engine",
           {"choices": ["local", "papermill"], "default": "local"}),
    Option("dry_run", "bool", False, "show every step filled in; execute nothing, record "
           "nothing", "--dry-run"),
    Option("yes", "bool", False, "confirm every manual step and allow remote/destructive "
           "steps", "--yes", notebook=True),
    Option("json", "bool", False, "with --dry-run: the plan as JSON (schema relbook.plan/1)",
           "--json"),
    Option("answers_file", "str", "", "YAML: step id or text -> done | 'skip: reason' | fail",
           "--answers", {"dest": "answers", "metavar": "FILE"}, notebook=True),
    Option("answers", "dict", {}, "step id or text -> 'done' | 'skip: reason' | 'fail'",
           notebook=True),
    Option("section", "str", "", "run only this section (e.g. a rollback)", "--section",
           {"metavar": "NAME"}),
    Option("from_step", "str", "", "start at this step id", "--from",
           {"dest": "from_step", "metavar": "STEP"}),
    Option("timeout", "duration", None, "per-step timeout: 90, 90s, 10m, 1h", "--timeout",
           {"metavar": "S"}, notebook=True),
    Option("operator", "str", "", "who is running the release", "--operator",
           {"metavar": "NAME"}, notebook=True),
    Option("signer", "str", "", "you, the operator, sign the sign-offs this run reaches as "
           "NAME (your name or git user.email), with your SSH signing key (user.signingkey); "
           "others sign with `relbook sign RECORD STEP`. --yes and --answers never sign",
           "--signer", {"metavar": "NAME"}, notebook=True,
           note="the operator signs the sign-offs as this name (yes never signs)"),
    Option("signing_key", "str", "", "with --signer: the SSH key (default: signingkey)",
           "--signing-key", {"metavar": "FILE"}, notebook=True,
           note="with signer: the SSH key (default: git user.signingkey)"),
    Option("wait_signoffs", "duration", 0.0, "wait this long at a sign-off for its signer's "
           "`relbook sign` (90s, 10m, 1h) instead of pausing at once", "--wait-signoffs",
           {"default": 0.0, "metavar": "S"}),
    Option("rerun_interrupted", "bool", False, "re-run a step that was running when relbook "
           "was stopped", "--rerun-interrupted", notebook=True),
    Option("allow_changed", "bool", False, "continue although steps changed since the "
           "release began", "--allow-changed", notebook=True),
    Option("new_attempt", "bool", False, "start a new attempt of a finished release, in its "
           "own record", "--new-attempt", notebook=True),
    Option("allow_dirty", "bool", False, "run although the repository has uncommitted "
           "changes", "--allow-dirty", notebook=True),
    Option("mask", "list", [], "also mask the value of this environment variable", "--mask",
           {"action": "append", "default": [], "metavar": "NAME"}, notebook=True,
           note="names of environment variables whose values are masked"),
    Option("override_blackout", "str", "", "run inside a blackout window; the reason is "
           "recorded", "--override-blackout", {"metavar": "REASON"}, notebook=True),
    Option("allow_bump", "str", "", "release although the commits since the previous tag "
           "imply a larger bump (patch, minor or major: the bump this version is); needs "
           "--reason, which is recorded", "--allow-bump",
           {"choices": ("patch", "minor", "major"), "metavar": "BUMP"}),
    Option("bump_reason", "str", "", "why, for --allow-bump", "--reason",
           {"dest": "reason", "default": "", "metavar": "TEXT"}),
    Option("command", "str", "", "how this run was started (shown in resume hints)",
           notebook=True),
)  # fmt: skip
NOTEBOOK_OPTIONS: tuple[Option, ...] = tuple(o for o in OPTIONS if o.notebook)


def option(name: str) -> Option:
    """The declaration of run option `name`."""
    return next(o for o in OPTIONS if o.name == name)


def _shared(name: str, **differs: Any) -> Option:
    """A run option the drill takes as well: the run's declaration (its flag, kind and
    argparse arguments), with what it means in a drill where that differs."""
    return option(name).replace(**differs)


# every drill option, in the order `relbook drill --help` lists them
DRILL_OPTIONS: tuple[Option, ...] = (
    _shared("version"),
    _shared("description"),
    _shared("repo", kind="optional-str", default=None, help="git repository to clone into "
            "the sandbox (tags give previous_version; default: a generated demo repository)"),
    _shared("date"),
    Option("scenario", "str", "", "built-in scenario name or a YAML file (default: "
           "happy-path; --list-scenarios)", "--scenario", {"default": "", "metavar": "NAME|FILE"}),
    Option("tabletop", "bool", False, "execute nothing: walk the participants through the "
           "steps and events", "--tabletop"),
    _shared("answers_file", help="YAML: step id -> answer, event:<fault-id> -> response"),
    Option("keep", "bool", False, "keep the sandbox and print where it is", "--keep"),
    _shared("records", help="drill records go to DIR/drills/<runbook>/ (default: ./records)"),
    _shared("operator", help="who runs the drill"),
    _shared("command"),
)  # fmt: skip
