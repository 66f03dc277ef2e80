"""A large root is a HAMT while transactions write few of its keys and a plain dict copy while they write many: which
one it is must never show. Whatever the mix of dense and sparse writes, keys added and removed, the state reads as the
dict a plain model holds, in its key order, derived fields follow, and every committed version keeps its values."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime import ConvergeConfig, Module, Runtime, computed
from runtime.base.state_root import SHARE_MIN, SharedRoot

KEYS = [f"k{i}" for i in range(2 * SHARE_MIN)]


def _module() -> Module:
    initial: dict[str, Any] = {key: 0 for key in KEYS}
    initial["total"] = 0
    m = Module("density", initial, fields=[computed("total", deps=["k0", "k1"], derive=lambda a, b: a + b)])

    @m.reducer("all")
    def write_all(draft: Any, value: int) -> None:
        for key in KEYS:
            if key in draft:
                draft[key] = draft[key] + value

    @m.reducer("one")
    def write_one(draft: Any, value: int) -> None:
        draft["k0"] = value

    @m.reducer("add")
    def add(draft: Any, key: str) -> None:
        draft[key] = "new"

    @m.reducer("drop")
    def drop(draft: Any, key: str) -> None:
        if key in draft:
            del draft[key]

    return m


def _model_apply(model: dict[str, Any], op: str, arg: Any) -> None:
    if op == "all":
        for key in KEYS:
            if key in model:
                model[key] += arg
    elif op == "one":
        model["k0"] = arg
    elif op == "add":
        model[arg] = "new"
    elif arg in model:
        del model[arg]
    model["total"] = model.get("k0", 0) + model.get("k1", 0)


ops = st.one_of(
    st.tuples(st.just("all"), st.integers(1, 3)),
    st.tuples(st.just("one"), st.integers(-3, 3)),
    st.tuples(st.just("add"), st.sampled_from(["x1", "x2"])),
    st.tuples(st.just("drop"), st.sampled_from(["k2", "k3", "x1"])),
)


def _run(ops_list: list[tuple[str, Any]], level: str) -> None:
    inst = Runtime(diagnostics=level, converge=ConvergeConfig(mode="auto")).mount(_module())
    model = dict(inst.get_state())
    committed: list[tuple[Any, dict[str, Any]]] = []
    for op, arg in ops_list:
        inst.dispatch(op, arg)
        _model_apply(model, op, arg)
        state = inst.get_state()
        assert state == model and list(state) == list(model)
        committed.append((state, dict(model)))
    for state, seen in committed:  # no later write changed a committed version
        assert dict(state) == seen and list(state) == list(seen)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops_list=st.lists(ops, min_size=1, max_size=24), level=st.sampled_from(["off", "full"]))
def test_dense_and_sparse_writes_read_as_the_plain_model(ops_list, level):
    _run(ops_list, level)


def test_a_root_written_densely_becomes_a_dict_and_goes_back_to_a_hamt_when_written_sparsely():
    inst = Runtime(diagnostics="off").mount(_module())
    for _ in range(3):
        inst.dispatch("all", 1)
    state = inst.get_state()
    assert isinstance(state, SharedRoot) and isinstance(state.store(), dict)  # dense: a plain dict copy
    _run([("all", 1)] * 3 + [("add", "x1"), ("drop", "k2")] + [("one", i) for i in range(1, 9)], "off")
    for i in range(1, 9):
        inst.dispatch("one", i)
    state = inst.get_state()
    assert isinstance(state, SharedRoot) and not isinstance(state.store(), dict)  # sparse again: a HAMT
    assert state["k0"] == 8 and state["k5"] == 3 and state["total"] == 8 + 3
