"""The columnar store fed live from a real runtime's hub: columns, payloads, indexes."""

from __future__ import annotations

import pytest

from runtime import Module, Runtime, check, computed
from runtime.trace import FLAG_DIRTY_ALL, FLAG_TICK_END, EventStore


def _form() -> Module:
    form = Module(
        "form",
        initial={"first": "Ada", "last": "L", "items": [{"price": 2}], "email": "", "full": "", "total": 0},
        fields=[
            computed("full", deps=["first", "last"], derive=lambda a, b: f"{a} {b}"),
            computed("total", deps=["items.price"], derive=lambda prices: sum(prices)),
            check("email", {"required": lambda v: None if v else "required"}),
        ],
    )

    @form.reducer("add_item")
    def add_item(draft, price):
        draft["items"].append({"price": price})

    @form.reducer("set_first")
    def set_first(draft, name):
        draft["first"] = name

    @form.reducer("replace")
    def replace(draft, state):
        return state

    return form


@pytest.fixture
def live():
    rt = Runtime(diagnostics="light")
    store = EventStore()
    rt.hub.tap(store)
    inst = rt.mount(_form())
    return rt, inst, store


def test_every_hub_event_becomes_a_row_with_its_columns(live):
    rt, inst, store = live
    inst.dispatch("add_item", 3)
    inst.dispatch("set_first", "Bob", link_id="form#1::r1")
    events = rt.hub.events()
    assert len(store) == len(events)
    for row, ev in enumerate(events):
        assert store.kind_of(row) == ev["kind"]
        assert store.label_of(row) == ev["label"]
        assert store.instance_of(row) == ev["instanceId"]
        assert store.module_of(row) == ev["moduleId"]
        assert store.txn[row] == ev["txnSeq"]
        assert store.ts[row] == ev["timestamp"]
        assert store.link_of(row) == ev.get("linkId")
        assert store.payload(row) == ev
    assert store.runtime_of_instance("form#1") == "runtime"
    assert list(store.static_irs) == [inst.static_ir_export()["staticIrDigest"]]


def test_version_changes_on_every_append(live):
    rt, inst, store = live
    before = store.version
    inst.dispatch("set_first", "Eve")
    after_one = store.version
    assert after_one > before
    store.append("debug:event", {"eventId": "x::e1", "eventSeq": 1, "moduleId": "m", "instanceId": "x",
                                 "txnSeq": 0, "timestamp": 1.0, "kind": "devtools", "label": "note"})
    assert store.version == after_one + 1


def test_rows_by_instance_txn_and_link(live):
    rt, inst, store = live
    record = inst.dispatch("set_first", "Bob", link_id="form#1::r7")
    other = rt.mount(_form(), "form#2")
    other.dispatch("add_item", 9)
    rows = store.index.rows_of_txn("form#1", record.txn_seq).tolist()
    assert [store.label_of(r) for r in rows] == ["set_first", "trace:trait:converge", "trace:exec-vm", "state:update"]
    assert store.index.rows_of_link("form#1::r7").tolist() == rows
    assert {store.instance_of(r) for r in store.index.rows_of_instance("form#2")} == {"form#2"}
    ticks = store.index.rows_of_instance(rt.label)  # the tick scheduler reports under the runtime's label
    assert {store.label_of(r) for r in ticks} == {"trace:tick"}
    assert (len(store.index.rows_of_instance("form#1")) + len(store.index.rows_of_instance("form#2")) + len(ticks)
            == len(store))
    assert store.index.rows_of_txn("nobody", 1).tolist() == []


def test_transactions_touching_a_path_are_prefix_aware(live):
    rt, inst, store = live
    r_item = inst.dispatch("add_item", 3)
    r_first = inst.dispatch("set_first", "Bob")

    def txns(path, **kw):
        return [store.payload(r)["txnSeq"] for r in store.index.txns_touching(path, **kw).rows]

    mount_txn = 1
    assert txns("items.price") == [r_item.txn_seq]  # wrote `items` (a prefix of items.price)
    assert txns("items") == [r_item.txn_seq]
    assert txns("first") == [r_first.txn_seq]
    assert txns("errors") == [mount_txn]  # the check wrote errors.email (an extension of errors)
    assert txns("total") == [mount_txn, r_item.txn_seq]
    assert txns("items.0.price") == [r_item.txn_seq]  # indices are dropped like the runtime does
    assert txns("last") == []
    with pytest.raises(ValueError, match="field path"):
        store.index.txns_touching("")


def test_dirty_everything_matches_any_path_and_unknown_digests_are_counted(live):
    rt, inst, store = live
    record = inst.dispatch("replace", {**inst.get_state(), 3: "not a field name"})
    assert record is not None and record.dirty.dirty_all
    hit = store.index.txns_touching("last")
    row = store.index.state_rows()[-1]
    assert store.flags[row] & FLAG_DIRTY_ALL
    assert hit.dirty_all_rows == [row] and row in hit.rows
    # An event naming a digest the store has no static IR for: its ids cannot be read as paths.
    store.append("debug:event", {"eventId": "x::e1", "eventSeq": 1, "moduleId": "m", "instanceId": "x", "txnSeq": 1,
                                 "timestamp": 2.0, "kind": "state", "label": "state:update",
                                 "meta": {"state": {}, "staticIrDigest": "converge_ir_v2:unknown",
                                          "dirtySet": {"dirtyAll": False, "rootIds": [0, 1]}}})
    assert store.index.txns_touching("first").unmapped_rows == 1
    assert store.index.txns_touching("first", instance_id="x").rows == []


def test_ticks_group_the_rows_they_publish():
    store = EventStore()

    def ev(seq, kind, label, meta=None):
        payload = {"eventId": f"a::e{seq}", "eventSeq": seq, "moduleId": "m", "instanceId": "a", "txnSeq": 0,
                   "timestamp": float(seq), "kind": kind, "label": label}
        if meta is not None:
            payload["meta"] = meta
        return store.append("debug:event", payload)

    ev(1, "state", "state:update")
    ev(2, "devtools", "trace:tick", {"tickSeq": 1, "phase": "start"})
    end1 = ev(3, "devtools", "trace:tick", {"tickSeq": 1, "phase": "settled"})
    ev(4, "state", "state:update")
    ev(5, "devtools", "trace:tick", {"tickSeq": 2, "phase": "start"})
    ev(6, "devtools", "trace:tick", {"tickSeq": 2, "phase": "budgetExceeded"})
    ev(7, "state", "state:update")
    assert store.flags[end1] & FLAG_TICK_END
    assert list(store.index.rows_of_tick(1)) == [0, 1, 2]
    assert list(store.index.rows_of_tick(2)) == [3, 4, 5]
    assert [store.index.tick_of(r) for r in range(7)] == [1, 1, 1, 2, 2, 2, None]
    assert [(t.tick_seq, t.start_row, t.end_row) for t in store.index.ticks()] == [(1, 1, 2), (2, 4, 5)]
    assert store.index.rows_of_tick(99) == range(0)


def test_command_ids_and_side_records_are_indexed():
    store = EventStore()
    store.append("debug:event", {"eventId": "t::e1", "eventSeq": 1, "moduleId": "todo", "instanceId": "t",
                                 "txnSeq": 0, "timestamp": 1.0, "kind": "operation", "label": "operation:accepted",
                                 "meta": {"commandId": "cmd-1"}})
    store.append("state:snapshot", {"instanceId": "t", "moduleId": "todo", "txnSeq": 3, "state": {"n": 1}})
    assert store.index.rows_of_command("cmd-1").tolist() == [0]
    side = store.side("state:snapshot")
    assert len(side) == 1 and side.after_row[0] == 1 and side.txn[0] == 3
    assert side.payload(0)["state"] == {"n": 1}
    assert len(store) == 1 and store.side_types() == ["state:snapshot"]
    with pytest.raises(TypeError, match="must be a dict"):
        store.append("debug:event", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(IndexError, match="outside the store"):
        store.payload(5)
