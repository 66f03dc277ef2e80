"""Declarative links and module-as-source: same-tick settling, fan-out fusion, errors, and the exported IR."""

from __future__ import annotations

import asyncio

import pytest
from tick_support import counter, diagnostics, ticks

from runtime import (
    DefinitionError,
    ExternalStoreError,
    Module,
    Runtime,
    computed,
    external_store,
    from_module,
    read_query,
)


def city_of(state):
    return state["label"]


@pytest.mark.asyncio
async def test_a_link_settles_in_the_tick_of_the_source_commit() -> None:
    rt = Runtime()
    a, b = rt.mount(counter("a")), rt.mount(counter("b"))
    rt.links.declare("a-b", source=a, read=lambda s: s["count"], reads=["count"], target=b, action="setOther")
    a.dispatch("add", 3)
    assert rt.store.topic(b).get_snapshot()["other"] == 0
    await asyncio.sleep(0)
    assert rt.store.tick_seq == 1
    assert rt.store.topic(a).get_snapshot()["count"] == 3 and rt.store.topic(b).get_snapshot()["other"] == 3


def test_a_chain_of_links_settles_in_one_tick() -> None:
    rt = Runtime()
    a, b, c = rt.mount(counter("a")), rt.mount(counter("b")), rt.mount(counter("c"))
    rt.links.declare("a-b", source=a, read=lambda s: s["count"], reads=["count"], target=b, action="setCount")
    rt.links.declare("b-c", source=b, read=lambda s: s["doubled"], reads=["doubled"], target=c, action="setCount")
    a.dispatch("add", 2)
    assert rt.store.tick_seq == 1
    assert rt.store.topic(c).get_snapshot()["doubled"] == 8


def test_fan_out_from_one_source_commit_into_one_target_is_one_target_commit() -> None:
    rt = Runtime(diagnostics="light")
    a, b = rt.mount(counter("a")), rt.mount(counter("b"))
    for i in range(5):
        rt.links.declare(f"l{i}", source=a, read=read_query(lambda s: s["count"], reads=["count"], selector_id=f"c{i}"),
                         target=b, action="add")
    seq = b.txn_seq
    a.dispatch("add", 2)
    assert b.txn_seq == seq + 1
    assert rt.store.topic(b).get_snapshot()["count"] == 10  # five `add 2` in one dispatch_batch
    assert b.history[-1].commit_mode == "batch"


def test_a_link_dispatches_only_when_its_reads_changed_its_value() -> None:
    rt = Runtime()
    a, b = rt.mount(counter("a")), rt.mount(counter("b"))
    rt.links.declare("parity", source=a, read=lambda s: s["count"] % 2, reads=["count"], target=b, action="add")
    seq = b.txn_seq
    a.dispatch("setLabel", "untouched read")
    a.dispatch("add", 2)  # parity unchanged
    assert b.txn_seq == seq
    a.dispatch("add", 1)
    assert rt.store.topic(b).get_snapshot()["count"] == 1


def test_a_selector_without_reads_still_works_but_is_reported_as_degraded() -> None:
    rt = Runtime(diagnostics="light")
    a, b = rt.mount(counter("a")), rt.mount(counter("b"))
    rt.links.declare("dyn", source=a, read=city_of, target=b, action="setLabel")
    (report,) = diagnostics(rt, "external_store::module_source_degraded")
    assert "dyn" in report["meta"]["message"]
    a.dispatch("setLabel", "paris")
    assert rt.store.topic(b).get_snapshot()["label"] == "paris"
    (node,) = [n for n in rt.links.ir()["nodes"] if n["kind"] == "readQuery"]
    assert node["readQuery"]["lane"] == "dynamic" and node["readQuery"]["fallbackReason"] == "missingDeps"


def test_unresolvable_sources_and_bad_declarations_are_errors_naming_them() -> None:
    rt = Runtime()
    a, b = rt.mount(counter("a")), rt.mount(counter("b"))
    with pytest.raises(ExternalStoreError, match="'ghost'") as info:
        rt.links.declare("x", source="ghost", read=city_of, reads=["label"], target=b, action="setLabel")
    assert info.value.code == "external_store::unresolvable_module_id"
    with pytest.raises(DefinitionError, match="no action 'nope'"):
        rt.links.declare("x", source=a, read=city_of, reads=["label"], target=b, action="nope")
    key = "label"
    with pytest.raises(ExternalStoreError, match="selector_id") as info:
        rt.links.declare("x", source=a, read=lambda s: s[key], reads=["label"], target=b, action="setLabel")
    assert info.value.code == "external_store::unstable_selector_id"
    rt.links.declare("x", source="a::a#1", read=city_of, reads=["label"], target="b", action="setLabel")
    with pytest.raises(DefinitionError, match="already declared"):
        rt.links.declare("x", source=a, read=city_of, reads=["label"], target=b, action="setLabel")
    second = rt.mount(counter("a"))
    with pytest.raises(ExternalStoreError, match="2 instances"):
        rt.links.declare("y", source="a", read=city_of, reads=["label"], target=b, action="setLabel")
    assert second.instance_id == "a#2"


def test_a_failing_target_reducer_is_reported_and_the_source_still_publishes() -> None:
    rt = Runtime(diagnostics="light")
    a, b = rt.mount(counter("a")), rt.mount(counter("b"))
    b.module.reducers["explode"] = lambda draft, payload: 1 / 0
    rt.links.declare("boom", source=a, read=lambda s: s["count"], reads=["count"], target=b, action="explode")
    a.dispatch("add", 1)
    assert rt.store.topic(a).get_snapshot()["count"] == 1
    assert diagnostics(rt, "reducer::threw")


def test_the_link_graph_exports_as_declarative_link_ir_v1_with_a_stable_digest() -> None:
    def build(action: str):
        rt = Runtime(label="app")
        a, b = rt.mount(counter("a")), rt.mount(counter("b"))
        rt.links.declare("a-b", source=a, read=city_of, reads=["label"], target=b, action=action)
        return rt

    ir = build("setLabel").links.ir()
    assert ir == {
        "version": 1,
        "nodes": [
            {"id": "a-b::read", "kind": "readQuery", "moduleId": "a", "instanceKey": "a::a#1",
             "readQuery": {"selectorId": ir["nodes"][0]["readQuery"]["selectorId"], "debugKey": "city_of",
                           "lane": "static", "producer": "manual", "equalsKind": "valueEquals", "reads": ["label"],
                           "readsDigest": ir["nodes"][0]["readQuery"]["readsDigest"]}},
            {"id": "a-b::dispatch", "kind": "dispatch", "moduleId": "b", "instanceKey": "b::b#1",
             "actionTag": "setLabel"},
        ],
        "edges": [{"from": "a-b::read", "to": "a-b::dispatch"}],
    }
    assert ir["nodes"][0]["readQuery"]["readsDigest"]["count"] == 1
    (export,) = build("setLabel").links.export()
    assert export["staticIrDigest"].startswith("dlink_ir_v1:") and len(export["staticIrDigest"]) == 20
    assert (export["moduleId"], export["instanceId"], export["kind"]) == ("link:a-b", "app", "declarativeLinkIr")
    assert build("setLabel").links.export()[0]["staticIrDigest"] == export["staticIrDigest"]
    assert build("setOther").links.export()[0]["staticIrDigest"] != export["staticIrDigest"]


def _consumer(source="a") -> Module:
    return Module("consumer", initial={"mirrored": 0, "tenfold": 0}, fields=[
        external_store("mirrored", from_module(source, lambda s: s["count"], reads=["count"])),
        computed("tenfold", deps=["mirrored"], derive=lambda v: v * 10),
    ])


@pytest.mark.asyncio
async def test_module_as_source_writes_the_selector_into_the_field_in_the_same_tick() -> None:
    rt = Runtime()
    a = rt.mount(counter("a"))
    b = rt.mount(_consumer())
    assert rt.store.topic(b).get_snapshot() == {"mirrored": 0, "tenfold": 0}
    a.dispatch("add", 4)
    await asyncio.sleep(0)
    assert rt.store.tick_seq == 1
    assert rt.store.topic(b).get_snapshot() == {"mirrored": 4, "tenfold": 40}
    seq = b.txn_seq
    a.dispatch("setLabel", "not a read")
    await asyncio.sleep(0)
    assert b.txn_seq == seq
    (ir,) = rt.external_fields.static_ir()
    assert ir["source"]["kind"] == "module" and ir["source"]["instanceKey"] == "a::a#1"
    assert ir["targetFieldPath"] == "mirrored" and ir["source"]["readsDigest"]["count"] == 1


def test_module_as_source_naming_an_unknown_module_fails_the_mount_and_leaves_nothing_mounted() -> None:
    rt = Runtime()
    with pytest.raises(ExternalStoreError, match="'ghost'"):
        rt.mount(_consumer("ghost"))
    assert rt.instances() == [] and rt.store.topic("consumer::consumer#1").get_snapshot() is None


@pytest.mark.asyncio
async def test_module_as_source_fan_out_is_one_target_commit_per_tick() -> None:
    rt = Runtime(diagnostics="light")
    a = rt.mount(counter("a"))
    fan = Module("fan", initial={"count": 0, "label": "", "doubled": 0, "sum": 0}, fields=[
        external_store("count", from_module(a, read_query(lambda s: s["count"], reads=["count"], selector_id="c"))),
        external_store("label", from_module(a, read_query(lambda s: s["label"], reads=["label"], selector_id="l"))),
        external_store("doubled", from_module(a, read_query(lambda s: s["doubled"], reads=["doubled"],
                                                            selector_id="d"))),
        computed("sum", deps=["count", "doubled"], derive=lambda c, d: c + d),
    ])
    b = rt.mount(fan)
    seq = b.txn_seq
    with rt.batch():
        a.dispatch("add", 3)
        a.dispatch("setLabel", "x")
    await asyncio.sleep(0)
    assert b.txn_seq == seq + 1  # three fields fed from one source: one target transaction
    assert rt.store.topic(b).get_snapshot() == {"count": 3, "label": "x", "doubled": 6, "sum": 9}
    (commit,) = [e for e in rt.hub.events() if e["label"] == "state:update" and e["instanceId"] == b.instance_id
                 and e["txnSeq"] == seq + 1]
    assert commit["meta"]["originKind"] == "field-external-store"
    settled = [t for t in ticks(rt, "settled") if t["tickSeq"] == rt.store.tick_seq][0]
    assert {c["instanceId"] for c in settled["anchors"]["commits"]} == {a.instance_id, b.instance_id}
