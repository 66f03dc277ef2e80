"""A window's `trait:converge` and `trace:exec-vm` events name the module and instance they belong to (as every event
of the instance does), on a window that committed and on one that committed nothing; the converge summary has the
slowest steps at level full only."""

from __future__ import annotations

import pytest

from runtime import Module, Runtime, computed

IDS = ("moduleId", "instanceId", "kind", "label", "txnSeq", "txnId", "linkId")


def gauge() -> Module:
    return Module("gauge", initial={"v": 1, "w": 2}, fields=[computed("w", deps=["v"], derive=lambda v: v * 2)],
                  reducers={"set": lambda d, v: d.__setitem__("v", v)})


def converge_events(rt: Runtime, txn_seq: int) -> list[dict]:
    return [e for e in rt.hub.events()
            if e["label"] in ("trace:trait:converge", "trace:exec-vm") and e["txnSeq"] == txn_seq]


@pytest.mark.parametrize("level", ["light", "full"])
def test_the_converge_events_of_a_committed_and_of_an_empty_window_name_their_module_and_instance(level):
    rt = Runtime(diagnostics=level)
    inst = rt.mount(gauge())
    inst.dispatch("set", 4, link_id="run-1")
    assert inst.transact(lambda d: None, origin_kind="setState", link_id="run-2", converge_all=True) is None
    seen = [{k: e.get(k) for k in IDS} for e in converge_events(rt, 2) + converge_events(rt, 3)]
    assert seen == [
        {"moduleId": "gauge", "instanceId": "gauge#1", "kind": kind, "label": label, "txnSeq": seq,
         "txnId": f"gauge#1::t{seq}", "linkId": link}
        for seq, link in ((2, "run-1"), (3, "run-2"))
        for kind, label in (("trait:converge", "trace:trait:converge"), ("devtools", "trace:exec-vm"))]
    converge = converge_events(rt, 2)[0]["meta"]
    assert converge["executedMode"] in ("full", "dirty") and ("top3" in converge) == (level == "full")
