"""The stage machine's smaller rules, each pinned exactly: the ladder's ranks, wire stages, the stage deadlines, the
bound on kept facts (which are let go first), the error a terminal without one gets, and what a late fact does
after each terminal."""

from __future__ import annotations

from dataclasses import replace

import pytest

from runtime.operations import (
    Budget,
    OperationError,
    OperationEvent,
    OperationState,
    Stage,
    StageFact,
    parse_stage,
    rank,
    step,
)
from runtime.operations.machine import MAX_FACTS, deadline_for
from runtime.operations.stages import PROGRESS, TERMINAL

CID = "c-1"
BUDGET = Budget(accept=1, committed=2, observed=3, ready=4)


def fresh(**kw) -> OperationState:
    s = OperationState(command_id=CID, correlation_id="corr", kind="k", target="t", link_id="m#1::o1",
                       wait_for=Stage.ACCEPTED, budget=BUDGET, submitted_at=10.0, deadline_at=0.0, **kw)
    return replace(s, deadline_at=deadline_for(s))


def fact(stage: Stage, source: str = "sse", **kw) -> StageFact:
    return StageFact(CID, stage, source, **kw)


def test_ranks_follow_the_ladder_and_terminals_rank_above_it():
    assert [rank(s) for s in PROGRESS] == [0, 1, 2, 3, 4]
    assert {rank(s) for s in TERMINAL - {Stage.READY}} == {5}
    assert rank(Stage.UNKNOWN) == -1


def test_wire_stages_parse_and_anything_else_is_unknown():
    for stage in Stage:
        assert parse_stage(str(stage)) is stage
    for value in ("nope", "", "READY", None, 3, ["ready"]):
        assert parse_stage(value) is Stage.UNKNOWN


def test_the_deadline_of_each_stage():
    s = fresh()
    assert s.deadline_at == 11.0  # accept counts from submit
    s, _ = step(s, fact(Stage.ACCEPTED, "http-202"), 10.5)
    assert (s.accepted_at, s.deadline_at) == (10.5, 12.5)  # committed counts from acceptance
    s, _ = step(s, fact(Stage.COMMITTED, version=1), 11.0)
    assert s.deadline_at == 13.5  # observed
    s = replace(s, ready_on_observed=False)
    s, _ = step(s, fact(Stage.OBSERVED, version=1), 11.5)
    assert s.stage is Stage.OBSERVED and s.deadline_at == 14.5  # ready
    assert deadline_for(replace(s, stage=Stage.READY)) == 14.5  # nothing above ready: its own budget


def test_the_kept_facts_are_bounded_and_duplicates_go_first():
    s, _ = step(fresh(), fact(Stage.ACCEPTED, "http-202"), 10.1)
    s, _ = step(s, fact(Stage.COMMITTED, version=1), 10.2)
    for i in range(MAX_FACTS + 6):
        s, _ = step(s, fact(Stage.ACCEPTED, fact_id=f"d{i}"), 10.3)  # duplicates
    assert len(s.facts) == MAX_FACTS and s.dropped_facts == 8  # 2 applied + 70 duplicates, 64 kept
    assert [e.disposition for e in s.facts[:2]] == ["applied", "applied"]  # the applied ones are kept
    assert [e.fact.fact_id for e in s.facts[2:]] == [f"d{i}" for i in range(8, MAX_FACTS + 6)]  # the newest kept


def test_past_the_bound_duplicates_go_before_fenced_unknown_ignored_and_late_facts():
    s, _ = step(fresh(), fact(Stage.ACCEPTED, "http-202"), 10.1)
    s, _ = step(s, fact(Stage.COMMITTED, version=5, observer="sse", attempt=2), 10.2)
    s, _ = step(s, fact(Stage.COMMITTED, observer="sse", attempt=1, fact_id="fenced"), 10.3)
    s, _ = step(s, fact(Stage.UNKNOWN, fact_id="unknown"), 10.3)
    s, _ = step(s, fact(Stage.OBSERVED, version=2, fact_id="ignored"), 10.3)  # a lagging replica
    assert [e.disposition for e in s.facts] == ["applied", "applied", "fenced", "unknown", "ignored"]
    for i in range(MAX_FACTS):
        s, _ = step(s, fact(Stage.SUBMITTED, fact_id=f"d{i}"), 10.4)  # duplicates, interleaved after the others
    kept = [e.disposition for e in s.facts]
    assert len(kept) == MAX_FACTS and kept.count("duplicate") == MAX_FACTS - 5
    assert kept[:5] == ["applied", "applied", "fenced", "unknown", "ignored"] and s.dropped_facts == 5


def test_when_only_applied_facts_are_over_the_bound_the_oldest_go():
    s = fresh()
    entries = s.facts
    for i in range(MAX_FACTS + 3):
        s = replace(s, stage=Stage.SUBMITTED)  # so each accepted below is progress, applied
        s, _ = step(s, fact(Stage.ACCEPTED, fact_id=f"a{i}"), 10.1)
    assert entries == () and len(s.facts) == MAX_FACTS and s.dropped_facts == 3
    assert [e.fact.fact_id for e in s.facts] == [f"a{i}" for i in range(3, MAX_FACTS + 3)]


@pytest.mark.parametrize("stage", [Stage.FAILED, Stage.REJECTED])
def test_a_failure_without_a_reason_gets_one_naming_the_source(stage):
    s, events = step(fresh(), fact(stage, "http-4xx" if stage is Stage.REJECTED else "sse"), 10.2)
    source = "http-4xx" if stage is Stage.REJECTED else "sse"
    assert s.error == OperationError(f"{stage}_without_detail", f"{source} gave no reason")
    assert s.facts[-1].fact.error == s.error and events[0].error == s.error
    assert (s.stage, s.terminal_at, s.stage_at[-1]) == (stage, 10.2, (stage, 10.2))
    assert [(e.type, e.stage, e.command_id, e.correlation_id, e.kind, e.target, e.link_id, e.source) for e in events] \
        == [(str(stage), stage, CID, "corr", "k", "t", "m#1::o1", source)]


def test_a_failure_with_a_reason_keeps_it():
    err = OperationError("quota", "over quota", retryable=True)
    s, _ = step(fresh(), fact(Stage.FAILED, error=err), 10.2)
    assert s.error is err


def test_after_timed_out_the_first_late_outcome_resolves_it_and_later_ones_are_late_facts():
    s, _ = step(fresh(), fact(Stage.ACCEPTED), 10.1)
    s, events = step(s, fact(Stage.TIMED_OUT, "timer"), s.deadline_at)
    assert [e.type for e in events] == ["timed_out"] and s.facts[-1].disposition == "applied"
    s, events = step(s, fact(Stage.COMMITTED, version=3), 20.0)  # not an outcome: a late fact only
    assert s.late_resolution is None and [(e.type, e.stage) for e in events] == [("late_fact", Stage.COMMITTED)]
    cancelled = fact(Stage.CANCELLED, "status", attempt=4)
    s, events = step(s, cancelled, 21.0)
    assert s.late_resolution is Stage.CANCELLED and s.facts[-1].fact == cancelled  # the late fact itself is kept
    assert [(e.type, e.stage, e.at, e.version, e.source, e.attempt) for e in events] == [
        ("resolved_late", Stage.CANCELLED, 21.0, None, "status", 4)]
    s, events = step(s, fact(Stage.READY, version=4), 22.0)
    assert s.late_resolution is Stage.CANCELLED and [e.type for e in events] == ["late_fact"]
    assert s.stage is Stage.TIMED_OUT and [e.disposition for e in s.facts[-3:]] == ["late"] * 3


@pytest.mark.parametrize(("ready_on_observed", "resolution", "event"), [
    (True, Stage.READY, "resolved_late"), (False, None, "late_fact")])
def test_a_late_observed_resolves_as_ready_only_when_observed_means_ready(ready_on_observed, resolution, event):
    s, _ = step(fresh(ready_on_observed=ready_on_observed), fact(Stage.ACCEPTED), 10.1)
    s, _ = step(s, fact(Stage.TIMED_OUT, "timer"), s.deadline_at)
    s, events = step(s, fact(Stage.OBSERVED, version=2), 30.0)
    assert s.late_resolution is resolution and [e.type for e in events] == [event]
    assert events[0].stage is (Stage.READY if resolution else Stage.OBSERVED)


@pytest.mark.parametrize("source", ["timer", "disposal"])
def test_a_late_timer_or_disposal_is_recorded_without_an_event(source):
    s, _ = step(fresh(), fact(Stage.ACCEPTED), 10.1)
    s, _ = step(s, fact(Stage.FAILED, error=OperationError("x", "y")), 10.2)
    s2, events = step(s, fact(Stage.TIMED_OUT, source), 99.0)
    assert events == [] and s2.facts[-1].disposition == "late" and s2.stage is Stage.FAILED


def test_a_late_fact_after_ready_is_reported_and_changes_nothing():
    s, _ = step(fresh(), fact(Stage.OBSERVED, version=1), 10.1)
    assert s.stage is Stage.READY
    s2, events = step(s, fact(Stage.FAILED, error=OperationError("x", "y")), 10.2)
    assert (s2.stage, s2.error, s2.late_resolution) == (Stage.READY, None, None)
    assert [(e.type, e.stage, e.detached) for e in events] == [("late_fact", Stage.FAILED, False)]


def test_every_event_carries_the_operation_and_the_fact_exactly():
    s = replace(fresh(), detached=True)
    s, events = step(s, fact(Stage.COMMITTED, "sse", observer="sse", attempt=2, version=7), 10.2)
    common = {"command_id": CID, "correlation_id": "corr", "kind": "k", "target": "t", "link_id": "m#1::o1",
              "detached": True}
    assert events == [
        OperationEvent(type="accepted", stage=Stage.ACCEPTED, at=10.2, source="sse", version=7, attempt=2,
                       inferred=True, **common),
        OperationEvent(type="stage_reached", stage=Stage.COMMITTED, at=10.2, source="sse", version=7, attempt=2,
                       **common)]
    assert (s.accepted_at, s.version, s.stage_at) == (10.2, 7, ((Stage.ACCEPTED, 10.2), (Stage.COMMITTED, 10.2)))
    err = OperationError("boom", "it broke")
    s, events = step(s, fact(Stage.FAILED, "status", attempt=3, error=err), 10.4)
    assert events == [OperationEvent(type="failed", stage=Stage.FAILED, at=10.4, source="status", version=None,
                                     attempt=3, error=err, **common)]
    s, events = step(s, fact(Stage.OBSERVED, "read-model", version=8), 10.6)
    assert events == [OperationEvent(type="late_fact", stage=Stage.OBSERVED, at=10.6, source="read-model", version=8,
                                     **common)]
    assert s.dropped_facts == 0 and [e.at for e in s.facts] == [10.2, 10.2, 10.4, 10.6]
