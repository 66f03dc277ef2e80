"""The pure stage machine: ranks, skips, duplicates, fencing, terminals, late facts and the deadline boundary."""

from __future__ import annotations

from dataclasses import replace

from runtime.operations import Budget, OperationError, OperationState, Stage, StageFact, parse_stage, step
from runtime.operations.machine import deadline_for

CID = "c-1"


def fresh(wait_for: Stage = Stage.ACCEPTED, **kw) -> OperationState:
    s = OperationState(command_id=CID, correlation_id=CID, kind="k", target="t", link_id="m#1::o1",
                       wait_for=wait_for, budget=Budget(accept=1, committed=2, observed=3, ready=3),
                       submitted_at=0.0, deadline_at=0.0, **kw)
    return replace(s, deadline_at=deadline_for(s))


def fact(stage: Stage, source: str = "sse", **kw) -> StageFact:
    return StageFact(CID, stage, source, **kw)


def test_skipping_stages_records_them_as_inferred_and_reports_each():
    s, _ = step(fresh(), fact(Stage.ACCEPTED, "http-202"), 0.1)
    s, events = step(s, fact(Stage.OBSERVED, version=4), 0.5)
    assert s.stage is Stage.READY  # observed implies ready by default
    assert [(e.type, str(e.stage), e.inferred) for e in events] == [
        ("stage_reached", "committed", True), ("stage_reached", "observed", False), ("stage_reached", "ready", False)]
    assert [f.disposition for f in s.facts] == ["applied", "inferred", "applied", "applied"]
    assert s.version == 4 and s.terminal_at == 0.5


def test_a_lower_or_equal_rank_is_a_duplicate_and_changes_nothing():
    s, _ = step(fresh(), fact(Stage.ACCEPTED), 0.1)
    s, _ = step(s, fact(Stage.COMMITTED, version=1), 0.2)
    s2, events = step(s, fact(Stage.ACCEPTED), 0.3)
    assert events == [] and s2.stage is Stage.COMMITTED and s2.facts[-1].disposition == "duplicate"


def test_exactly_one_terminal_and_late_facts_are_kept():
    s, _ = step(fresh(), fact(Stage.ACCEPTED), 0.1)
    s, events = step(s, fact(Stage.FAILED, error=OperationError("boom", "x")), 0.2)
    assert s.stage is Stage.FAILED and [e.type for e in events] == ["failed"]
    s2, events = step(s, fact(Stage.OBSERVED, version=1), 0.3)
    assert s2.stage is Stage.FAILED and s2.terminal_at == 0.2
    assert [e.type for e in events] == ["late_fact"] and s2.facts[-1].disposition == "late"
    assert s2.late_resolution is None  # only a timed_out verdict can be resolved late


def test_timed_out_then_resolved_late_keeps_the_verdict():
    s, _ = step(fresh(), fact(Stage.ACCEPTED), 0.1)
    s, events = step(s, fact(Stage.TIMED_OUT, "timer"), s.deadline_at)
    assert s.stage is Stage.TIMED_OUT and events[0].type == "timed_out"
    s, events = step(s, fact(Stage.OBSERVED, version=2), 9.0)
    assert s.stage is Stage.TIMED_OUT and s.late_resolution is Stage.READY
    assert [e.type for e in events] == ["resolved_late"]
    s, events = step(s, fact(Stage.FAILED), 9.5)
    assert s.late_resolution is Stage.READY and [e.type for e in events] == ["late_fact"]


def test_a_fact_applied_at_the_deadline_loses():
    s, _ = step(fresh(), fact(Stage.ACCEPTED), 0.1)
    deadline = s.deadline_at
    s, events = step(s, fact(Stage.COMMITTED, version=1), deadline)
    assert s.stage is Stage.TIMED_OUT and s.terminal_at == deadline
    assert [e.type for e in events] == ["timed_out", "late_fact"]


def test_a_stale_timer_does_not_end_an_operation_whose_deadline_moved():
    s, _ = step(fresh(), fact(Stage.ACCEPTED), 0.5)
    s2, events = step(s, fact(Stage.TIMED_OUT, "timer"), 1.0)  # the accept deadline's timer, fired late
    assert s2.stage is Stage.ACCEPTED and events == [] and s2.facts[-1].disposition == "ignored"


def test_older_attempts_are_fenced():
    s, _ = step(fresh(), fact(Stage.ACCEPTED), 0.1)
    s, _ = step(s, fact(Stage.COMMITTED, observer="sse", attempt=2, version=1), 0.2)
    s2, events = step(s, fact(Stage.OBSERVED, observer="sse", attempt=1, version=1), 0.3)
    assert s2.stage is Stage.COMMITTED and events == [] and s2.facts[-1].disposition == "fenced"


def test_unknown_wire_values_are_recorded_never_acted_on():
    assert parse_stage("half_done") is Stage.UNKNOWN and parse_stage(7) is Stage.UNKNOWN
    s, _ = step(fresh(), fact(Stage.ACCEPTED), 0.1)
    s2, events = step(s, fact(Stage.UNKNOWN, raw_stage="half_done"), 0.2)
    assert s2.stage is Stage.ACCEPTED and events == [] and s2.facts[-1].disposition == "unknown"


def test_an_observation_below_the_committed_version_is_ignored():
    s, _ = step(fresh(), fact(Stage.ACCEPTED), 0.1)
    s, _ = step(s, fact(Stage.COMMITTED, version=5), 0.2)
    s2, events = step(s, fact(Stage.OBSERVED, "read-model", version=4), 0.3)
    assert s2.stage is Stage.COMMITTED and events == [] and s2.facts[-1].disposition == "ignored"


def test_rejected_only_before_acceptance_and_failed_always_has_a_reason():
    s, events = step(fresh(), fact(Stage.REJECTED, "http-4xx"), 0.1)
    assert s.stage is Stage.REJECTED and s.error is not None and events[0].error is not None
    s, _ = step(fresh(), fact(Stage.ACCEPTED), 0.1)
    s2, _ = step(s, fact(Stage.REJECTED, "http-4xx"), 0.2)
    assert s2.stage is Stage.ACCEPTED and s2.facts[-1].disposition == "ignored"


def test_the_deadline_follows_the_next_unmet_stage_from_accepted_at():
    s = fresh()
    assert s.deadline_at == 1.0  # accept budget from submit
    s, _ = step(s, fact(Stage.ACCEPTED), 0.4)
    assert s.deadline_at == 0.4 + 2  # committed budget from accepted_at
    s, _ = step(s, fact(Stage.COMMITTED, version=1), 0.9)
    assert s.deadline_at == 0.4 + 3  # observed budget, still from accepted_at (server times never extend it)


def test_the_runtime_side_imports_no_http_library_and_no_qt():
    import subprocess
    import sys

    code = ("import sys, runtime.operations, runtime.actions, runtime.sources.source_fields; "
            "print(sorted(m for m in ('aiohttp', 'PySide6', 'devtools') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_a_tracker_without_transport_refuses_to_submit_with_a_named_error():
    import asyncio

    import pytest

    from runtime import Runtime
    from runtime.operations import NoTransport, OperationTracker

    tracker = OperationTracker(Runtime(), None)
    with pytest.raises(NoTransport, match="no transport to send todo.create"):
        asyncio.run(tracker.submit("todo.create", "t"))
    with pytest.raises(ValueError, match="unknown observer"):
        OperationTracker(Runtime(), None, observers=("carrier-pigeon",))
