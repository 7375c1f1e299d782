"""Which commands a drill simulates, and the PATH shims that stand in for them.

A drill runs git and the shell's local tools for real inside the sandbox; every
other command a runbook uses (kubectl, helm, gh, curl, aws, ssh, ...) is replaced
through PATH by a shim that logs its arguments and succeeds, or fails when the
scenario says so (see shim.py).
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from pathlib import Path

from relbook.bash.commands import simple_commands
from relbook.model import Runbook, Step


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Run for real in a drill: bash builtins and keywords, coreutils and the usual
# local text and build tools. Anything else a runbook calls is simulated.
BUILTINS = _words(
    """. : [ [[ ]] alias bg bind break builtin caller cd command compgen complete continue
    declare dirs disown echo enable eval exec exit export false fc fg getopts hash help
    history jobs kill let local logout mapfile popd printf pushd pwd read readarray
    readonly return set shift shopt source suspend test times trap true type typeset
    ulimit umask unalias unset wait if then else elif fi case esac for select while
    until do done function time coproc ! { }"""
)
LOCAL_TOOLS = _words(
    """git bash sh cat cp mv rm mkdir rmdir ls ln touch chmod chown date head tail sort
    uniq wc cut tr tee basename dirname env pwd sleep seq realpath readlink mktemp stat
    find xargs diff cmp comm paste join fold fmt nl od expand unexpand yes sha1sum
    sha256sum sha512sum md5sum base64 expr id whoami hostname uname nproc du df tac rev
    shuf split csplit sync timeout nohup true false printenv install truncate numfmt
    sed grep egrep fgrep awk gawk mawk jq yq python python3 perl make tar gzip gunzip
    zcat bzip2 xz unxz zip unzip envsubst column patch file which less more
    relbook semver"""
)
# Always shimmed, whether or not the runbook names them: a runbook's own scripts
# (make targets, ./scripts/*.sh) may call them, and they reach other machines.
REMOTE_TOOLS = _words(
    """kubectl helm gh hub glab curl wget docker podman buildah skopeo npm npx yarn pnpm
    pip pip3 pipx poetry twine aws gcloud gsutil az terraform tofu pulumi ansible
    ansible-playbook vault consul nomad argocd flux skaffold kustomize heroku flyctl fly
    vercel netlify ssh scp sftp rsync nc ncat telnet ftp mail mailx sendmail
    slack slack-notify slack-cli teams-notify pagerduty opsgenie sentry-cli gpg
    cargo gem mvn gradle dotnet goreleaser"""
)
# Wrappers that run the command named after them.
SHIM_FILE = ".relbook-shim"


def step_commands(step: Step) -> list[str]:
    """Names of the commands a shell step runs, in order, without repeats."""
    names: list[str] = []
    for part in step.commands:
        for name in command_names(part.source):
            if name not in names:
                names.append(name)
    return names


def command_names(source: str) -> list[str]:
    """The programs each simple command of `source` runs (bash.commands, the one splitter)."""
    return [n for cmd in simple_commands(source) for n in cmd.names if _is_name(n)]


def _is_name(word: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*", word)) and not word.isdigit()


def simulated_commands(rb: Runbook) -> dict[str, list[str]]:
    """Step id -> the commands of that step a drill simulates (steps with none left out)."""
    out: dict[str, list[str]] = {}
    for step in rb.steps:
        names = [n for n in step_commands(step) if simulated(n)]
        if names:
            out[step.id] = names
    return out


def simulated(name: str) -> bool:
    """True when a drill replaces `name` by a logging shim."""
    return name not in BUILTINS and name not in LOCAL_TOOLS


def install(bin_dir: Path, simulate: set[str], wrap: set[str]) -> dict[str, str]:
    """Write the shim and its links into `bin_dir`; returns name -> real path for `wrap`."""
    from relbook.record.files import write_atomic

    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / SHIM_FILE
    text = Path(__file__).with_name("shim.py").read_text(encoding="utf-8")
    write_atomic(shim, f"#!{sys.executable} -IS\n{text}".encode())
    shim.chmod(0o755)
    for name in sorted(simulate - wrap):
        (bin_dir / name).symlink_to(SHIM_FILE)
    real: dict[str, str] = {}
    for name in sorted(wrap):
        found = shutil.which(name)
        if found:
            real[name] = found
            _write_wrapper(bin_dir, name, found)
    return real


def _write_wrapper(bin_dir: Path, name: str, real: str) -> None:
    shim = shlex.quote(str(bin_dir / SHIM_FILE))
    if name == "git":
        flag = shlex.quote(str(bin_dir.parent / "faults-git"))
        body = (
            "sub= skip=\n"
            'for a in "$@"; do\n'
            '  if [ -n "$skip" ]; then skip=; continue; fi\n'
            "  case $a in -C|-c) skip=1 ;; -*) ;; *) sub=$a; break ;; esac\n"
            "done\n"
            f'if [ "$sub" != push ] && [ ! -e {flag} ]; then exec {shlex.quote(real)} "$@"; fi\n'
        )
    else:
        body = ""
    path = bin_dir / name
    bash = shutil.which("bash") or "/bin/bash"
    path.write_text(
        f"#!{bash}\n# relbook drill: {name} runs for real unless a fault says otherwise\n"
        f'{body}exec {shim} --wrap {name} "$@"\n'
    )
    path.chmod(0o755)
