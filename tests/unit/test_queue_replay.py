"""What a journal with queued steps (run.pipeline) shows running after a crash: a
queued step may have run only once the step handed over before it was journaled done."""

from __future__ import annotations

from relbook.record import replay, still_running


def _begin() -> dict:
    return {"event": "begin", "meta": {}, "plan": ["a", "b", "c", "d"]}


def _done(step: str, status: str = "done") -> dict:
    outcome = {"step_id": step, "kind": "shell", "status": status}
    return {"event": "outcome", "outcome": outcome}


QUEUE = {"event": "queue", "steps": ["b", "c", "d"], "tokens": ["1", "2", "3"]}


def test_a_queued_step_not_released_never_ran() -> None:
    events = [_begin(), {"event": "start", "step": "a"}, QUEUE]
    assert replay(events).running == ["a"]
    events.append(_done("a"))  # b is released: it may be running
    assert replay(events).running == ["b"]
    events += [{"event": "start", "step": "b"}, _done("b"), _done("c")]
    assert replay(events).running == ["d"]
    assert still_running(events, replay(events).outcomes) == ["d"]


def test_after_a_failure_or_a_withdrawal_nothing_queued_runs() -> None:
    events = [_begin(), {"event": "start", "step": "a"}, QUEUE, _done("a", "failed")]
    assert replay(events).running == []
    events = [_begin(), {"event": "start", "step": "a"}, QUEUE, _done("a")]
    events.append({"event": "unqueue", "steps": ["b", "c", "d"]})
    assert replay(events).running == []


def test_a_resume_forgets_what_was_queued_and_never_released() -> None:
    events = [_begin(), {"event": "start", "step": "a"}, QUEUE, {"event": "resume"}]
    assert replay(events).running == ["a"]
    events += [{"event": "start", "step": "a"}, _done("a")]
    assert replay(events).running == []  # b was queued by the run that died
