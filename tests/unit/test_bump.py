"""Version bumps with real parsers: only the intended value changes, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relbook.errors import ParamError
from relbook.params.bump import apply_bump, plan_bump

PYPROJECT = """\
# Build metadata. The version below is the package's; commitizen keeps its own.
[tool.commitizen]
version = "0.9.0"   # commitizen's last bump
tag_format = "v$version"

[tool.poetry]
name = "demo"
version = "0.9.0"

[project]
name = "demo"
version = '1.2.2'  # keep in step with VERSION
dependencies = [
    "requests>=2",  # version = "1.2.2" in a comment stays
]
"""

PACKAGE = """{
    "name": "demo",
    "lockfileVersion": 3,
    "dependencies": {
        "left-pad": { "version": "1.2.2", "resolved": "x" }
    },
    "version": "1.2.2",
    "scripts": {"build": "tsc"}
}
"""

CHART = """\
apiVersion: v2
name: demo
# the chart's own version, then the app's
version: "1.2.2"
appVersion: 1.2.2
dependencies:
  - name: redis
    version: 1.2.2
"""

MODULE = '''"""The demo package."""

__all__ = ["main"]
__version__ = "1.2.2"  # bumped at release time
VERSION_NOTE = "__version__ = '1.2.2' is set above"
'''


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def only_change(before: str, after: str, old: str, new: str, line: int) -> None:
    """`after` is `before` with `old` replaced by `new` on `line` alone."""
    b, a = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(a) == len(b)
    changed = [i + 1 for i, (x, y) in enumerate(zip(b, a, strict=True)) if x != y]
    assert changed == [line]
    assert a[line - 1] == b[line - 1].replace(old, new, 1)


def bump_one(tmp_path: Path, name: str, text: str, front: dict | None = None) -> str:
    path = write(tmp_path, name, text)
    bumps = plan_bump(tmp_path, "1.2.3", front or {"version_files": [name]}, "1.2.2")
    apply_bump(bumps)
    return path.read_bytes().decode("utf-8")


def test_pyproject_bumps_project_version_not_commitizen_or_comments(tmp_path: Path) -> None:
    after = bump_one(tmp_path, "pyproject.toml", PYPROJECT)
    only_change(PYPROJECT, after, "'1.2.2'", "'1.2.3'", 12)


def test_pyproject_without_project_version_bumps_poetry(tmp_path: Path) -> None:
    text = '[tool.poetry]\nname = "x"\nversion = "1.2.2"  # here\n\n[project]\nname = "x"\n'
    after = bump_one(tmp_path, "pyproject.toml", text)
    only_change(text, after, '"1.2.2"', '"1.2.3"', 3)


def test_package_json_bumps_the_top_level_version_only(tmp_path: Path) -> None:
    after = bump_one(tmp_path, "package.json", PACKAGE)
    only_change(PACKAGE, after, '"1.2.2"', '"1.2.3"', 7)
    data = json.loads(after)
    assert data["version"] == "1.2.3" and data["dependencies"]["left-pad"]["version"] == "1.2.2"
    assert list(data) == ["name", "lockfileVersion", "dependencies", "version", "scripts"]


def test_chart_bumps_version_and_an_equal_app_version(tmp_path: Path) -> None:
    after = bump_one(tmp_path, "Chart.yaml", CHART)
    assert after == CHART.replace('version: "1.2.2"', 'version: "1.2.3"').replace(
        "appVersion: 1.2.2", "appVersion: 1.2.3"
    )
    assert "    version: 1.2.2\n" in after  # the dependency's version stays


def test_chart_keeps_an_app_version_of_its_own(tmp_path: Path) -> None:
    text = "name: demo\nversion: 1.2.2\nappVersion: 5.0.1\n"
    after = bump_one(tmp_path, "Chart.yaml", text)
    assert after == "name: demo\nversion: 1.2.3\nappVersion: 5.0.1\n"


def test_module_version_by_explicit_location(tmp_path: Path) -> None:
    front = {"version_files": ["src/demo/__init__.py:__version__"]}
    after = bump_one(tmp_path, "src/demo/__init__.py", MODULE, front)
    only_change(MODULE, after, '"1.2.2"', '"1.2.3"', 4)


def test_explicit_toml_location(tmp_path: Path) -> None:
    front = {"version_files": ["pyproject.toml:tool.commitizen.version"]}
    path = write(tmp_path, "pyproject.toml", PYPROJECT)
    bumps = plan_bump(tmp_path, "1.2.3", front, "0.9.0")
    apply_bump(bumps)
    only_change(PYPROJECT, path.read_text(), '"0.9.0"', '"1.2.3"', 3)


def test_plain_version_file_keeps_prefix_and_newline(tmp_path: Path) -> None:
    assert bump_one(tmp_path, "VERSION", "v1.2.2\n") == "v1.2.3\n"


def test_discovered_files_and_the_diff(tmp_path: Path) -> None:
    write(tmp_path, "VERSION", "1.2.2\n")
    write(tmp_path, "package.json", PACKAGE)
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\ndynamic = ["version"]\n')
    bumps = plan_bump(tmp_path, "1.2.3", {}, "1.2.2")
    assert [b.path.name for b in bumps] == ["VERSION", "package.json"]  # dynamic: nothing
    diff = bumps[1].diff(tmp_path)
    assert '-    "version": "1.2.2",\n+    "version": "1.2.3",\n' in diff
    assert diff.startswith("--- a/package.json\n+++ b/package.json\n")


def test_a_version_that_is_not_the_previous_one_is_an_error_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, "package.json", PACKAGE.replace('"version": "1.2.2"', '"version": "1.1.0"'))
    with pytest.raises(ParamError) as e:
        plan_bump(tmp_path, "1.2.3", {}, "1.2.2")
    assert str(e.value).startswith("package.json:7: version is 1.1.0, but the previous release")
    assert json.loads((tmp_path / "package.json").read_text())["version"] == "1.1.0"


def test_a_listed_location_that_holds_no_version_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", PYPROJECT)
    with pytest.raises(ParamError) as e:
        plan_bump(tmp_path, "1.2.3", {"version_files": ["pyproject.toml:tool.black.version"]})
    assert str(e.value) == "pyproject.toml:1: no version at tool.black.version in pyproject.toml"


def test_a_listed_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ParamError, match="version file VERSION .* does not exist"):
        plan_bump(tmp_path, "1.2.3", {"version_files": ["VERSION"]})


def test_a_file_already_at_the_new_version_is_left_alone(tmp_path: Path) -> None:
    write(tmp_path, "VERSION", "1.2.3\n")
    assert plan_bump(tmp_path, "1.2.3", {}, "1.2.2") == []


def test_unparseable_files_are_errors_not_edits(tmp_path: Path) -> None:
    write(tmp_path, "package.json", '{"version": "1.2.2",,}')
    with pytest.raises(ParamError, match="cannot read package.json"):
        plan_bump(tmp_path, "1.2.3", {}, "1.2.2")
    write(tmp_path, "package.json", "{}")
    write(tmp_path, "pyproject.toml", "[project\nversion = 1")
    with pytest.raises(ParamError, match=r"^pyproject.toml:\d+: cannot read pyproject.toml"):
        plan_bump(tmp_path, "1.2.3", {}, "1.2.2")
