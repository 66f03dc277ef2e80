"""The operation's fact log exactly as a user reads it (`tracker.get(cid).facts`): every entry keeps the fact and
the time it was applied, inferred and ready-policy facts name their operation, source, observer and version, and a
full log lets its disposable entries go in a fixed order, never the newest one and never an applied one."""

from __future__ import annotations

from dataclasses import replace

from runtime.operations import Budget, FactEntry, OperationState, Stage, StageFact, step
from runtime.operations.machine import DEADLINE_SPENT, MAX_FACTS, deadline_for

CID = "c-7"


def fresh() -> OperationState:
    s = OperationState(command_id=CID, correlation_id="corr", kind="k", target="t", link_id=None,
                       wait_for=Stage.READY, budget=Budget(accept=1, committed=2, observed=3, ready=3),
                       submitted_at=0.0, deadline_at=0.0)
    return replace(s, deadline_at=deadline_for(s))


def fact(stage: Stage, source: str = "sse", **kw) -> StageFact:
    return StageFact(CID, stage, source, **kw)


def accepted(at: float = 0.1) -> OperationState:
    s, _ = step(fresh(), fact(Stage.ACCEPTED, "http-202"), at)
    return s


def dispositions(s: OperationState) -> list[str]:
    return [e.disposition for e in s.facts]


def test_each_fact_recorded_without_a_change_keeps_the_fact_and_its_time():
    s = accepted()
    s, _ = step(s, fact(Stage.COMMITTED, observer="sse", attempt=2, version=5), 0.2)
    cases = [
        (fact(Stage.SUBMITTED, "status-poll"), "duplicate"),  # a wire `submitted`
        (fact(Stage.UNKNOWN, raw_stage="paused"), "unknown"),
        (fact(Stage.TIMED_OUT), "ignored"),  # timed_out is the tracker's verdict, never the wire's
        (fact(Stage.TIMED_OUT, "timer"), "ignored"),  # a stale timer: the deadline moved on
        (fact(Stage.REJECTED, "http-4xx"), "ignored"),  # rejected after acceptance
        (fact(Stage.OBSERVED, "read-model", version=4), "ignored"),  # a lagging replica
        (fact(Stage.ACCEPTED, "status-poll"), "duplicate"),  # below the current stage
        (fact(Stage.OBSERVED, observer="sse", attempt=1, version=5), "fenced"),  # an older attempt
    ]
    for i, (f, disposition) in enumerate(cases):
        at = 0.3 + i / 100
        after, events = step(s, f, at)
        assert events == [] and after.stage is Stage.COMMITTED and after.version == 5, f
        assert after.facts == s.facts + (FactEntry(f, at, disposition),)
        s = after


def test_a_second_copy_of_a_fact_id_is_a_duplicate_with_no_event_even_after_the_terminal():
    s = accepted()
    failed = fact(Stage.FAILED, fact_id="9")
    s, events = step(s, failed, 0.2)
    assert [e.type for e in events] == ["failed"]
    s, events = step(s, failed, 0.3)
    assert events == [] and s.facts[-1] == FactEntry(failed, 0.3, "duplicate")  # not a second late fact
    other_source = fact(Stage.FAILED, "status-poll", fact_id="9")  # the id is unique within its source only
    s, events = step(s, other_source, 0.4)
    assert [e.type for e in events] == ["late_fact"] and s.facts[-1] == FactEntry(other_source, 0.4, "late")


def test_a_fact_applied_after_the_deadline_is_preceded_by_the_timers_verdict_on_this_operation():
    s = accepted()
    late = fact(Stage.COMMITTED, version=1)
    s, _ = step(s, late, 5.0)
    assert s.facts[1:] == (FactEntry(StageFact(CID, Stage.TIMED_OUT, "timer", error=DEADLINE_SPENT), 5.0, "applied"),
                           FactEntry(late, 5.0, "late"))


def test_skipped_stages_and_the_ready_policy_are_recorded_as_facts_of_this_operation():
    s = accepted()
    observed = fact(Stage.OBSERVED, observer="sse", attempt=2, version=4)
    s, events = step(s, observed, 0.5)
    assert s.facts[1:] == (
        FactEntry(StageFact(CID, Stage.COMMITTED, "inferred", version=4), 0.5, "inferred"),
        FactEntry(observed, 0.5, "applied"),
        FactEntry(StageFact(CID, Stage.READY, "ready-policy", "sse", 2, 4), 0.5, "applied"),
    )
    assert [(e.type, e.stage, e.at, e.source, e.version, e.attempt, e.inferred) for e in events] == [
        ("stage_reached", Stage.COMMITTED, 0.5, "sse", 4, 2, True),
        ("stage_reached", Stage.OBSERVED, 0.5, "sse", 4, 2, False),
        ("stage_reached", Stage.READY, 0.5, "ready-policy", 4, 2, False),
    ]
    assert s.stage_at == ((Stage.ACCEPTED, 0.1), (Stage.COMMITTED, 0.5), (Stage.OBSERVED, 0.5), (Stage.READY, 0.5))
    assert s.terminal_at == 0.5


def test_a_progress_fact_without_a_version_keeps_the_committed_one():
    s = accepted()
    assert s.terminal_at is None  # a live operation has no end time
    s, _ = step(s, fact(Stage.COMMITTED, version=3), 0.2)
    assert s.terminal_at is None and s.version == 3
    s, events = step(s, fact(Stage.OBSERVED, "status-poll"), 0.3)
    assert s.version == 3 and s.facts[-1].fact == StageFact(CID, Stage.READY, "ready-policy", version=3)
    assert events[-1].version == 3


def test_the_outcome_is_unknown_only_when_the_timeout_came_before_any_receipt():
    before, _ = step(fresh(), fact(Stage.TIMED_OUT, "timer"), 1.0)
    assert before.stage is Stage.TIMED_OUT and before.outcome_unknown is True
    after, _ = step(accepted(), fact(Stage.TIMED_OUT, "timer"), 2.1)
    assert after.stage is Stage.TIMED_OUT and after.outcome_unknown is False


def _full_log() -> OperationState:
    """A ready operation whose log holds one entry of each disposable kind (oldest first, a duplicate at the very
    start and the fenced one at an odd position) and late facts up to the bound."""
    s = fresh()
    for f in (fact(Stage.SUBMITTED, "status-poll"), fact(Stage.ACCEPTED, observer="sse", attempt=1),
              fact(Stage.OBSERVED, observer="sse", attempt=0), fact(Stage.UNKNOWN, raw_stage="paused"),
              fact(Stage.TIMED_OUT), fact(Stage.OBSERVED, "read-model", version=1)):
        s, _ = step(s, f, 0.1)
    assert dispositions(s) == ["duplicate", "applied", "fenced", "unknown", "ignored", "inferred", "applied",
                               "applied"]
    i = 0
    while len(s.facts) < MAX_FACTS:
        s, _ = step(s, fact(Stage.FAILED, fact_id=f"late-{i}"), 1.0 + i)
        i += 1
    return s


def test_a_log_at_its_bound_keeps_everything_and_past_it_lets_disposables_go_in_order():
    s = _full_log()
    assert len(s.facts) == MAX_FACTS and s.dropped_facts == 0
    progress = [e for e in s.facts if e.disposition in ("applied", "inferred")]
    lates = dispositions(s).count("late")
    for n, gone in enumerate(("duplicate", "fenced", "unknown", "ignored"), start=1):
        before = dispositions(s)
        s, _ = step(s, fact(Stage.CANCELLED, fact_id=f"more-{n}"), 100.0 + n)
        assert len(s.facts) == MAX_FACTS and s.dropped_facts == n
        assert gone in before and gone not in dispositions(s), (gone, dispositions(s))
        assert s.facts[-1].fact.fact_id == f"more-{n}"
    s, _ = step(s, fact(Stage.CANCELLED, fact_id="more-5"), 105.0)
    assert [e for e in s.facts if e.disposition in ("applied", "inferred")] == progress  # never the progress
    assert dispositions(s).count("late") == lates + 4 and s.dropped_facts == 5
    assert s.facts[len(progress)].fact.fact_id == "late-1"  # the oldest late one went


def test_the_newest_entry_is_never_the_one_let_go_and_goes_first_once_it_is_older():
    s = _full_log()
    for n in range(4):  # the first disposables of the log go
        s, _ = step(s, fact(Stage.CANCELLED, fact_id=f"more-{n}"), 100.0 + n)
    copy = fact(Stage.FAILED, fact_id="late-7")  # a second copy: a duplicate, the only one in the log
    s, _ = step(s, copy, 200.0)
    assert s.facts[-1] == FactEntry(copy, 200.0, "duplicate") and s.dropped_facts == 5
    s, _ = step(s, fact(Stage.CANCELLED, fact_id="after"), 201.0)
    assert "duplicate" not in dispositions(s) and s.dropped_facts == 6  # now second to last, so it went first
    assert s.facts[-1].fact.fact_id == "after"


def test_a_terminal_fact_on_a_full_log_counts_what_it_let_go():
    s = accepted()
    while len(s.facts) < MAX_FACTS:
        s, _ = step(s, fact(Stage.TIMED_OUT), 0.2)  # wire timed_out facts, ignored
    s, _ = step(s, fact(Stage.FAILED), 0.3)
    assert s.stage is Stage.FAILED and len(s.facts) == MAX_FACTS and s.dropped_facts == 1
    assert s.facts[0].disposition == "applied" and s.facts[-1].fact.stage is Stage.FAILED


def test_an_observers_first_attempt_is_applied_and_becomes_its_fence():
    s = accepted()
    first = fact(Stage.COMMITTED, "status-poll", observer="status", attempt=0, version=1)
    s, events = step(s, first, 0.2)
    assert s.stage is Stage.COMMITTED and [e.stage for e in events] == [Stage.COMMITTED]
    assert s.facts[-1] == FactEntry(first, 0.2, "applied") and s.fences == (("status", 0),)
    s, _ = step(s, fact(Stage.OBSERVED, "status-poll", observer="status", attempt=0, version=1), 0.3)
    assert s.stage is Stage.READY  # the same attempt goes on being heard
