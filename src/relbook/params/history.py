"""The bump a release's history implies, from its Conventional Commits.

Since the previous release tag: a breaking change (`feat!:`, `BREAKING CHANGE:`)
implies a major bump, `feat` a minor one, `fix` and `perf` a patch; other types
imply none. While the major version is 0 (initial development, SemVer item 4), a
breaking change implies a minor bump and a feature a minor one: the same rule as
commitizen's `major_version_zero` and release-please's `bump-minor-pre-major`.
Going from 0.x to 1.0.0 is always allowed: it is a larger bump.

A version smaller than its history implies is refused before any step runs,
unless the operator allows that bump with a reason (`--allow-bump`); a larger
one is a warning.
"""

from __future__ import annotations

from relbook.datatype import datatype
from relbook.errors import ParamError
from relbook.params.commits import parse_message

BUMPS = ("none", "patch", "minor", "major")
_KIND = {"feat": "minor", "fix": "patch", "perf": "patch"}
_SHOWN = 5  # commits named in a message


@datatype(frozen=True)
class Commit:
    """A commit since the previous release, with the bump it implies alone."""

    short: str
    subject: str
    bump: str


@datatype(frozen=True)
class History:
    """What the commits since `since` imply."""

    since: str | None  # the previous release tag; None: the whole history
    commits: tuple[Commit, ...]
    zero: bool  # the previous release is 0.x

    @property
    def bump(self) -> str:
        """The largest bump any commit implies (`none` without any)."""
        return max((c.bump for c in self.commits), key=BUMPS.index, default="none")

    def implying(self, bump: str) -> list[Commit]:
        """The commits that imply at least `bump`."""
        return [c for c in self.commits if BUMPS.index(c.bump) >= BUMPS.index(bump)]

    def why(self) -> str:
        """`2 commits since v1.2.2 imply a major bump: abc1234 feat(api)!: drop v1`."""
        where = f"since {self.since}" if self.since else "in the history"
        n = len(self.commits)
        if self.bump == "none":
            return f"{n} commit{'s' * (n != 1)} {where}, none a feature or a fix"
        named = self.implying(self.bump)
        listed = "; ".join(f"{c.short} {c.subject}" for c in named[:_SHOWN])
        more = f" and {len(named) - _SHOWN} more" if len(named) > _SHOWN else ""
        zero = " (0.x rules)" if self.zero else ""
        verb = "implies" if len(named) == 1 else "imply"
        head = f"{len(named)} of {n} commit{'s' * (n != 1)} {where} {verb} a {self.bump} bump{zero}"
        return f"{head}: {listed}{more}"


def commit_bump(message: str, *, zero: bool) -> str:
    """The bump one commit message implies."""
    change = parse_message(message)
    if not change.conventional:
        return "none"
    if change.breaking:
        return "minor" if zero else "major"
    return _KIND.get(change.type, "none")


def read_history(repo: str, since: str | None, *, zero: bool) -> History:
    """Non-merge commits in `since..HEAD` (all of HEAD's history without `since`)."""
    from relbook.params.gitfacts import git_out

    rev = f"{since}..HEAD" if since else "HEAD"
    code, text = git_out(repo, "log", "--no-merges", "--format=%h%x1f%B%x1e", rev, "--")
    if code != 0:
        return History(since, (), zero)  # no commits yet, or an unknown tag: nothing implied
    commits = []
    for entry in text.split("\x1e"):
        short, _, message = entry.strip("\n").partition("\x1f")
        if short:
            subject = message.strip().split("\n", 1)[0]
            commits.append(Commit(short, subject, commit_bump(message, zero=zero)))
    return History(since, tuple(commits), zero)


def bump_of(version: str, previous: str | None) -> str:
    """The bump from `previous` to `version` (pre-releases and hotfixes by their core)."""
    from relbook.params import parse_version

    v = parse_version(version)
    if previous is None:
        return "major"  # a first release is as large as a release gets
    p = parse_version(previous)
    if v.major != p.major:
        return "major"
    if v.minor != p.minor:
        return "minor"
    return "patch"


def next_version(previous: str | None, bump: str) -> str:
    """The version `bump` makes of `previous` (0.1.0 for a first release)."""
    from relbook.params import parse_version

    if previous is None:
        return "0.1.0" if bump != "major" else "1.0.0"
    p = parse_version(previous)
    if bump == "major":
        return f"{p.major + 1}.0.0"
    if bump == "minor":
        return f"{p.major}.{p.minor + 1}.0"
    return f"{p.major}.{p.minor}.{p.patch + 1}"


@datatype(frozen=True)
class Verdict:
    """How a version compares with what its history implies."""

    actual: str
    implied: str
    why: str
    warning: str = ""
    override: dict[str, str] | None = None  # {"bump", "reason"} when --allow-bump was used

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"actual": self.actual, "implied": self.implied, "why": self.why}
        if self.warning:
            out["warning"] = self.warning
        if self.override:
            out["override"] = self.override
        return out


def check_version(
    version: str, previous: str | None, history: History, allow: str = "", reason: str = ""
) -> Verdict:
    """Compare `version` with its history: refuse a smaller bump unless allowed."""
    actual, implied = bump_of(version, previous), history.bump
    if allow:
        return _allowed(version, actual, implied, history, allow, reason)
    if BUMPS.index(actual) < BUMPS.index(implied):
        raise ParamError(
            f"version {version} is a {actual} release, but {history.why()}. Release "
            f"{next_version(previous, implied)} (or --version auto), or pass --allow-bump "
            f"{actual} --reason TEXT to release it anyway"
        )
    warning = ""
    if BUMPS.index(actual) > max(BUMPS.index(implied), 1) and previous is not None:
        warning = (
            f"version {version} is a {actual} release, larger than its history implies "
            f"({history.why()})"
        )
    return Verdict(actual, implied, history.why(), warning)


def _allowed(
    version: str, actual: str, implied: str, history: History, allow: str, reason: str
) -> Verdict:
    if allow not in BUMPS[1:]:
        raise ParamError(f"--allow-bump {allow!r}: expected patch, minor or major")
    if allow != actual:
        raise ParamError(f"--allow-bump {allow} does not match version {version} (a {actual} bump)")
    if not reason.strip():
        raise ParamError("--allow-bump needs --reason TEXT: the record keeps why")
    return Verdict(actual, implied, history.why(), override={"bump": allow, "reason": reason})


def suggest_version(repo: str, prefix: str = "v") -> tuple[str, str] | None:
    """The next version the commits since the latest release tag imply, and why; None
    when they imply no release (or `repo` has no commits)."""
    previous = latest_release(repo, prefix)
    zero = previous is not None and previous.startswith("0.")
    history = read_history(repo, f"{prefix}{previous}" if previous else None, zero=zero)
    if history.bump == "none":
        return None
    return next_version(previous, history.bump), history.why()


def latest_release(repo: str, prefix: str = "v") -> str | None:
    """The highest release (or hotfix) tag's version in `repo`; pre-releases are skipped."""
    from relbook.params import parse_version
    from relbook.params.gitfacts import release_tags

    found = []
    for name in release_tags(repo):
        if not name.startswith(prefix) or not name[len(prefix) :][:1].isdigit():
            continue
        try:
            v = parse_version(name[len(prefix) :])
        except ParamError:
            continue
        if v.release_type != "prerelease":
            found.append(v)
    return str(max(found, key=lambda v: v.key())) if found else None
