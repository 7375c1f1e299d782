"""The dry run's text is built from the plan document alone (render/dryrun)."""

from __future__ import annotations

from relbook.render.dryrun import render_dry_run


def _step(**kw: object) -> dict:
    step = {
        "id": "s",
        "kind": "shell",
        "text": "Tag",
        "line": 3,
        "section": "Release",
        "status": "planned",
        "reason": "",
        "optional": False,
        "optional_why": "",
        "way": "",
        "details": [],
        "commands": [],
        "instructions": [],
    }
    return {**step, **kw}


def test_the_text_follows_the_plan() -> None:
    plan = {
        "schema": "relbook.plan/1",
        "runbook": "guide.md",
        "steps": [
            _step(id="c", status="skipped", reason="contingency: runs only with --section"),
            _step(text="Check", details=["look at the board"], optional=True),
            _step(
                line=7,
                commands=[
                    {"line": 10, "text": "git push origin v1", "risk": "remote", "status": ""},
                    {
                        "line": 8,
                        "text": "gh release <token>",
                        "written": "gh release <token>",
                        "risk": "remote",
                        "placeholder": "<token>",
                        "give_with": "-p token=VALUE",
                    },
                ],
                instructions=[
                    {
                        "id": "s@9",
                        "line": 9,
                        "text": "Update version numbers",
                        "automation": "bump VERSION",
                        "diff": "-1.2.2\n+1.2.3\n",
                    },  # fmt: skip
                ],
                status="blocked",
                reason="guide.md:8: unfilled placeholder <token>: give it with -p token=VALUE",
            ),
            _step(text="Minor only", line=20, status="not-applicable", reason="applies to minor"),
        ],
    }
    assert render_dry_run(plan).split("\n") == [
        "[1/3] Release > Check  (guide.md:3)  [optional]",
        "    - look at the board",
        "[2/3] Release > Tag  (guide.md:7)  [blocked: guide.md:8: unfilled placeholder <token>: "
        "give it with -p token=VALUE]",
        "    $ gh release <token>  [blocked: unfilled placeholder <token>, give it with "
        "-p token=VALUE]  (guide.md:8)",
        "    ? Update version numbers  (guide.md:9; s@9; relbook can bump VERSION)",
        "      -1.2.2",
        "      +1.2.3",
        "    $ git push origin v1  [remote]  (guide.md:10)",
        "[3/3] Release > Minor only  (guide.md:20)  [not applicable: applies to minor]",
        "dry run: nothing was executed and no record was written",
    ]


def test_steps_for_when_things_go_wrong_are_named_with_how_to_run_them() -> None:
    reason = "contingency: runs only with --section"
    plan = {
        "schema": "relbook.plan/1",
        "runbook": "guide.md",
        "steps": [
            _step(),
            _step(line=9, section="Rollback", contingency=True, status="skipped", reason=reason),
            _step(line=12, section="Rollback", contingency=True, status="skipped", reason=reason),
        ],
    }
    lines = render_dry_run(plan).split("\n")
    assert lines[-2] == (
        "not in this run: 2 step(s) for when things go wrong (guide.md:9, guide.md:12), in "
        "'Rollback': run one with --section NAME"
    )
    plan["steps"] = plan["steps"][:1]
    assert not any(line.startswith("not in this run") for line in render_dry_run(plan).split("\n"))
