"""The drill's command shim, copied into a sandbox's bin/ and run as a script.

Standard library only: it runs as `python -I -S`, without relbook installed.
Invoked under a tool's name (a symlink such as bin/kubectl), it logs the call to
the sandbox's calls log and succeeds, or fails as the scenario's active faults
say. Invoked as `shim --wrap NAME ARGS...` it wraps a real local tool (git, or
a tool a fault names): the real tool runs unless a fault matches, and a git push
may only go to a repository inside the sandbox.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
SANDBOX = os.path.dirname(HERE)
CONFIG = os.path.join(SANDBOX, "drill.json")


def _load(path: str, default: dict) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def _matches(pattern: list[str], words: list[str]) -> bool:
    """True when each pattern word matches the call's word at the same place."""
    if len(words) < len(pattern):
        return False
    return all(fnmatch.fnmatchcase(w, p) for p, w in zip(pattern, words, strict=False))


def _hits(log_path: str, rule_id: str) -> int:
    n = 0
    try:
        with open(log_path, encoding="utf-8") as f:
            for line in f:
                if f'"fault": "{rule_id}"' in line:
                    n += 1
    except OSError:
        pass
    return n


def _rule_for(state: dict, words: list[str], log_path: str) -> dict | None:
    for rule in state.get("rules", []):
        if not _matches(rule["command"], words):
            continue
        times = rule.get("times")
        if times is None or _hits(log_path, rule["id"]) < times:
            return rule
    return None


def _log(cfg: dict, state: dict, entry: dict) -> None:
    entry = {"t": round(time.time(), 3), "step": state.get("step", ""), **entry}
    with open(cfg["log"], "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _push_target(real: str, args: list[str]) -> list[str]:
    """The URLs a `git push` would write to."""
    rest = args[args.index("push") + 1 :] if "push" in args else []
    takes_value = {"-o", "--push-option", "--receive-pack", "--exec"}
    positional, skip = [], False
    for a in rest:
        if skip:
            skip = False
        elif a in takes_value:
            skip = True
        elif a == "--":
            continue
        elif a.startswith("--repo="):
            positional.insert(0, a.split("=", 1)[1])
        elif not a.startswith("-"):
            positional.append(a)
    remote = positional[0] if positional else _default_remote(real)
    got = subprocess.run(
        [real, "remote", "get-url", "--push", "--all", remote], capture_output=True, text=True
    )
    urls = got.stdout.split() if got.returncode == 0 else []
    return urls or [remote]


def _default_remote(real: str) -> str:
    for key in ("remote.pushDefault",):
        got = subprocess.run([real, "config", key], capture_output=True, text=True)
        if got.stdout.strip():
            return got.stdout.strip()
    branch = subprocess.run(
        [real, "symbolic-ref", "--short", "-q", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    if branch:
        got = subprocess.run(
            [real, "config", f"branch.{branch}.remote"], capture_output=True, text=True
        )
        if got.stdout.strip():
            return got.stdout.strip()
    return "origin"


def _inside_sandbox(url: str) -> bool:
    if url.startswith("file://"):
        url = url[len("file://") :]
    elif "://" in url or (":" in url.split("/")[0] and not url.startswith("/")):
        return False  # ssh, https, or scp-like host:path
    path = os.path.realpath(url)
    root = os.path.realpath(SANDBOX)
    return path == root or path.startswith(root + os.sep)


def _subcommand(args: list[str]) -> str:
    skip = False
    for a in args:
        if skip:
            skip = False
        elif a in ("-C", "-c"):
            skip = True
        elif not a.startswith("-"):
            return a
    return ""


def _say(fd: int, text: str) -> None:
    """One write per message, so lines do not interleave with other output."""
    os.write(fd, (text.rstrip("\n") + "\n").encode("utf-8", "replace"))


def _fail(rule: dict) -> int:
    if rule.get("stdout"):
        _say(1, rule["stdout"])
    if rule.get("stderr"):
        _say(2, rule["stderr"])
    return int(rule.get("status", 1))


def wrap(cfg: dict, state: dict, name: str, args: list[str]) -> int:
    """Run the real tool unless a fault matches; git pushes stay in the sandbox."""
    real = cfg["real"][name]
    words = [name, *args]
    rule = _rule_for(state, words, cfg["log"])
    if name == "git" and _subcommand(args) == "push":
        outside = [u for u in _push_target(real, args) if not _inside_sandbox(u)]
        if outside:
            msg = f"relbook drill: refusing to push outside the sandbox: {', '.join(outside)}"
            _say(2, msg)
            _log(cfg, state, {"argv": words, "status": 1, "blocked": True, "simulated": False})
            return 1
    if rule:
        _log(cfg, state, {"argv": words, "fault": rule["id"], "simulated": False})
        time.sleep(float(rule.get("sleep") or 0))
        if int(rule.get("status", 0)):
            return _fail(rule)
    os.execv(real, [real, *args])
    return 127  # not reached


def simulate(cfg: dict, state: dict, name: str, args: list[str]) -> int:
    """Log the call and succeed, or act out a fault."""
    words = [name, *args]
    rule = _rule_for(state, words, cfg["log"])
    status = int(rule.get("status", 0)) if rule else 0
    entry = {"argv": words, "status": status, "simulated": True}
    if rule:
        entry["fault"] = rule["id"]
    _log(cfg, state, entry)
    _say(2, f"[drill] simulated: {shlex.join(words)}")
    if rule:
        time.sleep(float(rule.get("sleep") or 0))
        return _fail(rule) if status else _fail({**rule, "status": 0})
    return 0


def main(argv: list[str]) -> int:
    """Dispatch on how the shim was called."""
    cfg = _load(CONFIG, {})
    state = _load(os.path.join(SANDBOX, "state.json"), {})
    if len(argv) > 2 and argv[1] == "--wrap":
        return wrap(cfg, state, argv[2], argv[3:])
    return simulate(cfg, state, os.path.basename(argv[0]), argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
