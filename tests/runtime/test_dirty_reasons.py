"""Dirty-all reasons and their precedence: whatever explicit evidence a transaction brings, the strongest reason
wins, never the first seen (customMutation > nonTrackablePatch > unknownWrite > fallbackPolicy); empty evidence is
unknownWrite; a whole-state replace marked `perf` is unknownWrite."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime import Module, Runtime

REASON_RANK = {"fallbackPolicy": 1, "unknownWrite": 2, "nonTrackablePatch": 3, "customMutation": 4}

# Evidence items by the reason each one alone gives (None: a registered path, no dirty-all).
EVIDENCE = {
    None: st.sampled_from(["a", "g.x", ("g", "y"), "items.0.v", ("items", 1, "v"), 0, 3, 3.0]),
    "fallbackPolicy": st.sampled_from(["nowhere", ("g", "z"), "g.x.deeper", 10_000, "items.v.w"]),
    "unknownWrite": st.sampled_from(["*", "g.*", ("items", "*", "v"), ("*",)]),
    "nonTrackablePatch": st.sampled_from([-1, -7, float("nan"), 2.5, "a..b", "", ".a", ("g", None), ("g", ""),
                                          True, object(), ("a", 3)]),
    "customMutation": st.just(None),
}


def module() -> Module:
    m = Module("ev", {"a": 0, "g": {"x": 0, "y": 0}, "items": [{"v": 0}, {"v": 0}]})

    @m.reducer("bump")
    def bump(draft, _):
        draft["a"] += 1

    return m


@settings(max_examples=150, deadline=None)
@given(kinds=st.lists(st.sampled_from(list(EVIDENCE)), max_size=6), data=st.data())
def test_the_strongest_reason_wins_whatever_the_order(kinds, data):
    items = [data.draw(EVIDENCE[k]) for k in kinds]
    inst = Runtime().mount(module())
    state = inst.get_state()
    record = inst.set_state({**state, "a": state["a"] + 1}, dirty=items)
    reasons = [k for k in kinds if k is not None]
    if not items:
        expected = "unknownWrite"  # empty explicit evidence
    elif reasons:
        expected = max(reasons, key=REASON_RANK.__getitem__)
    else:
        expected = None
    assert record.dirty.reason == expected
    assert record.dirty.dirty_all == (expected is not None)
    if expected is None:  # every item mapped: the roots are exactly what the evidence named
        assert record.dirty.root_ids and record.dirty_plan.authority == "field-path-registry"
    else:
        assert record.dirty_plan.authority == "dirty-all" and record.dirty.key_hash == 0


def test_the_same_evidence_in_any_order_gives_the_same_reason():
    inst = Runtime().mount(module())
    got = set()
    for items in (["nowhere", "*", -1], [-1, "*", "nowhere"], ["*", -1, "nowhere"]):
        state = inst.get_state()
        got.add(inst.set_state({**state, "a": state["a"] + 1}, dirty=items).dirty.reason)
    assert got == {"nonTrackablePatch"}


def test_a_perf_replace_is_an_unknown_write_and_plain_replaces_are_inferred():
    inst = Runtime().mount(module())
    state = inst.get_state()
    perf = inst.set_state({**state, "a": 5}, reason="perf")
    assert (perf.dirty.dirty_all, perf.dirty.reason) == (True, "unknownWrite")
    inferred = inst.set_state({**inst.get_state(), "a": 6})
    assert [inst.shape.registry.paths[i] for i in inferred.dirty.root_ids] == [("a",)]


def test_evidence_counts_only_when_something_changed():
    inst = Runtime().mount(module())
    assert inst.set_state(dict(inst.get_state()), dirty=["*"]) is None  # no effective write: no commit


def test_evidence_of_draft_writes_adds_to_what_they_recorded():
    inst = Runtime().mount(module())
    record = inst.transact(lambda d: d.__setitem__("a", 9), origin_kind="action", dirty=["g.x"])
    assert sorted(inst.shape.registry.paths[i] for i in record.dirty.root_ids) == [("a",), ("g", "x")]
