"""Which steps a run executes, a step's fingerprint, who is running it, what applies."""

from __future__ import annotations

import os
import re
from functools import lru_cache

from relbook.digest import sha256_hex
from relbook.errors import RelbookError
from relbook.model import Runbook, Step
from relbook.params import Params


def plan_steps(rb: Runbook, section: str = "", from_step: str = "") -> list[Step]:
    """The steps a run executes: the normal flow, or one named section."""
    if section:
        steps = list(rb.section_steps(section))
        if not steps:
            titles = sorted({s.section for s in rb.steps if s.section})
            raise RelbookError(
                f"no section {section!r} with steps in {rb.path}; sections with "
                f"steps: {', '.join(titles)}"
            )
    else:
        from relbook.run.safety import require_flow

        require_flow(rb)
        steps = list(rb.flow())
    if from_step:
        idx = _find_step(steps, from_step)
        steps = steps[idx:]
    return steps


def _find_step(steps: list[Step], key: str) -> int:
    for i, s in enumerate(steps):
        if key in (s.id, str(i + 1)) or key.casefold() == s.text.casefold():
            return i
    raise RelbookError(f"--from {key!r}: no such step (use a step id from `relbook parse`)")


def step_hash(step: Step) -> str:
    """Fingerprint of what a step says and runs (detects edits between runs)."""
    return _fingerprint(step.kind.value, step.text, step.body)


@lru_cache(maxsize=4096)  # the record's meta and each of the step's outcomes say it
def _fingerprint(kind: str, text: str, body: str) -> str:
    return sha256_hex("\0".join([kind, text, body]).encode())[:16]


def operator_name(given: str, repo: str | None) -> str:
    """--operator, else git user.name, else the login name."""
    if given:
        return given
    from relbook.params.gitfacts import user_name

    name = user_name(repo)
    if name:
        return name
    try:
        return os.getlogin()
    except OSError:
        import getpass

        return getpass.getuser()


_LABELS = {
    "major": "major releases",
    "minor": "minor releases",
    "patch": "patch releases",
    "prerelease": "pre-releases",
    "stable": "stable releases (not pre-releases)",
    "rc": "release candidates",
    "alpha": "alpha releases",
    "beta": "beta releases",
    "hotfix": "hotfix releases",
    "first": "the first release of a series (x.y.0)",
}


def release_kinds(params: Params) -> set[str]:
    """What this release is: `patch`; `minor` (also for a major one); `prerelease`, `rc`,
    `rc.0`; `stable`; `hotfix`; `first` (x.y.0, or its first pre-release)."""
    p = params.values
    bump = str(p.get("bump") or "")
    kinds = {"major", "minor"} if bump == "major" else {bump}
    version = str(p.get("version") or "")
    pre = version.split("-", 1)[1] if "-" in version else ""
    if p.get("release_type") == "hotfix":
        kinds |= {"hotfix", "stable"}
    elif pre:
        kinds.add("prerelease")
        m = re.match(r"([a-z]+)\.?(\d+)?", pre.lower())
        if m:
            kinds.add(m.group(1))
            if m.group(2) is not None:
                kinds.add(f"{m.group(1)}.{int(m.group(2))}")
    else:
        kinds.add("stable")
    core = re.match(r"\d+\.\d+\.(\d+)", version)
    if core and int(core.group(1)) == 0 and bump != "patch":
        number = re.search(r"(\d+)$", pre) if pre else None
        if not pre or (number and int(number.group(1)) == 0):
            kinds.add("first")
    return kinds


def applies(expr: str, kinds: set[str]) -> bool:
    """Whether a condition (`minor`, `!patch`, `rc|first`, `minor,stable`) holds."""
    for term in expr.split(","):
        alts = [a.strip() for a in term.split("|") if a.strip()]
        if alts and not any(
            (a[1:] not in kinds) if a.startswith("!") else a in kinds for a in alts
        ):
            return False
    return True


def describe(expr: str) -> str:
    """`minor|rc` -> "minor releases or release candidates"."""
    terms = []
    for term in expr.split(","):
        words = []
        for a in (t.strip() for t in term.split("|") if t.strip()):
            neg = a.startswith("!")
            a = a.lstrip("!")
            label = _LABELS.get(a) or (f"release candidate {a}" if "." in a else f"{a} releases")
            words.append(f"releases that are not {label}" if neg else label)
        terms.append(" or ".join(words))
    return " that are also ".join(terms)


def not_applicable(step: Step, params: Params) -> str:
    """Why a step for some kinds of release does not apply to this one ("" when it does)."""
    expr = step.applies_to
    if not expr:
        return ""
    kinds = release_kinds(params)
    if applies(expr, kinds):
        return ""
    p = params.values
    if any(a.lstrip("!") in ("major", "minor", "patch") for a in re.split("[,|]", expr)):
        label = f"a {p['bump']} release"
        if "prerelease" in kinds:
            label += " (a pre-release)"
    elif "prerelease" in kinds:
        label = "a pre-release"
    else:
        label = f"a {p['release_type']} release" if p.get("release_type") else "a release"
        if "stable" in kinds and p.get("release_type") != "hotfix":
            label = "a stable release"
    where = f" (from {step.applies_from})" if step.applies_from else ""
    return f"applies to {describe(expr)}{where}; {p['version']} is {label}"
