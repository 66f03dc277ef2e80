"""Below full diagnostics the draft sets registered top-level keys itself and the window records their ids in bulk;
at full every write goes through WorkingState.set with its patch. Property: whatever the writes, both make the same
states, dirty sets and patch counts, on a small root (a dict) and a large one (a SharedRoot), and a reducer that
raises after writing leaves the state as it was.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime import ConvergeConfig, Module, Runtime, computed
from runtime.base.state_root import SHARE_MIN
from runtime.errors import ReducerError

KEYS = ["a", "b", "c"]

ops = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(KEYS + ["d", "fresh"]), st.integers(-3, 3)),
    st.tuples(st.just("set_float"), st.sampled_from(KEYS), st.integers(-3, 3)),
    st.tuples(st.just("set_bool"), st.sampled_from(KEYS), st.integers(-1, 1)),
    st.tuples(st.just("set_none"), st.sampled_from(KEYS), st.just(0)),
    st.tuples(st.just("set_text"), st.sampled_from(KEYS), st.integers(-1, 1)),
    st.tuples(st.just("del"), st.sampled_from(KEYS + ["fresh"]), st.just(0)),
    st.tuples(st.just("nested"), st.just("g"), st.integers(-3, 3)),
    st.tuples(st.just("append"), st.just("items"), st.integers(-3, 3)),
    st.tuples(st.just("list"), st.sampled_from(["items", "a"]), st.integers(-3, 3)),
    st.tuples(st.just("proxy"), st.sampled_from(KEYS), st.just(0)),
    st.tuples(st.just("bump"), st.sampled_from(KEYS), st.just(1)),
)


def _module(filler: int) -> Module:
    initial: dict[str, Any] = {"a": 0, "b": 0, "c": 0, "g": {"x": 0}, "items": [1], "d": 0}
    initial.update({f"pad{i}": i for i in range(filler)})
    m = Module("direct", initial, fields=[computed("d", deps=["a", "b"], derive=lambda a, b: _n(a) + _n(b))])

    @m.reducer("apply")
    def apply(draft: Any, batch: list[tuple[str, str, int]]) -> None:
        for op, key, value in batch:
            if op == "set":
                draft[key] = value
            elif op == "set_float":
                draft[key] = float(value)  # equal to the int but of another type: a write
            elif op == "set_bool":
                draft[key] = value > 0  # equal to 0 or 1 but a bool: a write, then bool over bool
            elif op == "set_none":
                draft[key] = None
            elif op == "set_text":
                draft[key] = "x" * (value + 1)  # a str equal or not to the one before
            elif op == "del":
                if key in draft:
                    del draft[key]
            elif op == "nested":
                draft[key]["x"] = value
            elif op == "append":
                draft[key].append(value)
            elif op == "list":
                draft[key] = [value]
            elif op == "proxy":
                draft[key] = draft["g"]  # a proxy stored into state becomes the value it shows
            elif key in draft and isinstance(draft[key], int):
                draft[key] = draft[key] + value

    return m


def _n(v: Any) -> int:
    return v if isinstance(v, int) else 0


def _observed(rt: Runtime, inst: Any, batch: list[tuple[str, str, int]]) -> Any:
    record = inst.dispatch("apply", batch)
    seen = None if record is None else (record.dirty, record.base_dirty, record.patch_count)
    return seen, dict(inst.get_state())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(large=st.booleans(), batches=st.lists(st.lists(ops, min_size=1, max_size=6), min_size=1, max_size=5))
def test_direct_draft_writes_record_what_set_records(large, batches):
    module = _module(SHARE_MIN if large else 0)
    runs = [Runtime(diagnostics=level, converge=ConvergeConfig(mode="full")) for level in ("off", "light", "full")]
    insts = [rt.mount(module) for rt in runs]
    for batch in batches:
        off, light, full = (_observed(rt, inst, batch) for rt, inst in zip(runs, insts, strict=True))
        assert off == light == full


@pytest.mark.parametrize("filler", [0, SHARE_MIN])
def test_a_reducer_that_raises_after_direct_writes_leaves_the_state_as_it_was(filler):
    module = _module(filler)

    @module.reducer("half")
    def half(draft: Any, _payload: Any) -> None:
        draft["a"] = 5
        draft["b"] = 6
        raise ValueError("half way")

    rt = Runtime(diagnostics="light")
    inst = rt.mount(module)
    before = inst.get_state()
    with pytest.raises(ReducerError, match="half way"):
        inst.dispatch("half")
    assert dict(inst.get_state()) == dict(before) and before["a"] == 0 and before["d"] == 0
    record = inst.dispatch("apply", [("set", "a", 2)])  # the next window starts from the untouched state
    assert inst.shape.registry.id_of[("a",)] in record.dirty.root_ids and inst.get_state()["d"] == 2
    assert before["a"] == 0  # the committed version the failed window started from was never written


@pytest.mark.parametrize("filler", [0, SHARE_MIN])
def test_a_degraded_converge_takes_back_derived_writes_and_keeps_the_direct_base_writes(filler):
    initial: dict[str, Any] = {"a": 0, "d": 0, "e": 0}
    initial.update({f"pad{i}": i for i in range(filler)})

    def fails_on_three(a: int) -> int:
        if a == 3:
            raise ValueError("three")
        return a * 10

    m = Module("degrade", initial, reducers={"set": lambda draft, v: draft.__setitem__("a", v)},
               fields=[computed("d", deps=["a"], derive=lambda a: a + 1),
                       computed("e", deps=["d"], derive=lambda d: fails_on_three(d - 1))])
    rt = Runtime(diagnostics="off", converge=ConvergeConfig(mode="full"))
    inst = rt.mount(m)
    for v in (1, 2):  # the plan runs assembled from its second run
        inst.dispatch("set", v)
    kept = inst.get_state()
    inst.dispatch("set", 3)
    state = inst.get_state()
    assert (state["a"], state["d"], state["e"]) == (3, 3, 20)  # d's write was taken back with e's failure
    assert (kept["a"], kept["d"], kept["e"]) == (2, 3, 20)


@pytest.mark.parametrize("diagnostics", ["off", "light", "full"])
@pytest.mark.parametrize("filler", [0, SHARE_MIN])
def test_a_module_without_derived_fields_commits_each_direct_write(diagnostics: str, filler: int) -> None:
    # No converge runs here, so nothing but the window's finish can record the draft's own top-level writes.
    m = Module("plain", {"n": 0, "name": "a", **{f"pad{i}": i for i in range(filler)}})

    @m.reducer("inc")
    def inc(draft: Any, by: int) -> None:
        draft["n"] += by

    @m.reducer("rename")
    def rename(draft: Any, name: str) -> None:
        draft["name"] = name

    inst = Runtime(diagnostics=diagnostics).mount(m)
    seen: list[tuple[str, ...]] = []
    registry = inst.shape.registry
    inst.subscribe(lambda record, state: seen.append(tuple(registry.text(i) for i in record.dirty.root_ids)))
    inst.dispatch("rename", "x")
    inst.dispatch("inc", 2)
    inst.dispatch("inc", 2)
    assert (inst.get_state()["n"], inst.get_state()["name"]) == (4, "x")
    assert seen == [("name",), ("n",), ("n",)]
