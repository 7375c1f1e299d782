"""The paths users and old notebooks rely on keep working after the package layout."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _py(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_entry_point_names_the_cli_main() -> None:
    (ep,) = [
        e for e in importlib.metadata.entry_points(group="console_scripts") if e.name == "relbook"
    ]
    assert ep.value == "relbook.cli:main"
    from relbook.cli import main

    assert ep.load() is main


def test_python_dash_m_relbook(tmp_path: Path) -> None:
    out = _py("-m", "relbook", "--help", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "usage: relbook" in out.stdout and "drill" in out.stdout


def test_old_notebooks_import_relbook_nbsession() -> None:
    code = (
        "from relbook.nbsession import Session; import relbook.notebook.nbsession as n; "
        "print(issubclass(Session, n.Session))"
    )
    out = _py("-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_python_dash_m_relbook_kernel_is_the_kernel_launcher() -> None:
    out = _py("-c", "import relbook.kernel as k; print(callable(k.main))")
    assert out.returncode == 0 and out.stdout.strip() == "True", out.stderr
    from relbook.notebook import pmengine

    src = Path(pmengine.__file__).read_text(encoding="utf-8")
    assert '"relbook.kernel"' in src  # the kernel spec papermill starts


def test_shipped_resources_are_found() -> None:
    from relbook.cli import resolve_runbook
    from relbook.drill.scenario import builtins
    from relbook.render import templates_dir

    assert Path(resolve_runbook("release-management")).is_file()
    assert (templates_dir() / "checklist.md.j2").is_file()
    assert "happy-path" in builtins(str(ROOT / "runbooks" / "release-management.md"))


@pytest.mark.slow
def test_an_installed_wheel_runs_a_drill(tmp_path: Path) -> None:
    """`pip install .` into a fresh venv (dependencies borrowed), then a drill outside the tree."""
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(wheels)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("relbook-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "relbook/runbooks/release-management.md",
        "relbook/drill/scenarios/release-management/happy-path.yaml",
        "relbook/drill/shim.py",
        "relbook/nbsession.py",
        "relbook/kernel.py",
    ):
        assert name in names, name
    assert any(n.startswith("relbook/templates/") for n in names)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = next(p for p in sys.path if p.endswith("site-packages"))
    Path(site, "deps.pth").write_text(deps + "\n")  # a plain path: its .pth files are not read
    inst = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert inst.returncode == 0, inst.stderr
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [str(py), "-c", "import relbook; print(relbook.__file__)"],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
    )
    assert where.stdout.startswith(site), where.stdout + where.stderr
    drill = subprocess.run(
        [str(env_dir / "bin" / "relbook"), "drill", "release-management", "--version", "1.2.3"],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        timeout=300,
    )
    assert drill.returncode == 0, drill.stdout + drill.stderr
