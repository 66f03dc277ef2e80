"""A live store that lets its oldest rows go answers every question as a store that never held them would."""

from __future__ import annotations

import pytest

from runtime import Module, Runtime, computed
from runtime.trace import EventStore, TraceWriter, load_trace
from runtime.trace.payload_blocks import PayloadBlocks


def _counter() -> Module:
    m = Module("counter", initial={"n": 0, "log": [], "double": 0},
               fields=[computed("double", deps=["n"], derive=lambda n: 2 * n)])

    @m.reducer("inc")
    def inc(draft, by):
        draft["n"] += by
        draft["log"].append(f"+{by}")

    return m


def _session(store_count: int = 2):
    """A runtime whose hub feeds `store_count` fresh stores; both see the same records."""
    rt = Runtime(label="app", diagnostics="full")
    stores = [EventStore() for _ in range(store_count)]
    records: list[tuple[str, dict]] = []
    rt.hub.tap(lambda kind, payload: records.append((kind, payload)))
    for store in stores:
        rt.hub.tap(store)
    insts = [rt.mount(_counter()) for _ in range(3)]
    return rt, insts, stores, records


def _tail_store(records: list[tuple[str, dict]], skip_rows: int) -> EventStore:
    """A store of the same records without the first `skip_rows` events (static IRs all kept)."""
    store = EventStore()
    rows = 0
    for kind, payload in records:
        if kind == "debug:event":
            rows += 1
            if rows <= skip_rows:
                continue
        store.append(kind, payload)
    return store


def _answers(store: EventStore) -> dict:
    """What readers ask a store, by value (codes may differ between stores, strings may not)."""
    n = len(store)
    idx = store.index
    out = {
        "rows": [(store.kind_of(r), store.label_of(r), store.instance_of(r), store.txn[r], store.ts[r],
                  store.link_of(r), store.command_of(r), store.dirty_roots(r), store.flags[r]) for r in range(n)],
        "payloads": [store.payload(r) for r in range(n)],
        "state_rows": list(idx.state_rows()),
        "ticks": idx.ticks(),
        "touching": idx.txns_touching("n").rows,
    }
    for iid in ("counter#1", "counter#2", "counter#3", "app", "a#1", "b#1"):
        out[f"instance {iid}"] = list(idx.rows_of_instance(iid))
        for txn in range(1, 40):
            out[f"txn {iid} {txn}"] = list(idx.rows_of_txn(iid, txn))
    out["tick_of"] = [idx.tick_of(r) for r in range(n)]
    return out


@pytest.mark.parametrize("indexed_before", [True, False])
def test_a_store_that_let_rows_go_answers_like_one_that_never_had_them(indexed_before):
    rt, insts, (store, _), records = _session()
    for i in range(60):
        insts[i % 3].dispatch("inc", i)
    if indexed_before:
        store.index.build()  # the indexes were caught up before the release (a live window asks all the time)
    freed = store.release_front(100)
    for i in range(20):  # and rows keep coming after it
        insts[i % 3].dispatch("inc", i)
    expected = _tail_store(records, 100)
    assert store.released == 100 and len(store) == len(expected)
    assert freed > 0
    assert _answers(store) == _answers(expected)
    rt.dispose()


def test_releases_one_after_the_other_with_rows_arriving_between():
    rt, insts, (store, _), records = _session()
    released = 0
    for step, n in enumerate((40, 25, 70, 10)):
        for i in range(30):  # counter#1 is busy throughout; the others come and go
            insts[0 if i % 2 else (step + i) % 3].dispatch("inc", i)
        store.index.build()
        store.release_front(n)
        released += n
        assert _answers(store) == _answers(_tail_store(records, released)), f"after release {step + 1}"
    rt.dispose()


def test_an_instance_idle_across_a_release_does_not_hide_another_ones_old_rows():
    records = []
    seqs = {"a#1": 0, "b#1": 0}

    def event(iid: str) -> None:
        seqs[iid] += 1
        records.append(("debug:event", {"kind": "state", "label": "state:update", "moduleId": iid[0],
                                        "instanceId": iid, "txnSeq": seqs[iid], "timestamp": float(len(records)),
                                        "eventSeq": seqs[iid], "eventId": f"{iid}::e{seqs[iid]}",
                                        "linkId": f"{iid}::r{seqs[iid] // 5}"}))

    for who in ["a#1", "b#1"] * 20 + ["b#1"] * 40 + ["a#1"] * 20:  # a#1 idle from row 40 to row 80
        event(who)
    store = EventStore()
    for kind, payload in records:
        store.append(kind, payload)
    store.index.build()
    store.release_front(40)  # both keep rows: a#1 from row 80 on, b#1 from row 40 on
    store.release_front(30)  # b#1's rows 40..69 go; a#1 starts after them
    assert _answers(store) == _answers(_tail_store(records, 70))
    assert [store.link_of(r) for r in store.index.rows_of_link("b#1::r11")] == ["b#1::r11"] * 5


def test_release_lets_unused_link_and_command_ids_go():
    store = EventStore()
    for i in range(10):
        store.append("debug:event", {"kind": "action", "label": "async-action", "moduleId": "m", "instanceId": "m#1",
                                     "txnSeq": 0, "timestamp": float(i), "linkId": f"m#1::r{i}",
                                     "meta": {"commandId": f"cmd-{i}"}})
    store.release_front(6)
    assert store.links.find("m#1::r3") is None and store.commands.find("cmd-3") is None
    assert store.links.find("m#1::r7") is not None
    assert [store.link_of(r) for r in range(len(store))] == [f"m#1::r{i}" for i in range(6, 10)]
    assert list(store.index.rows_of_command("cmd-8")) == [2]


def test_releasing_every_row_and_starting_again():
    rt, insts, (store, _), records = _session()
    insts[0].dispatch("inc", 1)
    store.release_front(len(store))
    assert len(store) == 0 and store.nbytes() < 200_000  # at most the open payload block is left
    insts[1].dispatch("inc", 2)
    assert store.kind_of(0) and store.payload(len(store) - 1)["instanceId"] in ("counter#2", "app")
    rows = store.index.rows_of_txn("counter#2", 2)  # action, converge, exec-vm, state
    assert [store.instance_of(r) for r in rows] == ["counter#2"] * 4
    rt.dispose()


def test_a_loaded_trace_keeps_its_rows(tmp_path):
    path = tmp_path / "t.jsonl"
    rt = Runtime(label="app", diagnostics="light")
    writer = TraceWriter(path, label="app").attach(rt.hub)
    rt.mount(_counter()).dispatch("inc", 1)
    writer.close()
    rt.dispose()
    store = load_trace(path)
    with pytest.raises(ValueError, match="only a live store lets its oldest rows go"):
        store.release_front(1)
    store.close()


def test_live_payloads_are_kept_compressed_and_read_back_exactly():
    blocks = PayloadBlocks(block_bytes=4096)
    items = [(b'{"kind":"state","n":%d,"pad":"%s"}' % (i, b"x" * (i % 50))) for i in range(2000)]
    offsets = [blocks.keep(data) for data in items]
    blocks.settle()
    assert blocks.nbytes() * 5 < blocks.raw_bytes()  # repetitive JSON: far smaller than kept
    assert [blocks.read(off, len(data)) for off, data in zip(offsets, items, strict=True)] == items
    freed = blocks.release_before(offsets[1500])
    assert freed > 0 and blocks.start <= offsets[1500]
    assert blocks.read(offsets[1999], len(items[1999])) == items[1999]
    with pytest.raises(IndexError, match="let go"):
        blocks.read(offsets[0], len(items[0]))
