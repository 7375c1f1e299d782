"""Checking a drill scenario's expectations against the sandbox and the record."""

from __future__ import annotations

import fnmatch
import shlex
import subprocess
from typing import TYPE_CHECKING, Any

from relbook.drill.scenario import Expectation
from relbook.model import section_key

if TYPE_CHECKING:
    from relbook.drill.data import Detection, Flow

REPO_KINDS = ("tag", "branch", "file", "called", "kept")


def check_expectation(
    e: Expectation, drill: Any, main: Flow, response: Flow, d: Detection | None
) -> tuple[bool | None, str]:
    """(held, why): held is None when the expectation cannot be checked in this mode."""
    if drill.tabletop and e.kind in REPO_KINDS:
        return None, "not checked: a tabletop drill changes no repository"
    return CHECKERS[e.kind](e, drill, main, response, d)


def _result(e: Expectation, drill: Any, main: Flow, *_: Any) -> tuple[bool, str]:
    why = f"the flow ended {main.result}"
    if main.stopped and main.result != "done":
        why += f": {main.stopped.splitlines()[0]}"
    return main.result == e.value, why


def _detected(
    e: Expectation, drill: Any, main: Flow, r: Flow, d: Detection | None
) -> tuple[bool, str]:
    if d is None:
        injected = [i.step for i in drill.injected]
        if not injected:
            return False, "the fault was never injected: the flow stopped before its step"
        return False, f"no step failed after the fault was injected at {injected[0]}"
    where = f"detected at {d.step} ({drill.rb.path}:{d.line}, {d.status})"
    if d.after_fault is None:
        return False, f"a step failed before any fault was injected: {where}"
    return e.value in ("*", d.step), where


def _response(e: Expectation, drill: Any, main: Flow, response: Flow, *_: Any) -> tuple[bool, str]:
    expected = drill.scenario.response
    if not response.section:
        state = "not-run"
        why = "no response section ran" + (
            "" if main.result == "failed" else f" (the flow ended {main.result})"
        )
    else:
        state = "succeeded" if response.result == "done" else "failed"
        why = f"{response.section!r} ran and ended {response.result}"
        if response.stopped and response.result != "done":
            why += f": {response.stopped.splitlines()[0]}"
    if expected and response.section and section_key(response.section) != section_key(expected):
        return False, f"{why}; the scenario expects {expected!r}"
    return state == e.value, why


def _ref(e: Expectation, drill: Any, *_: Any) -> tuple[bool, str]:
    on = e.opts.get("on", "origin")
    prefix = "refs/tags/" if e.kind == "tag" else "refs/heads/"
    refs = drill.box.refs(on)
    name = prefix + e.value
    if e.opts.get("unchanged"):
        before = drill.box.baseline.get(name) if on == "origin" else None
        if on == "local":
            return False, "unchanged can only be checked on origin"
        now = refs.get(name)
        return now == before, f"{name} on {on} was {_short(before)}, is {_short(now)}"
    present = bool(e.opts.get("present", True))
    if (name in refs) == present:
        return True, f"{e.kind} {e.value} {'is' if name in refs else 'is not'} on {on}"
    others = sorted(r[len(prefix) :] for r in refs if r.startswith(prefix))
    return False, (
        f"{e.kind} {e.value} {'is not' if present else 'is'} on {on} "
        f"({e.kind}s on {on}: {', '.join(others) or 'none'})"
    )


def _short(oid: str | None) -> str:
    return oid[:12] if oid else "absent"


def _file(e: Expectation, drill: Any, *_: Any) -> tuple[bool, str]:
    on, rev = e.opts.get("on", "local"), e.opts.get("at", "")
    if rev or on == "origin":
        spec = f"{rev or 'HEAD'}:{e.value}"
        exists = _object_exists(drill, on, spec)
        text = drill.box.git("show", spec, where=on, check=False) if exists else ""
    else:
        path = drill.box.work / e.value
        exists = path.is_file()
        text = path.read_text(encoding="utf-8", errors="replace") if exists else ""
    where = f"{e.value}" + (f" at {rev}" if rev else "") + f" on {on}"
    if "contains" in e.opts:
        want = str(e.opts["contains"])
        if not exists:
            return False, f"{where} does not exist"
        got = text.strip().splitlines()[:3]
        shown = " / ".join(got) + (" ..." if len(text.strip().splitlines()) > 3 else "")
        return want in text, f"{where} {'contains' if want in text else 'lacks'} {want!r}" + (
            "" if want in text else f" (it reads: {shown})"
        )
    present = bool(e.opts.get("present", True))
    return exists == present, f"{where} {'exists' if exists else 'does not exist'}"


def _object_exists(drill: Any, on: str, spec: str) -> bool:
    repo = drill.box.work if on == "local" else drill.box.origin
    got = subprocess.run(["git", "-C", str(repo), "cat-file", "-e", spec], capture_output=True)
    return got.returncode == 0


def _step(e: Expectation, drill: Any, main: Flow, response: Flow, *_: Any) -> tuple[bool, str]:
    outcome = next((o for o in main.outcomes + response.outcomes if o.step_id == e.value), None)
    status = outcome.status.value if outcome else "not-run"
    want = str(e.opts.get("status", "done"))
    return status == want, f"step {e.value} is {status}"


def _called(e: Expectation, drill: Any, *_: Any) -> tuple[bool, str]:
    pattern = shlex.split(e.value)
    calls = [c["argv"] for c in drill.box.calls()]
    hits = [c for c in calls if _matches(pattern, c)]
    present = bool(e.opts.get("present", True))
    if hits:
        why = f"called {len(hits)} time(s), first: {' '.join(hits[0])}"
    else:
        why = "never called" + (
            f" (simulated calls: {'; '.join(' '.join(c) for c in calls[:5])})" if calls else ""
        )
    return bool(hits) == present, why


def _matches(pattern: list[str], words: list[str]) -> bool:
    if len(words) < len(pattern):
        return False
    return all(fnmatch.fnmatchcase(w, p) for p, w in zip(pattern, words, strict=False))


def _not_blocked(
    e: Expectation, drill: Any, main: Flow, response: Flow, *_: Any
) -> tuple[bool, str]:
    bad = [o for o in main.outcomes + response.outcomes if _blocked(o)]
    if not bad:
        return True, "no step was blocked or refused"
    return False, "; ".join(_blocked_line(drill, o) for o in bad)


def _blocked_line(drill: Any, o: Any) -> str:
    what = "refused" if o.extra.get("refused") else "blocked"
    why = o.reason or str(o.extra.get("refused", ""))
    return f"{o.step_id} ({drill.rb.path}:{o.failed_line or o.line}) was {what}" + (
        f": {why}" if why else ""
    )


def _blocked(o: Any) -> bool:
    return o.status.value == "blocked" or bool(o.extra.get("blocked") or o.extra.get("refused"))


def _no_contingency(e: Expectation, drill: Any, main: Flow, *_: Any) -> tuple[bool, str]:
    ran = [
        o
        for o in main.outcomes
        if (s := drill.rb.step(o.step_id)) is not None
        and s.contingency
        and o.status.value in ("done", "failed", "timeout", "interrupted")
    ]
    if not ran:
        return True, "no step of a contingency section ran"
    return False, "contingency steps ran in the release flow: " + ", ".join(
        f"{o.step_id} ({drill.rb.path}:{o.line}, {o.section})" for o in ran
    )


def _kept(e: Expectation, drill: Any, *_: Any) -> tuple[bool, str]:
    lost = lost_refs(drill)
    if not lost:
        n = len(drill.pushed)
        return True, f"all {n} ref{'s' * (n != 1)} the run put on origin are still there"
    return False, "gone from origin at the end: " + "; ".join(lost)


def lost_refs(drill: Any) -> list[str]:
    """Tags and branches the run put on the sandbox origin that are gone at the end:
    a tag deleted or moved, a branch deleted or rewound whose last commit no ref on
    origin holds any more (a branch merged and then deleted is kept work)."""
    now = drill.box.refs("origin")
    lost = []
    for name, oid in sorted(drill.pushed.items()):
        if name.startswith("refs/tags/"):
            if now.get(name) != oid:
                lost.append(f"tag {name[10:]} ({'moved' if name in now else 'deleted'})")
        elif name.startswith("refs/heads/") and not _held(drill, oid):
            what = "rewound" if name in now else "deleted"
            lost.append(f"branch {name[11:]} ({what}; its commit {oid[:12]} is on no ref)")
    return lost


def _held(drill: Any, oid: str) -> bool:
    got = drill.box.git(
        "for-each-ref", "--contains", oid, "--format=%(refname)", where="origin", check=False
    )
    return bool(got.strip())


CHECKERS = {
    "result": _result,
    "detected_at": _detected,
    "response": _response,
    "tag": _ref,
    "branch": _ref,
    "file": _file,
    "step": _step,
    "called": _called,
    "not_blocked": _not_blocked,
    "no_contingency": _no_contingency,
    "kept": _kept,
}
