"""Short plans at diagnostics off (runtime.converge.short_plan): a sparse write's plan of a few plain steps runs in one
loop over a table, without the interpreter and without a kernel, and gives what the interpreter gives.

The property: random graphs (test_converge_property's: plain steps, nested outputs, links, list inputs) and random
write batches on two runtimes at off, one with assembly on (short plans, kept kernels) and one with it off (the
interpreter); some derivations raise on some inputs, so degraded windows (rolled back) are compared too."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_converge_assembly_property import _maker, _shifted
from test_converge_property import build, graphs, writes

from runtime import ConvergeConfig, Module, Runtime, computed
from runtime.converge import kernel_cache


def _seen(record: Any) -> Any:
    if record is None:
        return None
    return (record.txn_id, record.dirty, record.base_dirty, record.patch_count, record.op_seq)


class _Messages(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


def _run(module: Module, mode: str, assembly: bool, batches: list[list[tuple[str, Any]]]) -> list[Any]:
    """What a user sees of the batches: each commit, the state after it, the degrade messages, the opSeq after."""
    rt = Runtime(diagnostics="off", converge=ConvergeConfig(mode=mode, assembly=assembly, budget_ms=60_000.0))
    inst = rt.mount(module)
    messages = _Messages()
    logging.getLogger("tickscope").addHandler(messages)
    seen: list[Any] = []
    try:
        for batch in batches:
            for shift in (0, 100, 0):  # plans recur: kept kernels run beside short plans on the assembled side
                seen.append((_seen(inst.dispatch("write", _shifted(batch, shift))), dict(inst.get_state())))
    finally:
        logging.getLogger("tickscope").removeHandler(messages)
    seen.append((messages.seen, inst.next_op_seq()))
    rt.dispose()
    return seen


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decls=graphs(), failing=st.sets(st.integers(0, 13), max_size=3), mode=st.sampled_from(["dirty", "auto"]),
       batches=st.lists(st.lists(writes, min_size=1, max_size=3), min_size=1, max_size=8))
def test_short_plans_and_the_interpreter_agree_at_off(decls: Any, failing: set[int], mode: str,
                                                      batches: list[list[tuple[str, Any]]]) -> None:
    module = build(decls, lambda i: _maker(i, i in failing))
    assert _run(module, mode, True, batches) == _run(module, mode, False, batches)


def _pairs(n: int) -> Module:
    """bench/peers.py's sparse module: n pairs b_i -> d_i = b_i + 1."""
    m = Module("pairs", {f"b{i}": 0 for i in range(n)},
               fields=[computed(f"d{i}", deps=[f"b{i}"], derive=lambda b: b + 1) for i in range(n)])

    @m.reducer("write")
    def write(draft: Any, kv: tuple[str, int]) -> None:
        draft[kv[0]] = kv[1]

    return m


def test_a_sparse_write_runs_its_plan_without_the_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    """A write into one key of hundreds, a different key each time: no plan repeats, so none is assembled, and
    none goes through the interpreter's per-step hops either."""
    interpreted: list[int] = []
    original = kernel_cache.run_steps

    def counting(*args: Any, **kwargs: Any) -> Any:
        interpreted.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(kernel_cache, "run_steps", counting)
    rt = Runtime(diagnostics="off", converge=ConvergeConfig(mode="dirty"))
    inst = rt.mount(_pairs(300))
    inst.dispatch("write", ("b0", 1))  # an instance's first converge runs every step (cold start)
    interpreted.clear()
    for k in range(300):
        record = inst.dispatch("write", (f"b{k}", k + 7))
        assert record is not None and len(record.dirty.root_ids) == 2
    state = inst.get_state()
    assert all(state[f"d{k}"] == k + 8 for k in range(300))
    assert not interpreted
    rt.dispose()


def _odd(b: int) -> Any:
    """None, a list, a failure or a number, by input: each way a short plan's write can go."""
    if b % 5 == 1:
        return None
    if b % 5 == 2:
        return [b]
    if b % 5 == 3:
        raise ValueError(f"no {b}")
    return b + 1


def _odd_run(assembly: bool) -> list[Any]:
    m = Module("odd", {f"b{i}": 0 for i in range(80)},
               fields=[computed(f"d{i}", deps=[f"b{i}"], derive=_odd) for i in range(80)]
               + [computed(f"e{i}", deps=[f"d{i}", f"b{i}"], derive=lambda d, b: [d, b]) for i in range(80)])

    @m.reducer("write")
    def write(draft: Any, kvs: list[tuple[str, int]]) -> None:
        for key, value in kvs:
            draft[key] = value

    rt = Runtime(diagnostics="off", converge=ConvergeConfig(mode="dirty", assembly=assembly))
    inst = rt.mount(m)
    seen = []
    for k in range(200):
        batch = [(f"b{k % 80}", k), (f"b{(k * 7) % 80}", k + 1)]
        seen.append((_seen(inst.dispatch("write", batch)), dict(inst.get_state())))
    seen.append(inst.next_op_seq())
    rt.dispose()
    return seen


def test_a_short_plan_writes_none_lists_and_degrades_as_the_interpreter_does() -> None:
    short = _odd_run(assembly=True)
    assert short == _odd_run(assembly=False)
    states = [state for _, state in short[:-1]]
    derived = [state[f"d{i}"] for state in states for i in range(80)]
    assert None in derived and any(isinstance(value, list) for value in derived)  # both written, not rolled back
