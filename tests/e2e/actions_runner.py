"""A GitHub Actions runner on this machine, for exported workflows.

It plays a workflow's jobs in order the way GitHub would, without any network:
each job in a fresh clone of a bare `origin` (actions/checkout), its `run:` steps
under `bash --noprofile --norc -eo pipefail` with GITHUB_OUTPUT, GITHUB_ENV and
GITHUB_STEP_SUMMARY files, artifacts as directories (upload/download-artifact),
setup-python and the pip install of relbook replaced by this venv's relbook, and
`gh api .../approvals` answered from the run's review history: a job bound to an
environment is approved by that environment's reviewer before it starts, as
required reviewers do. Expressions are evaluated only where Actions evaluates them
(`env:`, `with:`, `if:`, outputs); logs are captured raw and as the runner shows
them (`::add-mask::` values and secrets masked). `rerun_failed()` re-runs the
failed jobs and those after them, as "Re-run failed jobs" does.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from relbook import __version__

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
VENV_BIN = str(Path(sys.executable).parent)


def load_workflow(text: str) -> dict[str, Any]:
    """The workflow as data (YAML 1.1 reads the key `on` as True)."""
    data = yaml.safe_load(text)
    data["on"] = data.pop(True, data.get("on"))
    return data


@dataclass
class JobRun:
    result: str  # success | failure | skipped
    outputs: dict[str, str] = field(default_factory=dict)
    log: str = ""  # as the runner shows it
    raw: str = ""  # what the processes printed
    summary: str = ""


@dataclass
class Runner:
    workflow: dict[str, Any]
    origin: Path
    base: Path
    inputs: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    reviewers: dict[str, str] = field(default_factory=dict)  # environment -> who approves
    repository: str = "acme/ops"
    run_id: str = "4242"
    actor: str = "alice"
    attempt: int = 1
    jobs: dict[str, JobRun] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)  # review history, newest first

    @property
    def artifacts(self) -> Path:
        return self.base / "artifacts"

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repository}/actions/runs/{self.run_id}"

    def run(self) -> dict[str, str]:
        """Every job in order; returns job id -> result."""
        for job_id, job in self.workflow["jobs"].items():
            if job_id in self.jobs and self.jobs[job_id].result == "success":
                continue  # a re-run keeps what succeeded
            self.jobs[job_id] = self._job(job_id, job)
        return {j: r.result for j, r in self.jobs.items()}

    def rerun_failed(self) -> dict[str, str]:
        """Re-run the failed jobs and the jobs after them (attempt + 1)."""
        self.attempt += 1
        for job_id in list(self.jobs):
            if self.jobs[job_id].result != "success":
                del self.jobs[job_id]
        return self.run()

    # -- a job ---------------------------------------------------------------------
    def _job(self, job_id: str, job: dict[str, Any]) -> JobRun:
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        ctx = {"needs": needs, "steps": {}, "job_failed": False, "temp": ""}
        if not self._condition(job.get("if"), ctx, job_level=True):
            return JobRun("skipped")
        env_name = job.get("environment")
        if env_name and env_name in self.reviewers:  # required reviewers approve it first
            self.history.insert(0, self._review(env_name))
        root = self.base / f"{job_id}-{self.attempt}"
        work, temp, home, shims = (root / d for d in ("work", "temp", "home", "shims"))
        for d in (temp, home, shims):
            d.mkdir(parents=True)
        self._gh_shim(shims, root / "approvals.json")
        ctx["temp"] = str(temp)
        run = JobRun("success")
        base_env = self._base_env(job_id, work, temp, home, shims)
        job_env = {k: self._expand(str(v), ctx) for k, v in (job.get("env") or {}).items()}
        for n, step in enumerate(job["steps"]):
            if not self._condition(step.get("if"), ctx):
                continue
            ok, outputs = self._step(step, n, ctx, {**base_env, **job_env}, work, root, run)
            if "id" in step:
                ctx["steps"][step["id"]] = outputs
            if not ok:
                ctx["job_failed"] = True
                run.result = "failure"
        if run.result == "success":
            run.outputs = {k: self._expand(str(v), ctx) for k, v in job.get("outputs", {}).items()}
        return run

    def _review(self, environment: str) -> dict[str, Any]:
        return {
            "state": "approved",
            "comment": f"approved for {self.inputs.get('version')}",
            "environments": [{"id": len(self.history) + 1, "name": environment}],
            "user": {"login": self.reviewers[environment], "id": 1000 + len(self.history)},
        }

    def _gh_shim(self, shims: Path, history: Path) -> None:
        """`gh api repos/OWNER/REPO/actions/runs/ID/approvals`, answered as GitHub would."""
        history.write_text(json.dumps(self.history))
        want = f"repos/{self.repository}/actions/runs/{self.run_id}/approvals"
        gh = shims / "gh"
        gh.write_text(
            "#!/bin/bash\n"
            f'[ "$1 $2" = "api {want}" ] || {{ echo "gh: not offline: $*" >&2; exit 1; }}\n'
            f'[ -n "$GH_TOKEN" ] || {{ echo "gh: no GH_TOKEN" >&2; exit 4; }}\n'
            f"cat {history}\n"
        )
        gh.chmod(0o755)

    def _base_env(self, job_id: str, work: Path, temp: Path, home: Path, shims: Path) -> dict:
        return {
            "PATH": f"{shims}:{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "GIT_CONFIG_NOSYSTEM": "1",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(work),
            "GITHUB_REPOSITORY": self.repository,
            "GITHUB_RUN_ID": self.run_id,
            "GITHUB_RUN_ATTEMPT": str(self.attempt),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_ACTOR": self.actor,
            "GITHUB_JOB": job_id,
            "GITHUB_WORKFLOW": str(self.workflow.get("name", "")),
            "GITHUB_REF": "refs/heads/main",
            "RUNNER_TEMP": str(temp),
        }

    # -- a step --------------------------------------------------------------------
    def _step(
        self,
        step: dict[str, Any],
        n: int,
        ctx: dict[str, Any],
        env: dict[str, str],
        work: Path,
        root: Path,
        run: JobRun,
    ) -> tuple[bool, dict[str, str]]:
        if "uses" in step:
            return self._action(step, ctx, work), {}
        script = step["run"]
        assert "${{" not in script, f"an expression inside a script: {script}"
        if script.startswith("python -m pip install "):
            assert script == f"python -m pip install relbook=={__version__}", script
            return True, {}  # this venv's relbook is on PATH
        files = {k: root / f"{n}.{k.lower()}" for k in ("OUTPUT", "ENV", "STEP_SUMMARY")}
        for f in files.values():
            f.touch()
        env = {
            **env,
            **{k: self._expand(str(v), ctx) for k, v in (step.get("env") or {}).items()},
            **{f"GITHUB_{k}": str(f) for k, f in files.items()},
        }
        path = root / f"{n}.sh"
        path.write_text(script)
        assert step.get("shell") == "bash", step
        minutes = float(step.get("timeout-minutes", 30))
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)],
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=minutes * 60,
        )
        self._capture(run, f"## {step.get('name', n)}\n" + proc.stdout)
        run.summary += files["STEP_SUMMARY"].read_text()
        return proc.returncode == 0, _outputs(files["OUTPUT"].read_text())

    def _capture(self, run: JobRun, text: str) -> None:
        masks = [v for v in self.secrets.values() if v]
        shown = []
        for line in text.splitlines():
            if line.startswith("::add-mask::"):
                masks.append(line.removeprefix("::add-mask::").replace("%25", "%"))
                continue
            for value in sorted(masks, key=len, reverse=True):
                line = line.replace(value, "***")
            shown.append(line)
        run.raw += text
        run.log += "\n".join(shown) + "\n"

    def _action(self, step: dict[str, Any], ctx: dict[str, Any], work: Path) -> bool:
        name, _, ref = step["uses"].partition("@")
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"not pinned by commit: {step['uses']}"
        args = {k: self._expand(_text(v), ctx) for k, v in (step.get("with") or {}).items()}
        if name == "actions/checkout":
            branch = args.get("ref", "refs/heads/main").removeprefix("refs/heads/")
            clone = ["git", "clone", "-q", "-b", branch, str(self.origin), str(work)]
            subprocess.run(clone, check=True, capture_output=True)
            return True
        if name == "actions/setup-python":
            return True
        artifact = self.artifacts / args["name"]
        if name == "actions/download-artifact":
            if not artifact.is_dir():
                return False
            shutil.copytree(artifact, args["path"], dirs_exist_ok=True)
            return True
        if name == "actions/upload-artifact":
            source = Path(args["path"])
            if not source.exists():
                return args.get("if-no-files-found") != "error"
            if artifact.exists():
                assert args.get("overwrite") == "true", "artifact exists and no overwrite"
                shutil.rmtree(artifact)
            shutil.copytree(source, artifact)
            return True
        raise AssertionError(f"an action this runner does not know: {name}")

    # -- expressions ---------------------------------------------------------------
    def _value(self, expr: str, ctx: dict[str, Any]) -> Any:
        parts = expr.split(".")
        if parts[0] in ("inputs", "secrets", "vars"):
            source = {"inputs": self.inputs, "secrets": self.secrets, "vars": self.variables}
            return source[parts[0]].get(parts[1], "")
        if parts[0] == "needs":
            return self.jobs[parts[1]].outputs.get(parts[3], "")
        if parts[0] == "steps":
            return ctx["steps"].get(parts[1], {}).get(parts[3], "")
        if expr == "runner.temp":
            return ctx["temp"]
        if expr == "github.ref":
            return "refs/heads/main"
        if expr == "github.token":
            return "ghs_harness-token"
        raise AssertionError(f"an expression this runner does not know: {expr}")

    def _expand(self, text: str, ctx: dict[str, Any]) -> str:
        return _EXPR.sub(lambda m: str(self._value(m.group(1), ctx)), text)

    def _condition(self, expr: Any, ctx: dict[str, Any], job_level: bool = False) -> bool:
        failed = any(self.jobs[n].result == "failure" for n in ctx["needs"])
        if job_level:
            failed = failed or any(r.result == "failure" for r in self.jobs.values())
        ok = not failed and not ctx["job_failed"]
        if job_level and any(self.jobs[n].result == "skipped" for n in ctx["needs"]):
            ok = False
        if expr is None:
            return ok
        expr = str(expr).strip()
        expr = m.group(1) if (m := _EXPR.fullmatch(expr)) else expr
        if expr == "always()":
            return True
        status_checked = False
        for term in (t.strip() for t in expr.split("&&")):
            if term == "!cancelled()":
                status_checked = True
            elif term == "!failure()":
                status_checked = True
                if failed or ctx["job_failed"]:
                    return False
            else:
                left, _, right = term.partition(" == ")
                if str(self._value(left, ctx)) != right.strip("'"):
                    return False
        return True if status_checked else ok


def _text(value: Any) -> str:
    """A `with:` value as the action gets it (YAML booleans as true/false)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT in both forms: name=value and name<<DELIMITER ... DELIMITER."""
    out: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, mark = line.split("<<", 1)
            end = lines.index(mark, i + 1)
            out[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out
