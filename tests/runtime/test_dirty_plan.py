"""The dirty plan snapshot: authority, raw path ids in write order besides the collapsed roots, list index
bindings; the same object when read again with no new write."""

from __future__ import annotations

from runtime import Module, Runtime


def shop() -> Module:
    return Module("shop", {"cart": {"items": [{"qty": 1, "sku": "a"}, {"qty": 1, "sku": "b"}, {"qty": 2, "sku": "c"}]},
                           "user": {"name": "", "mail": ""}, "note": ""})


def test_a_snapshot_keeps_write_order_roots_authority_and_rows():
    m = shop()

    @m.reducer("edit")
    def edit(draft, _):
        draft["user"]["mail"] = "m@x"
        draft["cart"]["items"][2]["qty"] = 5
        draft["user"]["name"] = "Ann"
        draft["cart"]["items"][0] = {"qty": 9, "sku": "a"}
        draft["user"]["mail"] = "n@x"  # written again: no new raw id

    inst = Runtime().mount(m)
    record = inst.dispatch("edit")
    reg = inst.shape.registry
    plan = record.dirty_plan
    assert [reg.paths[i] for i in plan.raw_path_ids] == [
        ("user", "mail"), ("cart", "items", "qty"), ("user", "name"), ("cart", "items")]
    assert [reg.paths[i] for i in plan.root_ids] == [("cart", "items"), ("user", "mail"), ("user", "name")]
    assert plan.authority == "field-path-registry" and plan.root_ids == record.dirty.root_ids
    (touch,) = plan.lists
    assert (reg.paths[touch.list_path_id], touch.parent_key, touch.rows, touch.whole_rows, touch.root_touched) == (
        ("cart", "items"), "", (0, 2), (0,), False)
    exported = plan.to_json()
    assert exported["authority"] == "field-path-registry" and exported["rawKeySize"] == 4
    assert exported["list"]["indexBindings"] == {f"{touch.list_path_id}@@": [0, 2]}


def test_inserted_rows_mark_the_list_as_touched_and_dirty_all_changes_authority():
    m = shop()

    @m.reducer("add")
    def add(draft, _):
        draft["cart"]["items"].insert(0, {"qty": 1, "sku": "z"})

    @m.reducer("wild")
    def wild(draft, _):
        draft["note"] = "x"
        draft["surprise"] = 1

    inst = Runtime().mount(m)
    (touch,) = inst.dispatch("add").dirty_plan.lists
    assert touch.root_touched and touch.rows == (0,)
    plan = inst.dispatch("wild").dirty_plan
    assert plan.authority == "dirty-all" and plan.reason == "fallbackPolicy" and plan.dirty.key_hash == 0
    assert plan.to_json()["dirtyAllReason"] == "fallbackPolicy"


def test_reading_the_snapshot_again_without_a_new_write_gives_the_same_object():
    m = shop()
    seen = []

    def hook(txn, draft, base_dirty):
        first = txn.dirty_plan()
        seen.append(first is txn.dirty_plan())  # no write in between: the same object
        draft["note"] = "hooked"
        after = txn.dirty_plan()
        seen.append(after is not first and after is txn.dirty_plan())
        draft["note"] = "hooked"  # equal: no write, the same snapshot again
        seen.append(after is txn.dirty_plan())

    @m.reducer("name")
    def name(draft, value):
        draft["user"]["name"] = value

    inst = Runtime().mount(m)
    inst.add_window_hook(hook, "reducer")
    record = inst.dispatch("name", "Bo")
    assert seen == [True, True, True]
    assert record.dirty_plan.raw_path_ids[-1] == inst.shape.registry.id_of[("note",)]
