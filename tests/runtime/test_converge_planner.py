"""The auto planner's decisions and evidence, as the converge records and trait:converge events show them."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from runtime import ConvergeConfig, Module, Runtime, computed
from converge_support import counted_pairs, pairs
from runtime.converge.planner import near_full_threshold


def decisions(inst, batches):
    out = []
    for which in batches:
        c = inst.dispatch("bump", which).converge
        out.append((c.executed_mode, c.reasons))
    return out


def converge_events(rt):
    return [e for e in rt.hub.events() if e["kind"] == "trait:converge"]


def test_first_transaction_is_a_cold_start_full():
    m = pairs(10)
    rt = Runtime(diagnostics="light")
    inst = rt.mount(m)
    mount = inst.history[0]
    assert mount.origin.kind == "lifecycle" and mount.converge.executed_mode == "full"
    assert mount.converge.reasons == ("cold_start",)


def test_a_cold_start_that_changes_nothing_is_still_exported():
    settled = Module("settled", {"b": 1, "d": 2}, reducers={"set": lambda draft, v: draft.__setitem__("b", v)},
                     fields=[computed("d", deps=["b"], derive=lambda b: b + 1)])
    rt = Runtime(diagnostics="light")
    inst = rt.mount(settled)
    assert not inst.history  # the mount converge changed nothing: no commit
    (cold,) = converge_events(rt)
    assert (cold["txnSeq"], cold["txnId"]) == (1, "settled#1::t1")
    assert cold["meta"]["reasons"] == ["cold_start"] and cold["meta"]["outcome"] == "Noop"
    assert cold["meta"]["executedMode"] == "full" and cold["meta"]["stepStats"]["executedSteps"] == 1
    assert not [e for e in rt.hub.events() if e["label"] == "state:update"]
    record = inst.dispatch("set", 5)
    assert record.txn_id == "settled#1::t2"  # t1 is the cold start the trace shows
    assert [e["txnSeq"] for e in converge_events(rt)] == [1, 2]


def test_the_first_converge_of_an_instance_is_its_cold_start_even_after_mount():
    plain = Module("plain", {"b": 0, "d": 0}, reducers={"set": lambda draft, v: draft.__setitem__("b", v)})
    rt = Runtime(diagnostics="light", converge=ConvergeConfig(mode="dirty"))
    inst = rt.mount(plain)
    inst.dispatch("set", 1)  # no derived field yet: no converge
    inst.install_fields([computed("d", deps=["b"], derive=lambda b: b * 10)])
    first = inst.dispatch("set", 2).converge
    assert (first.executed_mode, first.reasons) == ("full", ("cold_start",))
    assert inst.dispatch("set", 3).converge.reasons == ("module_override",)


def test_diagnostics_off_uses_two_hit_admission_and_builds_no_evidence():
    calls: dict[int, int] = {}
    inst = Runtime(diagnostics="off").mount(counted_pairs(100, calls))
    ran = []
    for which in ([1], [1], [1], [2]):
        calls.clear()
        record = inst.dispatch("bump", which)
        assert record.converge is None  # modes and reasons are evidence: off builds none
        ran.append(sorted(calls))
    everything = list(range(100))
    # first sighting full, second computes the plan and runs it, third reuses it, a new key runs full again
    assert ran == [everything, [1], [1], everything]


def test_diagnostics_off_runs_a_rotating_root_dirty_once_the_inline_cache_gave_up():
    """A new root every write: after 32 first sightings the inline cache switches itself off. A full converge of 100
    one-step pairs is cheap, but so is the plan (memoised closures of 1 step each): it runs dirty, not full forever."""
    calls: dict[int, int] = {}
    inst = Runtime(diagnostics="off").mount(counted_pairs(100, calls))
    for i in range(40):
        inst.dispatch("bump", [i])
    ran = []
    for i in range(40, 44):
        calls.clear()
        inst.dispatch("bump", [i])
        ran.append(sorted(calls))
    assert ran == [[40], [41], [42], [43]]
    assert inst.get_state()["d43"] == 2


def test_diagnostics_on_uses_the_lru_cache_with_evidence():
    # the cache is the point, not the clock: a loaded machine overran the default 0.5 ms decision budget (budget_cutoff)
    rt = Runtime(diagnostics="light", converge=ConvergeConfig(decision_budget_ms=1e9))
    inst = rt.mount(pairs(100))
    r1 = inst.dispatch("bump", [3])
    r2 = inst.dispatch("bump", [3])
    assert r1.converge.reasons == ("cache_miss",) and r1.converge.executed_mode == "dirty"
    assert r1.converge.cache["missReason"] == "cold_start" and r1.converge.executed_steps == 1
    assert r2.converge.reasons == ("cache_hit",) and r2.converge.cache["hit"] and r2.converge.cache["hits"] == 1
    event = [e for e in rt.hub.events() if e["kind"] == "trait:converge"][-1]
    assert event["meta"]["cache"]["hit"] is True and event["meta"]["stepStats"]["executedSteps"] == 1


def test_near_full_and_dirty_all_go_full():
    inst = Runtime(diagnostics="light").mount(pairs(20))
    assert decisions(inst, [list(range(19))]) == [("full", ("near_full",))]
    state = dict(inst.get_state())
    state["b0"] = 5
    record = inst.set_state({**state, "extra": 1})  # a key outside the table: dirty-all
    assert record.converge.executed_mode == "full" and record.converge.reasons == ("dirty_all", "unknown_write")
    assert inst.get_state()["d0"] == 6


def test_thresholds_follow_the_graph_size():
    assert [near_full_threshold(n) for n in (100, 512, 1024, 1536)] == [0.9, 0.75, 0.70, 0.65]


def test_requested_modes_and_config_scopes():
    m = pairs(50)
    rt = Runtime(diagnostics="light", converge_by_module={m.id: ConvergeConfig(mode="full")})
    inst = rt.mount(m)
    c = inst.dispatch("bump", [1]).converge
    assert (c.executed_mode, c.reasons, c.config_scope) == ("full", ("module_override",), "runtime_module")
    rt.set_converge_override(m.id, ConvergeConfig(mode="dirty"))  # applies from the next transaction
    c = inst.dispatch("bump", [1]).converge
    assert (c.executed_mode, c.config_scope, c.executed_steps) == ("dirty", "provider", 1)
    rt.set_converge_override(m.id, None)
    assert inst.dispatch("bump", [1]).converge.config_scope == "runtime_module"
    assert Runtime().mount(pairs(5)).converge_config().scope == "builtin"


def test_decision_budget_cutoff_runs_full():
    # the execution budget out of reach: 200 steps may take longer than 200 ms on a loaded machine
    rt = Runtime(diagnostics="light", converge=ConvergeConfig(decision_budget_ms=0.0, budget_ms=1e9))
    inst = rt.mount(pairs(200))
    c = inst.dispatch("bump", list(range(64))).converge
    assert c.executed_mode == "full" and "budget_cutoff" in c.reasons
    assert inst.get_state()["d5"] == 2


def test_generation_bump_invalidates_the_cache_and_thrash_disables_it():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(pairs(40))
    inst.dispatch("bump", [1])
    inst.install_fields([computed("sum", deps=["b1", "b2"], derive=lambda a, b: a + b)])
    r = inst.dispatch("bump", [1])
    assert r.converge.cache["missReason"] == "generation_bumped"
    assert r.converge.generation == {"generation": 1, "generationBumpCount": 1, "lastBumpReason": "writers_changed"}
    assert inst.get_state()["sum"] == 2
    for _ in range(3):
        inst.uninstall_fields(["sum"])
        inst.install_fields([computed("sum", deps=["b1", "b2"], derive=lambda a, b: a + b)])
    r = inst.dispatch("bump", [2])
    assert r.converge.cache["disabled"] and r.converge.cache["disableReason"] == "generation_thrash"


def test_low_hit_rate_disables_the_cache():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(pairs(400))
    for k in range(140):  # every key new: no hit at all
        inst.dispatch("bump", [k % 400, (k * 7 + 1) % 400, 399 - k])
    cache = inst.history[-1].converge.cache
    assert cache["disabled"] and cache["disableReason"] == "low_hit_rate"


def test_the_digest_is_identical_across_runs():
    code = textwrap.dedent("""
        import sys; sys.path.insert(0, %r)
        from tests.runtime.converge_support import pairs
        from runtime import Runtime
        print(Runtime().mount(pairs(30)).shape.ir.digest)
    """) % str(__import__("pathlib").Path(__file__).resolve().parents[2])
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
               for _ in range(2)}
    assert len(digests) == 1 and next(iter(digests)).startswith("converge_ir_v2:")


@pytest.mark.parametrize("mode", ["auto", "dirty"])
def test_a_wide_write_pattern_is_planned_again_after_the_graph_changed(mode):
    """More than 64 roots have no inline key: their plan is worked out once per root set and kept, and a new graph
    (a field installed on those roots) must not run the plan kept for the old one."""
    calls: dict[int, int] = {}
    inst = Runtime(diagnostics="off", converge=ConvergeConfig(mode=mode)).mount(counted_pairs(200, calls))
    wide = list(range(70))  # 70 one-step closures, at most half of 200 steps: a cheap plan, run dirty
    for _ in range(3):
        calls.clear()
        inst.dispatch("bump", wide)
        assert sorted(calls) == wide
    inst.install_fields([computed("total", deps=[f"b{i}" for i in wide], derive=lambda *bs: sum(bs))])
    for _ in range(2):
        inst.dispatch("bump", wide)
    assert inst.get_state()["total"] == 5 * len(wide)
    assert inst.get_state()["d0"] == 6
