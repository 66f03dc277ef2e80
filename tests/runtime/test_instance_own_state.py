"""Instances of one module never share state: a nested write in one leaves the other instance and the module's
initial state as they were, and a user mutating the state it read cannot reach the module's initial state."""

from __future__ import annotations

from runtime import Module, Runtime


def basket() -> Module:
    m = Module("basket", {"items": [], "meta": {"n": 0}})

    @m.reducer("put")
    def put(draft, item):
        draft["items"].append(item)
        draft["meta"]["n"] += 1

    return m


def test_a_nested_write_in_one_instance_leaves_the_other_and_the_module_untouched():
    m = basket()
    rt = Runtime()
    a, b = rt.mount(m), rt.mount(m)
    a.dispatch("put", "apple")
    assert a.get_state() == {"items": ["apple"], "meta": {"n": 1}}
    assert b.get_state() == {"items": [], "meta": {"n": 0}} == m.initial
    b.get_state()["items"].append("stray")  # what get_state's docstring forbids, done anyway
    assert m.initial == {"items": [], "meta": {"n": 0}}
    assert rt.mount(m).get_state() == {"items": [], "meta": {"n": 0}}
