"""Blocks that set variables, handed to the shell server queued behind one another: what
a later block sees, what the journal keeps and what a resume carries on must be what
it is when every block runs alone (a person pasting the blocks into one terminal).
Real git, real bash, whole runs."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Repo
from tests.e2e.runhelp import (
    env,
    journal,
    relbook,
    resume_with_a_masked_secret,
    run,
    spawn,
    write_runbook,
)

VERSION = "2.6.0"
# kills relbook itself (the parent of the engine's shell), once
CRASH = 'if [ ! -e "$CRASH_MARK" ]; then touch "$CRASH_MARK"; kill -KILL "$PPID"; sleep 5; fi'


def _guide(tmp_path: Path, *blocks: str, name: str = "guide") -> Path:
    """A guide of one section per bash block."""
    text = ["# Release", ""]
    for i, block in enumerate(blocks):
        text += [f"## Step {i}", "", "```bash", block, "```", ""]
    return write_runbook(tmp_path / f"{name}.md", "\n".join(text))


def _args(guide: Path, repo: Repo, records: Path) -> list[str | Path]:
    return [guide, "--version", VERSION, "--repo", repo.path, "--records", records, "--yes"]


def _events(records: Path, name: str = "guide") -> list[dict[str, Any]]:
    return journal(records / name / f"{VERSION}.journal.jsonl")


def _outcomes(records: Path) -> dict[str, dict[str, Any]]:
    """step id -> its last journaled outcome."""
    return {e["outcome"]["step_id"]: e["outcome"] for e in _events(records) if "outcome" in e}


def _output(records: Path, step: int) -> str:
    return _outcomes(records)[f"step-{step}.1"]["output"]


def _queued(records: Path) -> set[str]:
    """The steps relbook handed over queued behind a running one."""
    return {s for e in _events(records) if e.get("event") == "queue" for s in e["steps"]}


def _run(guide: Path, repo: Repo, records: Path) -> int:
    return run(*_args(guide, repo, records))


def test_quoted_values_carry_through_queued_blocks_byte_for_byte(
    origin_repo: Repo, tmp_path: Path
) -> None:
    guide = _guide(
        tmp_path,
        'SPACED="a b  c"',
        "QUOTED='it'\\''s \"q\"'",
        "NL=$'l1\\nl2\\ttab'",
        'UNI="ünïcødé ✓"',
        'BACK="back\\\\slash \\\\n"',
        "STAR='*'",
        "CODE='$(touch pwned)'; TICKS='`touch pwned`'",
        'ALL="$SPACED|$QUOTED|$NL|$UNI|$BACK|$STAR|$CODE|$TICKS"',
        'printf "[%s]\\n" "$SPACED" "$QUOTED" "$NL" "$UNI" "$BACK" "$STAR" "$ALL"\n'
        "echo $STAR | wc -w",
    )
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 0
    assert _output(records, 8) == (
        "[a b  c]\n"
        '[it\'s "q"]\n'
        "[l1\nl2\ttab]\n"
        "[ünïcødé ✓]\n"
        "[back\\slash \\n]\n"
        "[*]\n"
        '[a b  c|it\'s "q"|l1\nl2\ttab|ünïcødé ✓|back\\slash \\n|*|$(touch pwned)|'
        "`touch pwned`]\n"
        "2\n"  # an unquoted `*` still globs (README.md VERSION)
    )
    assert not (origin_repo.path / "pwned").exists()  # values are never run as code
    assert {f"step-{i}.1" for i in range(2, 9)} <= _queued(records)
    assert _outcomes(records)["step-2.1"]["extra"]["session"] == {
        "set": {"NL": "declare -- NL=$'l1\\nl2\\ttab'"}
    }


def test_arrays_and_associative_arrays_carry_through_queued_blocks(
    origin_repo: Repo, tmp_path: Path
) -> None:
    guide = _guide(
        tmp_path,
        'read -ra LIST <<< "one two three"',
        "LIST[1]=\"two and a half\"; LIST[${#LIST[@]}]=$'fo\\nur'",
        'unset "LIST[0]"',
        'declare -A MAP; MAP[k1]=v1; MAP["k 2"]="v 2"',
        'MAP["a]b"]=x; unset "MAP[k1]"',
        'printf "<%s>\\n" "${LIST[@]}" "${!LIST[@]}"\n'
        'echo "${#MAP[@]} ${MAP["k 2"]} ${MAP["a]b"]} ${MAP[k1]-gone}"',
    )
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 0
    assert _output(records, 5) == (
        "<two and a half>\n<three>\n<fo\nur>\n<1>\n<2>\n<3>\n2 v 2 x gone\n"
    )
    assert {"step-2.1", "step-3.1", "step-4.1", "step-5.1"} <= _queued(records)


def test_the_integer_attribute_and_export_attributes_are_kept(
    origin_repo: Repo, tmp_path: Path
) -> None:
    guide = _guide(
        tmp_path,
        "declare -i COUNT=5",
        "COUNT=COUNT+3",
        "COUNT+=2; export SHARED=1",
        'echo "$COUNT"; bash -c \'echo "child:${SHARED-unset}"\'',
        'declare +x SHARED; COUNT="2*3"',
        'echo "$COUNT $SHARED"; bash -c \'echo "child:${SHARED-unset}"\'',
        "export SHARED",
        "bash -c 'echo \"child:${SHARED-unset}\"'",
    )
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 0
    assert _output(records, 3) == "10\nchild:1\n"
    assert _output(records, 5) == "6 1\nchild:unset\n"
    assert _output(records, 7) == "child:1\n"
    assert _outcomes(records)["step-4.1"]["extra"]["session"]["set"] == {
        "COUNT": 'declare -i COUNT="6"',
        "SHARED": 'declare -- SHARED="1"',
    }


def test_a_variable_set_changed_unset_then_read(origin_repo: Repo, tmp_path: Path) -> None:
    guide = _guide(
        tmp_path,
        "STAGE=one",
        'echo "$STAGE"; STAGE=two',
        'echo "$STAGE"; unset STAGE',
        'echo "${STAGE-unset}"',
    )
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 0
    assert [_output(records, i) for i in (1, 2, 3)] == ["one\n", "two\n", "unset\n"]
    assert _outcomes(records)["step-2.1"]["extra"]["session"] == {"unset": ["STAGE"]}


def test_unsetting_a_variable_of_the_environment_in_a_queued_block(
    origin_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FROM_ENV", "outside")
    guide = _guide(
        tmp_path,
        "A=1",
        'echo "$FROM_ENV"; unset -v FROM_ENV',
        'echo "${FROM_ENV-gone}"; bash -c \'echo "child:${FROM_ENV-gone}"\'',
        "FROM_ENV=back",
        'echo "$FROM_ENV"; bash -c \'echo "child:${FROM_ENV-gone}"\'',
    )
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 0
    assert _output(records, 1) == "outside\n"
    assert _output(records, 2) == "gone\nchild:gone\n"
    assert _output(records, 4) == "back\nchild:gone\n"  # set again, but no longer exported
    assert {"step-2.1", "step-3.1", "step-4.1"} <= _queued(records)


@pytest.mark.parametrize(
    ("changes", "seen"),
    [
        pytest.param(["unset -v FROM_ENV"], "gone", id="unset"),
        pytest.param(["FROM_ENV=inside", "FROM_ENV=outside"], "outside", id="set-back"),
    ],
)
def test_a_variable_of_the_environment_stays_as_the_run_left_it_on_resume(
    origin_repo: Repo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    changes: list[str],
    seen: str,
) -> None:
    fixed = tmp_path / "fixed"
    monkeypatch.setenv("FROM_ENV", "outside")
    monkeypatch.setenv("FIXED", str(fixed))
    last = 'echo "${FROM_ENV-gone} $A $B"'
    guide = _guide(tmp_path, "A=1", *changes, 'B=2; test -e "$FIXED"', last)
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 1  # stops before the last block
    fixed.touch()
    assert _run(guide, origin_repo, records) == 0
    assert _output(records, len(changes) + 2) == f"{seen} 1 2\n"


def test_a_block_that_exits_0_early_carries_nothing_and_the_queue_goes_on(
    origin_repo: Repo, tmp_path: Path
) -> None:
    guide = _guide(
        tmp_path,
        "A=1",
        "B=2\nexit 0\nB=3",
        'echo "$A ${B-unset}"; C=after',
        'echo "$C"',
    )
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 0
    outcomes = _outcomes(records)
    assert [o["status"] for o in outcomes.values()] == ["done"] * 4
    assert "session" not in outcomes["step-1.1"]["extra"]  # it wrote no state
    assert _output(records, 2) == "1 unset\n"
    assert _output(records, 3) == "after\n"


def test_a_failing_block_stops_the_queue_and_the_same_command_resumes_after_the_fix(
    origin_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed, reached = tmp_path / "fixed", tmp_path / "reached"
    monkeypatch.setenv("FIXED", str(fixed))
    monkeypatch.setenv("REACHED", str(reached))
    guide = _guide(
        tmp_path,
        "A=1",
        'B="$A-b"',
        'C="$B-c"; test -e "$FIXED"; D="$C-d"',
        'E="$D-e"; touch "$REACHED"',
        'echo "$A $B ${C-} $D $E"',
    )
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 1
    outcomes = _outcomes(records)
    assert outcomes["step-2.1"]["status"] == "failed"
    assert "session" not in outcomes["step-2.1"]["extra"]  # it failed before its state
    assert "step-3.1" not in outcomes and not reached.exists()  # skipped, never run
    assert {"step-2.1", "step-3.1"} <= _queued(records)
    assert any(e.get("event") == "unqueue" and "step-3.1" in e["steps"] for e in _events(records))
    fixed.touch()
    assert _run(guide, origin_repo, records) == 0
    assert reached.exists()
    assert _output(records, 4) == "1 1-b 1-b-c 1-b-c-d 1-b-c-d-e\n"


def test_sixty_queued_blocks_each_counting_one(origin_repo: Repo, tmp_path: Path) -> None:
    # `$(( N + 1 ))`, not `$((N+1))`: the preflight takes `N+1` for a program
    guide = _guide(tmp_path, "N=0", *["N=$(( N + 1 ))"] * 60, 'echo "N=$N"')
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 0
    assert _output(records, 61) == "N=60\n"
    assert len(_queued(records)) >= 55  # topped up as they ran, not one by one
    sessions = [o["extra"].get("session") for o in _outcomes(records).values()]
    sets = [s["set"]["N"] for s in sessions if s]
    assert sets == [f'declare -- N="{n}"' for n in range(61)]


def test_queued_blocks_around_a_cd_block(origin_repo: Repo, tmp_path: Path) -> None:
    guide = _guide(
        tmp_path,
        "A=1",
        'B="$A-2"',
        "mkdir -p sub && cd sub",
        'C="$B-3"',
        'D="$C-4"; basename "$(pwd)"',
        'echo "$A $B $C $D"; pwd',
    )
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 0
    sub = origin_repo.path.resolve() / "sub"
    assert _output(records, 4) == "sub\n"
    assert _output(records, 5) == f"1 1-2 1-2-3 1-2-3-4\n{sub}\n"
    assert _outcomes(records)["step-2.1"]["extra"]["session"] == {"cwd": str(sub)}
    assert "step-2.1" not in _queued(records)  # a `cd` is never queued
    assert {"step-4.1", "step-5.1"} <= _queued(records)


def test_names_of_bash_own_variables_in_queued_blocks_break_nothing(
    origin_repo: Repo, tmp_path: Path
) -> None:
    guide = _guide(
        tmp_path,
        "A=1",
        "SECONDS=100; X=1",
        "RANDOM=5; _=foo; Y=2",
        "OPTIND=3; Z=3",
        'echo "$A $X $Y $Z"; echo "$(( SECONDS < 100 )) $OPTIND"',
    )
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 0
    got = _output(records, 4).split("\n")
    assert got[0] == "1 1 2 3"
    assert got[1] == "1 1"  # bash's own: not carried
    for i in (1, 2, 3):
        assert set(_outcomes(records)[f"step-{i}.1"]["extra"]["session"]["set"]) <= {"X", "Y", "Z"}


def test_a_block_that_only_sets_ifs_does_not_change_how_later_blocks_split(
    origin_repo: Repo, tmp_path: Path
) -> None:
    guide = _guide(tmp_path, "A=1", "IFS=:", 'B="x:y"; set -- $B; echo "$#"')
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 0
    assert _output(records, 2) == "1\n"


def test_a_step_only_variable_unset_after_a_block_of_bash_own_names_is_unset(
    origin_repo: Repo, tmp_path: Path
) -> None:
    guide = _guide(
        tmp_path,
        "A=1",
        "export LC_ALL=C",
        "OPTIND=1",
        "B=2",
        "unset LC_ALL",
        'echo "${LC_ALL-unset}"; C=3',
        'echo "${LC_ALL-unset} $C"',
    )
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 0
    assert _output(records, 5) == "unset\n"
    assert _output(records, 6) == "unset 3\n"


@pytest.mark.parametrize(
    ("blocks", "last"),
    [
        pytest.param(["readonly RO=1", "(( 1 ))", "B=2", 'echo "$RO $B"'], "1 2", id="no-name"),
        pytest.param(
            ["declare -rx RO=locked", 'echo "$RO"', "cd .", 'echo "$RO $A"'], "locked 1", id="rx"
        ),
    ],
)
def test_a_readonly_variable_is_never_handed_to_the_server(
    origin_repo: Repo, tmp_path: Path, blocks: list[str], last: str
) -> None:
    # a block naming no variable (`(( 1 ))`) writes no state, and `declare -rx` is
    # readonly too: the server would keep it readonly, and a later block declaring it fail
    guide = _guide(tmp_path, "A=1", *blocks)
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 0
    assert _output(records, len(blocks)) == f"{last}\n"


def test_a_readonly_variable_set_with_readonly_carries_and_stays_readonly(
    origin_repo: Repo, tmp_path: Path
) -> None:
    guide = _guide(
        tmp_path,
        "A=1",
        "readonly RO=1",
        "B=2",
        "C=3",
        'echo "$RO $B $C"',
        "cd .",
        'echo "$RO"; RO=2',
    )
    records = tmp_path / "records"
    assert _run(guide, origin_repo, records) == 1
    assert _output(records, 4) == "1 2 3\n"
    assert "RO: readonly variable" in _output(records, 6)
    assert _outcomes(records)["step-6.1"]["status"] == "failed"


def test_a_secret_set_in_a_queued_block_is_masked_and_asked_again_after_a_kill(
    origin_repo: Repo, tmp_path: Path
) -> None:
    vault, used, mark = tmp_path / "vault", tmp_path / "used-token", tmp_path / "crashed"
    vault.write_text("s3cr3t-value\n")
    guide = _guide(
        tmp_path,
        "A=1",
        'B="$A-b"',
        'read -r DEPLOY_TOKEN < "$VAULT"\nexport DEPLOY_TOKEN="tok-$DEPLOY_TOKEN"',
        'echo "now $DEPLOY_TOKEN"',
        "cd .",  # never queued: handed over once relbook has recorded every step before it
        CRASH,
        'printf %s "$DEPLOY_TOKEN" > "$USED"; echo "deploying with $DEPLOY_TOKEN $B"',
    )
    records = tmp_path / "records"
    base = env(CRASH_MARK=str(mark), VAULT=str(vault), USED=str(used))
    first = spawn(*_args(guide, origin_repo, records), env=base)
    out, _ = first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL and mark.exists() and not used.exists()
    assert "s3cr3t-value" not in out
    assert {"step-2.1", "step-3.1"} <= _queued(records)
    outcomes = _outcomes(records)
    assert outcomes["step-2.1"]["extra"]["session"] == {
        "secret": ["DEPLOY_TOKEN"],
        "set": {"DEPLOY_TOKEN": "declare -x DEPLOY_TOKEN=***"},
    }
    assert outcomes["step-3.1"]["output"] == "now ***\n"
    args = _args(guide, origin_repo, records)
    given = resume_with_a_masked_secret(
        args, base, "DEPLOY_TOKEN", "tok-s3cr3t-value", used, records
    )
    assert "deploying with *** 1-b" in given.stdout
    cells = json.loads((records / "guide" / f"{VERSION}.ipynb").read_text())["cells"]
    assert "now ***" in json.dumps(cells)


def test_a_kill_in_the_middle_of_a_queue_then_a_resume_counts_right(
    origin_repo: Repo, tmp_path: Path
) -> None:
    mark = tmp_path / "crashed"
    step = 'N=$(( N + 1 )); L="$L$N,"'
    guide = _guide(tmp_path, "N=0; L=", *[step] * 6, CRASH, *[step] * 6, 'echo "$N $L"')
    records = tmp_path / "records"
    first = spawn(*_args(guide, origin_repo, records), env=env(CRASH_MARK=str(mark)))
    first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL and mark.exists()
    assert "step-7.1" in _queued(records)  # the kill came from a queued block
    again = relbook(*_args(guide, origin_repo, records), env=env(CRASH_MARK=str(mark)))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "was interrupted" in again.stdout
    assert _output(records, 14) == "12 1,2,3,4,5,6,7,8,9,10,11,12,\n"
