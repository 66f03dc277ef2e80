"""What a user reads off a transaction window the kernel's earlier tests left unpinned (docs/mutation.md, kernel
survivors): the dirty set of a reducer that returns a state replacing a list, window hooks after such a replace and
on a window that wrote nothing, the ids on a failing hook's or async derivation's error, the record of a degraded
converge, the timed steps' top 3, and the converge record's field-path count and IR build time."""

from __future__ import annotations

import pytest

from runtime import AsyncEscapeError, ConvergeConfig, Module, ReducerError, Runtime, computed


class Later:
    """An awaitable that is no coroutine (nothing to close, nothing left un-awaited)."""

    def __await__(self):
        yield
        return 0


def cart(**derive) -> Module:
    def total(prices):
        if -1 in prices:
            raise ValueError("a negative price")
        return sum(prices)

    return Module("cart", initial={"name": "Ada", "tag": "", "items": [{"price": 2}], "total": 2, "n": 1},
                  fields=[computed("total", deps=["items.price"], derive=derive.get("total", total)),
                          computed("n", deps=["items"], derive=derive.get("n", len))],
                  reducers={"swap": lambda d, items: {**d, "items": items},
                            "rename": lambda d, name: {**d, "name": name},
                            "add": lambda d, price: d["items"].append({"price": price}),
                            "idle": lambda d, _: None,
                            "extra": lambda d, v: d.__setitem__("extra", v),
                            "tag": lambda d, v: d.__setitem__("tag", v)})


def paths(inst, dirty) -> list[str]:
    return [inst.shape.registry.text(i) for i in dirty.root_ids]


def test_a_returned_state_that_replaces_a_list_dirties_the_list_and_what_derives_from_it():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(cart())
    record = inst.dispatch("swap", [{"price": 5}, {"price": 7}])
    assert paths(inst, record.base_dirty) == ["items"]
    assert paths(inst, record.dirty) == ["items", "n", "total"]
    assert (inst.get_state()["total"], inst.get_state()["n"]) == (12, 2)


def test_a_window_hook_after_a_returned_state_adds_its_writes_to_the_commit():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(cart())
    inst.add_window_hook(lambda txn, draft, dirty: draft.__setitem__("tag", draft["name"].upper()), "hook")
    record = inst.dispatch("rename", "Zed")
    assert inst.get_state()["tag"] == "ZED"
    assert paths(inst, record.dirty) == ["name", "tag"]
    assert [(p.path, p.reason) for p in record.patches] == [(("tag",), "hook")]


def test_a_window_hook_does_not_run_for_a_window_that_wrote_nothing():
    rt = Runtime()
    inst = rt.mount(cart())
    calls: list[object] = []
    inst.add_window_hook(lambda txn, draft, dirty: calls.append(dirty), "hook")
    assert inst.dispatch("idle", None) is None
    assert calls == []


def test_a_failing_window_hook_names_its_window_and_the_error_type_and_keeps_nothing():
    rt = Runtime()
    inst = rt.mount(cart())

    def hook(txn, draft, dirty):
        raise KeyError("tag")

    inst.add_window_hook(hook, "hook")
    with pytest.raises(ReducerError) as err:
        inst.dispatch("add", 3)
    assert (err.value.txn_id, err.value.module_id, err.value.instance_id) == ("cart#1::t2", "cart", "cart#1")
    assert f"window hook {hook!r} raised KeyError: 'tag' during action 'add' on cart#1 (cart#1::t2)" in str(err.value)
    assert inst.get_state()["items"] == [{"price": 2}]


def test_an_async_derivation_names_its_window():
    rt = Runtime()
    with pytest.raises(AsyncEscapeError) as err:
        rt.mount(cart(total=lambda prices: Later()))
    assert (err.value.module_id, err.value.instance_id) == ("cart", "cart#1")
    assert err.value.txn_id is not None and err.value.txn_id.startswith("cart#1::t")


def test_a_degraded_converge_keeps_the_base_writes_and_their_patch_count():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(cart())
    record = inst.dispatch("add", -1)
    assert record.converge.outcome == "Degraded" and record.converge.degrade_reason == "runtime_error"
    assert record.patch_count == 1 and record.patches_truncated is False
    assert [p.path for p in record.patches] == [("items", 1)]
    assert inst.get_state()["items"] == [{"price": 2}, {"price": -1}] and inst.get_state()["total"] == 2


def test_the_timed_top3_holds_the_slowest_steps_slowest_first():
    def slow_len(items):  # unchanged by a swap of as many rows, and far slower than total
        return len(items) + sum(range(300_000)) * 0

    rt = Runtime(diagnostics="full")
    inst = rt.mount(cart(n=slow_len))
    record = inst.dispatch("swap", [{"price": 5}])
    steps = record.converge.steps
    assert sorted((t[0], t[2]) for t in steps) == [(0, True), (1, False)]  # total changed, n did not
    slowest = sorted(steps, key=lambda t: t[1], reverse=True)
    assert [(t[0], t[2]) for t in record.converge.top3] == [(t[0], t[1]) for t in slowest]


def test_an_untimed_converge_has_an_empty_top3():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(cart())
    assert inst.dispatch("swap", [{"price": 5}]).converge.top3 == ()


def test_the_converge_record_counts_the_field_paths_and_carries_the_ir_build_time():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(cart())
    converge = inst.dispatch("add", 3).converge
    assert converge.field_path_count == 6  # name, tag, items, items.price, total, n
    assert converge.ir_build_ms == inst.shape.ir.build_duration_ms > 0


def test_a_patch_of_a_write_to_no_declared_field_has_no_path_id():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(cart())
    record = inst.dispatch("extra", 1)
    assert record.dirty.dirty_all and record.dirty.reason == "fallbackPolicy"
    assert [(p.path, p.path_id) for p in record.patches] == [(("extra",), None)]


@pytest.mark.parametrize(("mode", "derived"), [("dirty", 0), ("full", 1)])
def test_the_configured_converge_mode_holds_with_diagnostics_off(mode, derived):
    calls: list[list[int]] = []

    def total(prices):
        calls.append(prices)
        return sum(prices)

    inst = Runtime(converge=ConvergeConfig(mode=mode)).mount(cart(total=total))
    calls.clear()
    inst.dispatch("tag", "new")  # no dependency of total: a dirty plan skips it, a full converge runs it
    assert len(calls) == derived


def test_the_dirty_plan_of_a_returned_state_marks_a_replaced_list_as_touched_at_its_root_and_nothing_else():
    inst = Runtime().mount(cart())
    items_id = inst.shape.registry.id_of[("items",)]
    plan = inst.dispatch("swap", [{"price": 5}, {"price": 7}]).dirty_plan
    assert [(t.list_path_id, t.parent_key, t.root_touched, t.rows) for t in plan.lists] == [(items_id, "", True, ())]
    assert plan.to_json()["list"]["rootTouched"] == [f"{items_id}@@"]
    plan = inst.set_state({**inst.get_state(), "tag": "new"}).dirty_plan  # no list replaced: no list touched
    assert plan.lists == () and [inst.shape.registry.text(i) for i in plan.dirty.root_ids] == ["tag"]
