"""Hypothesis over random interleavings of facts and timer firings (a manual clock drives the tracker's timers):
the stage rank never decreases, exactly one terminal transition, no operation outlives its deadline, nothing is
pending after disposal, and a submitter's wait ends consistently with (wait_for, stage)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from ops_support import assert_operation_events_valid

from runtime import Runtime
from runtime.operations import TERMINAL, Budget, ManualClock, OperationTracker, Stage, StageFact, rank, reached

STAGES = list(Stage)
fact_action = st.tuples(st.just("fact"), st.integers(0, 3), st.sampled_from(STAGES),
                        st.sampled_from(["sse", "status", "read-model", ""]), st.integers(0, 3),
                        st.one_of(st.none(), st.integers(0, 5)))
advance_action = st.tuples(st.just("advance"), st.floats(0.0, 2.5, allow_nan=False))
plans = st.lists(st.one_of(fact_action, advance_action), max_size=60)


def order(stage: Stage) -> int:
    return 99 if stage in TERMINAL else rank(stage)


@settings(max_examples=300, deadline=None)
@given(plans, st.integers(1, 4), st.sampled_from([Stage.ACCEPTED, Stage.COMMITTED, Stage.OBSERVED, Stage.READY]),
       st.booleans())
def test_random_interleavings_keep_the_invariants(plan, n_ops, wait_for, diagnostics):
    rt = Runtime(diagnostics="light" if diagnostics else "off", buffer_size=100_000)
    clock = ManualClock(start=100.0)
    budget = Budget(accept=1.0, committed=2.0, observed=3.0, ready=4.0)
    tracker = OperationTracker(rt, None, clock=clock, budget=budget, late_grace_s=0.5)
    cids = [tracker.begin("k", f"t{i}", wait_for=wait_for) for i in range(n_ops)]
    terminal_transitions = {cid: 0 for cid in cids}
    resolution: dict[str, bool] = {}  # what a submitter awaiting `wait_for` got, at the moment it got it
    prev = {cid: tracker.get(cid) for cid in cids}

    def check() -> None:
        for cid in cids:
            cur = tracker.get(cid)
            before = prev[cid]
            assert order(cur.stage) >= order(before.stage), f"{before.stage} -> {cur.stage}"
            if before.terminal:
                assert cur.stage is before.stage and cur.terminal_at == before.terminal_at
            elif cur.terminal:
                terminal_transitions[cid] += 1
            if not cur.terminal:
                assert clock.now() < cur.deadline_at, "a live operation is past its deadline"
            else:
                limit = cur.submitted_at + budget.accept if cur.accepted_at is None else cur.accepted_at + budget.ready
                assert cur.terminal_at <= limit + 1e-9
            assert [order(s) for s, _ in cur.stage_at] == sorted(order(s) for s, _ in cur.stage_at)
            if cid not in resolution and reached(cur, wait_for) is not None:
                resolution[cid] = bool(reached(cur, wait_for))
            prev[cid] = cur

    for action in plan:
        if action[0] == "advance":
            clock.advance(action[1])
        else:
            _, i, stage, observer, attempt, version = action
            tracker.apply(StageFact(cids[i % n_ops], stage, "test", observer, attempt, version))
        check()
    tracker.dispose()
    check()
    assert not tracker.pending()
    assert all(n == 1 for n in terminal_transitions.values()), terminal_transitions
    for cid in cids:
        op = tracker.get(cid)
        progressed = any(s not in TERMINAL or s is Stage.READY for s, _ in op.stage_at if rank(s) >= rank(wait_for))
        assert resolution[cid] == progressed, (op.stage_at, resolution[cid])
    assert clock.pending_timers == 0
    events = assert_operation_events_valid(rt)  # every exported event holds to the shipped schema
    assert bool(events) == diagnostics
