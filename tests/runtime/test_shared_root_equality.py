"""A large state (a SharedRoot, SHARE_MIN keys or more) compares equal to a mapping exactly when a dict of the same
items would: same keys, same values. A key the state lacks is never matched by a None value, and a mapping of
another size is never equal, however its items compare."""

from __future__ import annotations

from runtime import Module, Runtime
from runtime.base.state_root import SHARE_MIN, SharedRoot


def large_state() -> SharedRoot:
    initial = {f"k{i}": i for i in range(SHARE_MIN)} | {"note": None}
    inst = Runtime().mount(Module("large", initial, reducers={"bump": lambda d, _: d.__setitem__("k1", 100)}))
    inst.dispatch("bump", None)
    state = inst.get_state()
    assert isinstance(state, SharedRoot) and state["k1"] == 100
    return state


def test_a_large_state_equals_exactly_the_dicts_a_dict_of_its_items_equals():
    state = large_state()
    items = dict(state)
    assert state == items and items == state
    lacking_note = {k: v for k, v in items.items() if k != "note"}
    assert state != lacking_note  # one key fewer
    assert state != {**lacking_note, "other": None}  # same size, a None under a key the state lacks
    assert state != {**lacking_note, "note": None, "k0": 0, "extra": 1}  # one key more
    assert state != {**items, "k0": -1}
