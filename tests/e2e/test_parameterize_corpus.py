"""`relbook parameterize` on real guides: for each guide of the corpus (other projects'
release guides, unmodified) and each shipped runbook, the written guide parses to the
same steps, sections, conditions, contingency and choices, plans the same dry run for
the corpus's release (in a repository with its tags) with the same run parameters,
says all of it in directives (nothing is left to be read again from the wording), and
parameterizing it again changes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from relbook.cli import main
from relbook.model import Runbook
from relbook.params import PARTS
from relbook.parse import read_runbook
from tests.conftest import RUNBOOKS, git

# beside the repository (as CI lays it out), or beside the folder of its worktree
CORPUS = next(
    (p / "shared" / "corpus" for p in Path(__file__).resolve().parents[3:5]
     if (p / "shared" / "corpus" / "truth").is_dir()),
    Path("shared/corpus"),
)  # fmt: skip


def _cases() -> list[tuple[Path, str, tuple[str, ...]]]:
    out = [(p, "2.4.0", ("v2.3.1",)) for p in sorted(RUNBOOKS.glob("*.md"))]
    for truth in sorted((CORPUS / "truth").glob("*.yaml")):
        release = yaml.safe_load(truth.read_text(encoding="utf-8"))
        guide = CORPUS / "guides" / release["guide"]
        tags = tuple(str(t) for t in release["release"].get("tags", ()))
        out.append((guide, str(release["release"]["version"]), tags))
    return out


CASES = _cases()
# where the source is quoted or a line is counted: what parameterize writes, not a plan
_WRITTEN = {"line", "runbook", "path", "where", "sha256", "text", "body", "source", "written"}
# how a value is written (`X.Y` or `{{ major }}.{{ minor }}`): what it fills in is the plan
_WRITTEN |= {"literal", "example_version", "placeholders", "uses"}


def _same(x: Any, path: str) -> Any:
    """`x` with what depends on the guide's wording and lines left out."""
    if isinstance(x, dict):
        return {k: _same(v, path) for k, v in x.items() if k not in _WRITTEN}
    if isinstance(x, list):
        return [_same(v, path) for v in x]
    if isinstance(x, str):
        return re.sub(r"\bline \d+", "line N", re.sub(re.escape(path) + r"(?::\d+)?", "G", x))
    return x


def _parts_aside(doc: Any) -> Any:
    """The run parameters less the parts of the version: `pyiceberg-0.8.x` is written
    `pyiceberg-{{ major }}.{{ minor }}.x`, where the guide's own listing names no part;
    the plan shows both fill in the same."""
    if isinstance(doc, dict) and "parameters" in doc:
        kept = [p for p in doc["parameters"] if p["name"] not in PARTS]
        return {**doc, "parameters": kept}
    return doc


def _json(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> Any:
    """The command's JSON document, or its exit status and message when it refuses (a
    version of another scheme than SemVer)."""
    code = main([*args[:1], str(path), *args[1:]])
    got = capsys.readouterr()
    return _same(json.loads(got.out) if code == 0 else (code, got.err), str(path))


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="the corpus is beside the repository")
@pytest.mark.parametrize(("guide", "version", "tags"), CASES, ids=[c[0].stem for c in CASES])
def test_the_written_guide_plans_what_the_guide_plans(
    guide: Path, version: str, tags: tuple[str, ...], tmp_path: Path, capsys: Any
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "commit", "-q", "--allow-empty", "-m", "start")
    for tag in tags:
        git(repo, "tag", tag)
    out = tmp_path / guide.name
    assert main(["parameterize", str(guide), "-o", str(out)]) == 0
    again = tmp_path / "again.md"
    assert main(["parameterize", str(out), "-o", str(again)]) == 0
    capsys.readouterr()
    assert again.read_text() == out.read_text()  # written once
    rec = ("--repo", str(repo), "--records", str(tmp_path / "rec"))
    for args in (
        ("parse", "--json"),
        ("params", "--json", "--version", version, "--repo", str(repo)),
        ("run", "--version", version, "--dry-run", "--json", *rec),
    ):
        assert _parts_aside(_json(capsys, out, *args)) == _parts_aside(
            _json(capsys, guide, *args)
        ), args
    _said_not_inferred(read_runbook(guide), read_runbook(out))


def _said_not_inferred(rb: Runbook, written: Runbook) -> None:
    """What relbook read into the guide is written out, not read again from its words:
    each step's conditions, optional and choice as its directive's words, contingency as
    its section's or its own; the placeholders stand for the same release values."""
    by_id = {s.id: s for s in written.steps}
    sections = {s.path: s for s in written.sections}
    for step in rb.steps:
        said = by_id[step.id].directives
        assert not step.applies_to or "applies-to" in said, step.id
        assert not step.optional or "optional" in said, step.id
        assert not step.choice or said.get("choice") == step.choice, step.id
        section = sections.get(step.section_path)
        assert not step.contingency or "flow" in said or (section and section.contingency)
    names = {p.name for p in rb.placeholders} - set(PARTS)
    assert {p.name for p in written.placeholders} - set(PARTS) == names
