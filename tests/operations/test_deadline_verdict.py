"""A timed_out verdict says why whichever way it was reached: by its timer, or by a fact that arrived after the
deadline while the timer had not run yet (a busy loop runs timers late). Both carry the `deadline` error, in the
state and in the exported `operation:timed-out` event (seen once as an event without `meta.error` under load)."""

from __future__ import annotations

from dataclasses import replace

from runtime.operations import Budget, OperationState, Stage, StageFact, step
from runtime.operations.events import operation_meta
from runtime.operations.machine import DEADLINE_SPENT, deadline_for

CID = "c-1"


def _accepted() -> OperationState:
    s = OperationState(command_id=CID, correlation_id=CID, kind="k", target="t", link_id="m#1::o1",
                       wait_for=Stage.READY, budget=Budget(accept=1, committed=2, observed=3, ready=3),
                       submitted_at=0.0, deadline_at=0.0)
    s, _ = step(replace(s, deadline_at=deadline_for(s)), StageFact(CID, Stage.ACCEPTED, "http-202"), 0.1)
    return s


def test_a_fact_after_the_deadline_times_out_with_the_deadline_error_as_the_timer_does() -> None:
    late, late_events = step(_accepted(), StageFact(CID, Stage.COMMITTED, "sse", version=1), 100.0)
    by_timer, timer_events = step(_accepted(), StageFact(CID, Stage.TIMED_OUT, "timer", error=DEADLINE_SPENT), 100.0)
    assert late.stage is by_timer.stage is Stage.TIMED_OUT
    assert late_events[0].type == timer_events[0].type == "timed_out"
    assert late.error == by_timer.error == DEADLINE_SPENT
    assert late_events[0].error == timer_events[0].error == DEADLINE_SPENT
    meta = operation_meta("timed_out", late, event=late_events[0])
    assert meta["error"] == {"code": "deadline", "message": "stage budget spent", "retryable": False}
    assert late.facts[-1].disposition == "late"  # the fact itself is kept, as arriving after the verdict
