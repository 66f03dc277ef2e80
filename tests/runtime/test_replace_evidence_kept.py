"""A whole-state replace's dirty evidence is worked out once per window: what later reads of it in the same window
(a window hook's writes, a list check asking which rows changed) see and add to is that evidence, never a new guess
from the two states (which names whole top-level keys and forgets explicit evidence)."""

from __future__ import annotations

from runtime import Module, Runtime, check_list, computed


def paths(inst, dirty) -> list[str]:
    return [inst.shape.registry.text(i) for i in dirty.root_ids]


def test_a_window_hooks_nested_write_after_a_returned_state_stays_nested_in_the_commit():
    profile = Module("profile", initial={"name": "a", "meta": {"seen": 0, "size": 0}, "label": ""},
                     fields=[computed("label", deps=["meta.size"], derive=lambda size: f"{size} B")],
                     reducers={"rename": lambda d, name: {**d, "name": name}})
    inst = Runtime(diagnostics="light").mount(profile)
    inst.add_window_hook(lambda txn, draft, dirty: draft["meta"].__setitem__("seen", 1), "hook")
    record = inst.dispatch("rename", "b")
    assert inst.get_state()["meta"] == {"seen": 1, "size": 0}
    # "meta" whole would tell every subscriber of meta.size (and its label) that it changed
    assert paths(inst, record.dirty) == ["meta.seen", "name"]
    assert [inst.shape.registry.text(i) for i in record.dirty_plan.raw_path_ids] == ["name", "meta.seen"]


def test_the_explicit_evidence_of_a_set_state_survives_a_list_check_reading_the_changed_rows():
    def titled(row):
        return None if row["title"] else "a title is required"

    todos = Module("todos", {"items": [{"id": i, "title": f"t{i}"} for i in range(5)], "errors": {}, "note": ""},
                   fields=[check_list("items", {"titled": titled})])
    inst = Runtime().mount(todos)
    state = inst.get_state()
    items = [*state["items"][:2], {"id": 2, "title": ""}, *state["items"][3:]]
    record = inst.set_state({**state, "note": "bulk", "items": items}, dirty=["items.2.title", "note"])
    assert inst.get_state()["errors"]["items"][2] == "a title is required"
    assert paths(inst, record.base_dirty) == ["items.title", "note"]
    assert paths(inst, record.dirty) == ["errors.items", "items.title", "note"]
    assert record.dirty_plan.to_json()["list"]["itemTouched"] == {}  # a field of row 2 changed, not the row whole
