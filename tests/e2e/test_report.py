"""Documents from a real release record: checklist, notes and the HTML report
(rendered by headless Chromium when it is installed)."""

import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from relbook.cli import main
from relbook.record import read_record
from tests.conftest import GIT_ENV, RUNBOOKS, Repo, make_repo

RM = str(RUNBOOKS / "release-management.md")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SKIP_REASON = "no drill environment this week"


def _run(repo: Repo, tmp: Path, runbook: str, *extra: str) -> int:
    argv = ["run", runbook, "--repo", str(repo.path), "--records", str(tmp / "records")]
    argv += ["--date", "2026-06-15"]  # outside the guide's holiday blackout
    argv += ["--yes", "--operator", "alice", "--signer", "alice", *extra]  # alice signs hers
    if runbook == RM:  # answers name the shipped guide's steps (others are refused)
        answers = tmp / "answers.yaml"
        answers.write_text(f'release-testing.3: "skip: {SKIP_REASON}"\n')
        argv += ["--answers", str(answers)]
    return main(argv)


@dataclass
class Released:
    repo: Repo
    record: Path


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Released:
    """One finished run of release-management 1.2.3 in which one step was skipped,
    shared by the tests that only read it (a run takes a couple of seconds)."""
    base = tmp_path_factory.mktemp("released")
    with pytest.MonkeyPatch.context() as mp:
        home = base / "home"
        home.mkdir()
        (home / ".gitconfig").write_text("[user]\n\tname = Rel Tester\n\temail = rel@example.com\n")
        mp.setenv("HOME", str(home))
        for k, v in GIT_ENV.items():
            mp.setenv(k, v)
        for k in [k for k in os.environ if k.startswith("RELBOOK_")]:
            mp.delenv(k)
        repo = make_repo(base)
        code = _run(repo, base, RM, "--version", "1.2.3", "--description", "Canary deploys")
    assert code == 0
    return Released(repo, base / "records" / "release-management" / "1.2.3.ipynb")


@pytest.fixture
def record(released: Released, capsys) -> Path:
    capsys.readouterr()
    return released.record


def _out(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


# -- checklist and notes from a record ----------------------------------------


def test_checklist_from_record_checks_match_the_record(record, capsys):
    out = _out(capsys, "render", "checklist", RM, "--record", str(record))
    items = re.findall(r"^- \[( |x)\] (.*)$", out, re.M)
    assert len(items) == 19
    outcomes = {o.text: o.status.value for o in read_record(record).outcomes}
    for box, line in items:
        text = line.split(" — ")[0].replace(" _(sign-off)_", "")
        assert (box == "x") == (outcomes[text] == "done"), line
    skipped = [line for box, line in items if line.startswith("Execute tabletop drill scenarios")]
    # the skip's own time: the run may cross a minute between the confirmations and it
    [line] = skipped
    assert re.fullmatch(
        r"Execute tabletop drill scenarios — \*\*skipped\*\* by alice at "
        rf"\d{{4}}-\d\d-\d\d \d\d:\d\d: {re.escape(SKIP_REASON)}",
        line,
    ), line
    assert "git checkout -b release/v1.2.3\n" in out
    assert len(re.findall(r"^✅ \*\*done\*\* \(exit 0\) in \d+\.\d s at ", out, re.M)) == 2
    assert "17 of 19 items checked" in out
    assert "bump VERSION: 1.2.2 -> 1.2.3" in out


def test_blank_checklist_takes_previous_version_from_repo_tags(origin_repo, capsys):
    argv = ["render", "checklist", RM, "--version", "1.3.0", "--repo", str(origin_repo.path)]
    out = _out(capsys, *argv)
    assert "git checkout v1.2.2\n" in out and "- [x]" not in out


def test_checklist_record_of_another_version_or_runbook_is_refused(record, capsys):
    argv = ["render", "checklist", RM, "--record", str(record)]
    assert main([*argv, "--version", "1.2.4"]) == 2
    assert "record is of version 1.2.3, not 1.2.4" in capsys.readouterr().err
    octo = str(RUNBOOKS / "octoacme-release.md")
    assert main(["render", "checklist", octo, "--record", str(record)]) == 2
    assert f"record is of {RM}, not of {octo}" in capsys.readouterr().err


def test_notes_list_skipped_steps_as_known_issues(record, released, capsys):
    out = _out(
        capsys, "render", "notes", RM, "--version", "1.2.3", "--repo", str(released.repo.path),
        "--record", str(record), "--known-issue", "Dashboards lag",
    )  # fmt: skip
    issues = out.split("## Known issues\n", 1)[1]
    assert (
        f"- Dashboards lag\n- Skipped: Execute tabletop drill scenarios ({SKIP_REASON})" in issues
    )
    assert "Prepare release v1.2.3" in out  # tag exists now: range v1.2.2..v1.2.3


def test_a_file_that_is_not_a_record_is_one_line_exit_2(tmp_path, capsys):
    bogus = tmp_path / "x.ipynb"
    bogus.write_text("{}")
    assert main(["render", "report", str(bogus)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a relbook record" in err


# -- the HTML report --------------------------------------------------------------


def _report(capsys, record: Path, *extra: str) -> str:
    out = record.with_suffix(".html")
    assert main(["render", "report", str(record), "-o", str(out), *extra]) == 0
    capsys.readouterr()
    return out.read_text()


def test_report_is_self_contained_with_summary_off_script_and_timeline(record, capsys):
    html = _report(capsys, record)
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc=|url\(|@import", html, re.I)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", html)
    assert "Release Management Guide 1.2.3" in html and ">done</span>" in html
    assert "19 done" in html and "1 skipped" in html and "1 not applicable" in html
    off = html.split('id="off-script"')[1].split("</section>")[0]
    assert "Execute tabletop drill scenarios" in off and SKIP_REASON in off
    assert "Merge release branch" not in off
    svg = html.split("<svg", 1)[1].split("</svg>")[0]
    assert svg.count("<g>") == 21
    assert svg.count('class="f-done"') == 19 and svg.count('class="f-skipped"') == 1
    assert html.count("<details") == 2  # the two shell steps' commands and outputs
    assert "is unchanged since this release" in html


def test_report_shows_steps_changed_since_the_run(record, tmp_path, capsys):
    edited = tmp_path / "edited.md"
    text = Path(RM).read_text().replace("git pull origin main", "git pull --ff-only origin main")
    edited.write_text(text.replace("- [ ] Security and compliance review\n", ""))
    html = _report(capsys, record, "--runbook", str(edited))
    off = html.split('id="off-script"')[1].split("</section>")[0]
    assert "-git pull origin main</span>" in off
    assert "+git pull --ff-only origin main</span>" in off
    assert "changed since this release" in html
    row = off.split("Security and compliance review")[1].split("</tr>")[0]
    assert "not in the current runbook" in row


GUIDE = """\
# Deploy guide

## Checks
- [ ] Smoke tests green

## Deploy
```bash
# Deploy with the token
echo "deploying {{ version }} using $DEPLOY_TOKEN"
```

## Verify
```bash
# Health check
echo "checking health"
exit 3
```
"""


def test_failed_run_report_opens_the_failure_masks_secrets_and_escapes(
    origin_repo, tmp_path, monkeypatch, capsys
):
    guide = tmp_path / "deploy.md"
    guide.write_text(GUIDE)
    monkeypatch.setenv("DEPLOY_TOKEN", "s3cr3t-value-42")
    description = "<script>alert('x')</script>"
    code = _run(
        origin_repo, tmp_path, str(guide), "--version", "2.0.0", "--description", description
    )
    capsys.readouterr()
    assert code == 1
    html = _report(capsys, tmp_path / "records" / "deploy" / "2.0.0.ipynb")
    assert "s3cr3t-value-42" not in html and "using ***" in html
    assert "<script" not in html and "&lt;script&gt;alert(" in html
    off = html.split('id="off-script"')[1].split("</section>")[0]
    assert "Health check" in off and "exit 3" in off
    assert "<details open>" in html.split('id="step-3"')[1]
    assert ">failed</span>" in html.split("<header>")[1].split("</header>")[0]


# -- in a real browser -------------------------------------------------------------


def _png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit RGB/RGBA PNG (stdlib only)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + size]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + size
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6)
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(px for i in range(0, stride, bpp) for px in line[i : i + 3]))
        prev = line
    return width, height, rows


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium(record, tmp_path, capsys):
    _report(capsys, record)
    page, shot = record.with_suffix(".html"), tmp_path / "report.png"
    flags = "--headless --no-sandbox --disable-gpu --disable-background-networking "
    flags += "--disable-component-update --no-first-run --window-size=1200,1600"
    cmd = [CHROMIUM, *flags.split(), f"--user-data-dir={tmp_path / 'chrome'}"]
    cmd += [f"--screenshot={shot}", page.as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120, check=True)
    width, height, rows = _png_pixels(shot)
    assert (width, height) == (1200, 1600)
    pixels = [row[i : i + 3] for row in rows[::4] for i in range(0, len(row), 12)]
    white = sum(p == b"\xff\xff\xff" for p in pixels)
    assert len(set(pixels)) > 50 and white < 0.95 * len(pixels)  # not a blank page
    done_green = sum(p == bytes((0x1A, 0x7F, 0x37)) for p in pixels)
    assert done_green > 100  # the result badge, the status bar and the timeline's done steps


def test_paused_release_report_checklist_and_notes(origin_repo, tmp_path, capsys):
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        'pre-release-checklist.1: done\npre-release-checklist.2: "skip: scanner down"\n'
    )
    argv = ["run", RM, "--version", "1.2.3", "--repo", str(origin_repo.path), "--operator", "carol"]
    argv += ["--records", str(tmp_path / "records"), "--answers", str(answers)]
    argv += ["--date", "2026-06-15"]
    assert main(argv) == 3
    capsys.readouterr()
    record = tmp_path / "records" / "release-management" / "1.2.3.ipynb"
    html = _report(capsys, record)
    assert ">paused</span>" in html and "19 not run" in html
    off = html.split('id="off-script"')[1].split("</section>")[0]
    assert off.count("<tr>") == 3  # header, the skip, one row for the steps not reached
    assert "scanner down" in off and "19 steps the run stopped before: 3–21" in off
    out = _out(capsys, "render", "checklist", RM, "--record", str(record))
    assert "1 of 19 items checked" in out and "**skipped** by carol" in out
    notes = _out(capsys, "render", "notes", RM, "--version", "1.2.3", "--record", str(record))
    issues = notes.split("## Known issues\n", 1)[1]
    assert "- Skipped: Security scan completed without critical issues (scanner down)\n" in issues
    assert "- Not done: 19 steps, from “Documentation updated and reviewed” on\n" in issues


def test_report_and_checklist_of_a_run_killed_mid_step(origin_repo, tmp_path, capsys):
    """relbook SIGKILLed inside a step leaves a record that never ended: both render it."""
    guide = tmp_path / "g.md"
    guide.write_text(
        "# Release\n\n- [ ] Announce the freeze\n\n"
        '```bash\necho started\nkill -9 "$(ps -o ppid= -p $$)"\nsleep 5\n```\n'
    )
    argv = [sys.executable, "-m", "relbook", "run", str(guide), "--version", "1.2.3", "--yes"]
    argv += ["--repo", str(origin_repo.path), "--records", str(tmp_path / "records")]
    assert subprocess.run(argv, capture_output=True, timeout=60).returncode == -9
    record = tmp_path / "records" / "g" / "1.2.3.ipynb"
    assert read_record(record).meta["ended"] is None
    html = _report(capsys, record)
    assert "<dt>Ended</dt><dd>not yet" in html
    out = _out(capsys, "render", "checklist", str(guide), "--record", str(record))
    assert "Record of release **1.2.3**: running, run by" in out and ", ended" not in out
