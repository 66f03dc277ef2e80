"""Assembled converge kernels: which windows run assembled, the `trace:exec-vm` evidence of each converge decision,
the switch that turns assembly off (per runtime and per module), and the interpreter's failure semantics kept."""

from __future__ import annotations

from typing import Any

import pytest
from schema_check import check_file, validator

from converge_support import pairs
from runtime import AsyncEscapeError, ConvergeConfig, Module, Runtime, check_list, computed
from runtime.base.draft import WorkingState
from runtime.converge.kernel_cache import KernelCache, run_converge
from runtime.converge.executor import run_steps
from runtime.trace import TraceWriter

META = validator("exec-vm-meta")
EVENT = validator("debug-event")


def exec_vm(rt: Runtime) -> list[dict[str, Any]]:
    events = [e for e in rt.hub.events() if e["label"] == "trace:exec-vm"]
    for e in events:
        assert e["kind"] == "devtools"
        assert not list(META.iter_errors(e["meta"])), e["meta"]
        assert not list(EVENT.iter_errors(e)), e
    return [e["meta"] for e in events]


def test_a_plan_runs_assembled_from_its_second_run_and_every_decision_says_so():
    rt = Runtime(diagnostics="full", converge=ConvergeConfig(mode="full"))
    inst = rt.mount(pairs(40))  # the cold start: the full plan's first run
    inst.dispatch("bump", [1])
    inst.dispatch("bump", [2])
    first, second, third = exec_vm(rt)
    assert first["hit"] is False and first["reasonCode"] == "missing_capability" and "second" in first["reasonDetail"]
    assert second["hit"] is True and "reasonCode" not in second
    assert second["execIrHash"].startswith(inst.shape.ir.digest) and third["execIrHash"] == second["execIrHash"]
    assert second["version"] == "v1" and second["stage"] == "assembly" and second["execIrVersion"]
    assert inst.get_state()["d1"] == 2 and inst.get_state()["d2"] == 2


def test_the_switch_turns_assembly_off_for_the_runtime_or_one_module_and_light_drops_the_detail():
    rt = Runtime(diagnostics="light", converge_by_module={"pairs30": ConvergeConfig(assembly=False)})
    off, on = rt.mount(pairs(30)), rt.mount(pairs(31))
    for _ in range(3):
        off.dispatch("bump", [1])
        on.dispatch("bump", [1])
    by_instance: dict[str, list[dict[str, Any]]] = {}
    for e in rt.hub.events():
        if e["label"] == "trace:exec-vm":
            by_instance.setdefault(e["instanceId"], []).append(e["meta"])
    assert all(m["hit"] is False and m["reasonCode"] == "disabled" for m in by_instance[off.instance_id])
    assert by_instance[on.instance_id][-1]["hit"] is True
    assert all("reasonDetail" not in m for ms in by_instance.values() for m in ms)  # light: no detail
    rt.set_converge_config(ConvergeConfig(assembly=False))  # the whole runtime, from the next transaction
    on.dispatch("bump", [1])
    assert exec_vm(rt)[-1] == {"version": "v1", "stage": "assembly", "hit": False, "reasonCode": "disabled",
                               "execIrVersion": exec_vm(rt)[-1]["execIrVersion"]}


def test_a_list_check_over_changed_rows_is_not_assembled_and_says_which_step():
    m = Module("rows", {"items": [{"name": "a"}], "n": 0},
               fields=[check_list("items", {"named": lambda row: None if row.get("name") else "required"})])

    @m.reducer("add")
    def add(draft: Any, name: str) -> None:
        draft["items"].append({"name": name})

    rt = Runtime(diagnostics="full", converge=ConvergeConfig(mode="full"))
    inst = rt.mount(m)
    inst.dispatch("add", "")
    inst.dispatch("add", "b")
    last = exec_vm(rt)[-1]
    assert last["hit"] is False and last["reasonCode"] == "not_implemented"
    assert "rows" in last["reasonDetail"] and "check_list:items" in last["reasonDetail"]


def test_a_full_level_trace_with_exec_vm_events_passes_the_schema_check(tmp_path):
    path = tmp_path / "t.jsonl"
    rt = Runtime(label="app", diagnostics="full")
    with TraceWriter(path, label="app") as writer:
        writer.attach(rt.hub, runtime=rt)
        inst = rt.mount(pairs(20))
        for i in range(4):
            inst.dispatch("bump", [i % 2])
    report = check_file(path, require=("devtools/trace:exec-vm", "trait:converge"))
    assert report.ok, report.problems


def _failing_module(fail_on: int) -> Module:
    def derive(b: int) -> int:
        if b == fail_on:
            raise ValueError("boom")
        return b + 1

    m = Module("fails", {"b": 0, "c": 0}, fields=[computed("d", deps=["b"], derive=derive),
                                                    computed("e", deps=["d"], derive=lambda d: d * 2)])

    @m.reducer("set")
    def set_b(draft: Any, v: int) -> None:
        draft["b"] = v
        draft["c"] = v

    return m


def test_a_derivation_failing_in_a_kernel_degrades_the_window_as_the_interpreter_does():
    rt = Runtime(diagnostics="full", converge=ConvergeConfig(mode="full"))
    inst = rt.mount(_failing_module(fail_on=5))
    inst.dispatch("set", 1)
    record = inst.dispatch("set", 5)
    assert record.converge.exec_vm.hit
    assert record.converge.outcome == "Degraded" and record.converge.degrade_reason == "runtime_error"
    assert record.converge.executed_steps == 0
    assert inst.get_state() == {"b": 5, "c": 5, "d": 2, "e": 4}  # base writes kept, derived ones rolled back
    codes = [e["label"] for e in rt.hub.events() if e["kind"] == "diagnostic"]
    assert "field::runtime_error" in codes


def test_below_full_a_kernel_writes_the_root_itself_and_a_failure_still_rolls_those_writes_back():
    """Without patches to record, a kernel sets top-level values and marks their ids itself: the record's dirty set
    and write count are those of WorkingState.set, and a degraded window takes the kernel's writes back."""
    def derive_e(d: int) -> int:
        if d == 6:
            raise ValueError("boom")
        return d * 2

    m = Module("direct", {"b": 0, "c": 0, "d": 0, "e": 0},
               fields=[computed("d", deps=["b"], derive=lambda b: b + 1), computed("e", deps=["d"], derive=derive_e)])

    @m.reducer("set")
    def set_b(draft: Any, v: int) -> None:
        draft["b"] = v
        draft["c"] = v

    inst = Runtime(diagnostics="off", converge=ConvergeConfig(mode="full")).mount(m)  # the cold start: run 1
    inst.dispatch("set", 1)
    record = inst.dispatch("set", 2)  # runs 2 and 3: assembled
    ids = inst.shape.registry.id_of
    assert inst.get_state() == {"b": 2, "c": 2, "d": 3, "e": 6}
    assert record.patch_count == 4 and set(record.dirty.root_ids) == {ids[(k,)] for k in "bcde"}
    inst.dispatch("set", 5)  # d = 6 written by the kernel, then e fails
    assert inst.get_state() == {"b": 5, "c": 5, "d": 3, "e": 6}


def test_below_full_a_kernel_past_its_budget_degrades_and_takes_its_own_writes_back():
    m = Module("late", {**{f"b{i}": 0 for i in range(40)}, **{f"d{i}": 1 for i in range(40)}},
               fields=[computed(f"d{i}", deps=[f"b{i}"], derive=lambda b: b + 1) for i in range(40)])

    @m.reducer("bump")
    def bump(draft: Any, by: int) -> None:
        for i in range(40):
            draft[f"b{i}"] += by

    inst = Runtime(diagnostics="off", converge=ConvergeConfig(mode="full", budget_ms=0.001)).mount(m)
    inst.dispatch("bump", 1)  # the plan's second run: assembled, and past its budget at the check after 32 steps
    state = inst.get_state()
    assert all(state[f"b{i}"] == 1 and state[f"d{i}"] == 1 for i in range(40))


def test_an_awaitable_from_a_derivation_in_a_kernel_is_an_async_escape():
    async def later(b: int) -> int:
        return b

    m = Module("async", {"b": 0, "d": 0}, fields=[computed("d", deps=["b"], derive=lambda b: b if b < 3 else later(b))])

    @m.reducer("set")
    def set_b(draft: Any, v: int) -> None:
        draft["b"] = v

    rt = Runtime(converge=ConvergeConfig(mode="full"))
    inst = rt.mount(m)
    inst.dispatch("set", 1)
    inst.dispatch("set", 2)
    with pytest.raises(AsyncEscapeError, match="awaitable"):
        inst.dispatch("set", 3)
    assert inst.get_state() == {"b": 2, "d": 2}


def test_a_kernel_reads_the_latest_root_after_a_write_replaced_it():
    """On a state no write has copied yet, the first write replaces the root: later steps must read the new one."""
    m = Module("chain", {"a": 1, "b": 0, "c": 0}, fields=[computed("b", deps=["a"], derive=lambda a: a + 1),
                                                          computed("c", deps=["b"], derive=lambda b: b * 10)])
    ir = Runtime().mount(m).shape.ir
    kernels = KernelCache()
    writes: list[tuple[Any, ...]] = []
    for _ in range(2):  # the second run is assembled
        ws = WorkingState({"a": 1, "b": 0, "c": 0}, lambda raw, old, new: writes.append((raw, old, new)))
        res, vm = run_converge(ir, kernels, True, None, ws, None, 200.0, False)
    interpreted = WorkingState({"a": 1, "b": 0, "c": 0}, lambda raw, old, new: None)
    run_steps(ir, ir.topo_order, interpreted, None, 200.0, False)
    assert vm.hit and ws.root == interpreted.root == {"a": 1, "b": 2, "c": 20}
    assert res.executed == 2 and res.changed == 2
    assert writes[2:] == [(("b",), 0, 2), (("c",), 0, 20)]


def test_a_long_plan_is_assembled_a_part_per_run_and_runs_the_same_meanwhile():
    """600 steps are 3 parts of 256: assembled on runs 2, 3 and 4; every run converges exactly as interpreted."""
    # no budget: an interpreted 600-step run on a loaded machine may pass the default 200 ms and be cut
    assembled = Runtime(diagnostics="full", converge=ConvergeConfig(mode="full", budget_ms=1e9))
    interpreted = Runtime(diagnostics="full", converge=ConvergeConfig(mode="full", assembly=False, budget_ms=1e9))
    a, b = assembled.mount(pairs(600)), interpreted.mount(pairs(600))
    for i in range(4):
        ra, rb = a.dispatch("bump", [i, 300 + i, 599 - i]), b.dispatch("bump", [i, 300 + i, 599 - i])
        assert (ra.dirty, ra.patches, ra.converge.changed_steps) == (rb.dirty, rb.patches, rb.converge.changed_steps)
    assert a.get_state() == b.get_state()
    metas = exec_vm(assembled)
    assert metas[-1]["execIrHash"].rsplit(":", 1)[0] == a.shape.ir.digest  # the kernels of every part, one hash
    shown = [(m["hit"], m.get("reasonDetail", "")[:16]) for m in metas]
    assert shown == [(False, "not assembled ye"), (False, "1 of 3 parts of "), (False, "2 of 3 parts of "),
                     (True, ""), (True, "")]


def test_a_failure_in_a_later_part_degrades_with_the_interpreter_s_counts():
    def module() -> Module:
        fields = [computed(f"d{i}", deps=[f"b{i}"], derive=(lambda b: 1 // (b - 7)) if i == 400 else (lambda b: b))
                  for i in range(600)]
        m = Module("late", {f"b{i}": 0 for i in range(600)}, fields=fields)

        @m.reducer("all")
        def all_to(draft: Any, v: int) -> None:
            for i in range(600):
                draft[f"b{i}"] = v
        return m

    configs = [ConvergeConfig(mode="full", assembly=on, budget_ms=60_000) for on in (True, False)]
    runs = [Runtime(diagnostics="full", converge=config).mount(module()) for config in configs]
    for v in (1, 2, 3, 4, 7):
        records = [inst.dispatch("all", v) for inst in runs]
    a, b = (r.converge for r in records)
    assert a.exec_vm.hit and a.outcome == b.outcome == "Degraded"
    assert a.executed_steps == b.executed_steps == 400 and a.changed_steps == b.changed_steps == 400
    assert runs[0].get_state() == runs[1].get_state() and runs[0].get_state()["d0"] == 4  # derived writes undone
