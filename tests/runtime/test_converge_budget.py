"""The decision budget holds for every decision: checked when planning ends, small plans included; an over-budget
decision runs full, says budget_cutoff and caches nothing. Graphs under 32 steps are exempt."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime import ConvergeConfig, Runtime
from runtime.base.paths import DirtySet
from runtime.converge.planner import DECISION_CHECK_FROM_STEPS, Planner
from converge_support import pairs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.integers(min_value=3, max_value=90), data=st.data())
def test_a_zero_budget_cuts_every_plan_of_a_graph_that_is_not_exempt(steps, data):
    # the execution budget out of reach: on a loaded machine (or under a mutation tester) 90 steps can take 200 ms
    rt = Runtime(diagnostics="light", converge=ConvergeConfig(decision_budget_ms=0.0, budget_ms=1e9))
    inst = rt.mount(pairs(steps))
    batches = data.draw(st.lists(st.lists(st.integers(0, steps - 1), min_size=1, max_size=3, unique=True),
                                 min_size=1, max_size=6))
    for which in batches:
        c = inst.dispatch("bump", which).converge
        if steps < DECISION_CHECK_FROM_STEPS:
            assert "budget_cutoff" not in c.reasons
            continue
        assert "cache_hit" not in c.reasons  # nothing was ever cached
        assert c.cache["size"] == 0
        if "cache_miss" in c.reasons:  # the decision planned: it ran past a budget of 0
            assert c.reasons == ("cache_miss", "budget_cutoff") and c.executed_mode == "full"
            assert c.executed_steps == steps
    for i in range(steps):  # a cut decision still converges everything
        assert inst.get_state()[f"d{i}"] == inst.get_state()[f"b{i}"] + 1


class SteppingClock:
    """A clock that moves `step` seconds every time it is read: planning a single root reads it twice."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_one_root_plan_is_checked_when_planning_ends():
    inst = Runtime(diagnostics="light").mount(pairs(40))
    slow = Planner(inst.shape.ir, clock=SteppingClock(0.001))  # 1 ms per read: over a 0.5 ms budget
    dirty = DirtySet.from_roots([inst.shape.registry.id_of[("b3",)]])
    slow.decide(dirty=dirty, requested="auto", decision_budget_ms=0.5)  # the cold start
    cut = slow.decide(dirty=dirty, requested="auto", decision_budget_ms=0.5)
    assert cut.executed_mode == "full" and cut.reasons == ("cache_miss", "budget_cutoff")
    assert len(slow.cache) == 0
    quick = Planner(inst.shape.ir, clock=SteppingClock(0.0000001))
    quick.decide(dirty=dirty, requested="auto", decision_budget_ms=0.5)
    ok = quick.decide(dirty=dirty, requested="auto", decision_budget_ms=0.5)
    assert ok.executed_mode == "dirty" and ok.reasons == ("cache_miss",) and len(quick.cache) == 1
