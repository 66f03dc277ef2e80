"""Property: an assembled kernel and the interpreter make the same states, dirty sets, patches and converge outcomes.

Random graphs (test_converge_property's) and random write batches run on two runtimes, one with assembly on and one
with it off, at full diagnostics (kernels that record patches through WorkingState.set) or at light (kernels that
write top-level values straight into the owned root and mark their ids in bulk). Every batch is written twice (the
second time with other values), so plans recur and run assembled; some derivations raise on some inputs, so
degraded windows (rolled back) are compared too. The size of a kernel's part varies, so plans of several parts (some
assembled, some still interpreted) are compared too.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_converge_property import _num, build, graphs, writes

from runtime import ConvergeConfig, Runtime
from runtime.converge import kernel_cache


def _maker(offset: int, fails: bool) -> Any:
    def derive(*values: Any) -> int:
        total = sum(_num(v) for v in values) + offset
        if fails and total % 7 == 3:
            raise ValueError(f"no {total}")
        return total
    return derive


def _shifted(batch: list[tuple[str, Any]], by: int) -> list[tuple[str, Any]]:
    return [(p, {k: x + by for k, x in v.items()} if isinstance(v, dict) else v + by) for p, v in batch]


def _observed(record: Any) -> Any:
    if record is None:
        return None
    c = record.converge
    return (record.dirty, record.patch_count, record.patches, record.patches_truncated, c.outcome, c.executed_mode,
            c.executed_steps, c.changed_steps, c.degrade_reason)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decls=graphs(), failing=st.sets(st.integers(0, 13), max_size=3),
       mode=st.sampled_from(["full", "dirty", "auto"]), part_steps=st.sampled_from([2, 3, 256]),
       level=st.sampled_from(["full", "light"]),
       batches=st.lists(st.lists(writes, min_size=1, max_size=4), min_size=1, max_size=6))
def test_assembled_and_interpreted_converge_agree(decls, failing, mode, part_steps, level, batches):
    kept, kernel_cache.PART_STEPS = kernel_cache.PART_STEPS, part_steps
    try:
        _compare(decls, failing, mode, level, batches)
    finally:
        kernel_cache.PART_STEPS = kept


def _compare(decls: Any, failing: set[int], mode: str, level: str, batches: list[list[tuple[str, Any]]]) -> None:
    module = build(decls, lambda i: _maker(i, i in failing))
    # a budget no converge here reaches, even on a loaded machine: the budget is checked at different moments by
    # the two (between a kernel's parts too), and a budget cut is a matter of time, not of the graph
    budget = 60_000.0
    assembled = Runtime(diagnostics=level, converge=ConvergeConfig(mode=mode, budget_ms=budget)).mount(module)
    interpreted = Runtime(diagnostics=level,
                          converge=ConvergeConfig(mode=mode, assembly=False, budget_ms=budget)).mount(module)
    hits = 0
    for batch in batches:
        for shift in (0, 100):
            a = assembled.dispatch("write", _shifted(batch, shift))
            b = interpreted.dispatch("write", _shifted(batch, shift))
            assert _observed(a) == _observed(b)
            assert assembled.get_state() == interpreted.get_state()
            if a is not None:
                hits += a.converge.exec_vm.hit
                assert not b.converge.exec_vm.hit and b.converge.exec_vm.reason_code == "disabled"
    if mode == "full" and len(batches) >= 4:  # one plan throughout: assembled a part per run from its second run
        assert hits >= 1
