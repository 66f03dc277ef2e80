"""The events an instance exports beside its commits: a window's converge and exec-VM events carry its transaction
and link (whether or not it committed), and a dispose hook that raises is reported while the other hooks still run
and the instance is disposed all the same."""

from __future__ import annotations

import pytest

from runtime import Module, Runtime, TransactionError, computed


def gauge() -> Module:
    return Module("gauge", initial={"v": 1, "w": 2}, fields=[computed("w", deps=["v"], derive=lambda v: v * 2)],
                  reducers={"set": lambda d, v: d.__setitem__("v", v)})


def test_a_windows_converge_and_exec_vm_events_carry_its_transaction_and_link():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(gauge())
    record = inst.dispatch("set", 4, link_id="run-1")
    ids = [(e["kind"], e["label"], e["txnSeq"], e["txnId"], e["linkId"]) for e in rt.hub.events()
           if e["label"] in ("trace:trait:converge", "trace:exec-vm") and e["txnSeq"] == record.txn_seq]
    assert ids == [("trait:converge", "trace:trait:converge", 2, "gauge#1::t2", "run-1"),
                   ("devtools", "trace:exec-vm", 2, "gauge#1::t2", "run-1")]


@pytest.mark.parametrize("level", ["light", "full"])
def test_only_at_full_diagnostics_the_exec_vm_event_says_in_words_why_a_plan_did_not_run_assembled(level):
    rt = Runtime(diagnostics=level)
    rt.mount(gauge())
    (cold,) = [e["meta"] for e in rt.hub.events() if e["label"] == "trace:exec-vm"]  # the mount's, not assembled
    assert cold["hit"] is False and cold["reasonCode"]
    assert bool(cold.get("reasonDetail")) == (level == "full")


def test_the_converge_of_a_window_that_committed_nothing_still_carries_its_link():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(gauge())
    assert inst.transact(lambda d: None, origin_kind="setState", link_id="run-2", converge_all=True) is None
    (event,) = [e for e in rt.hub.events() if e["label"] == "trace:trait:converge" and e["txnSeq"] == 2]
    assert (event["txnId"], event["linkId"]) == ("gauge#1::t2", "run-2")


def test_a_dispose_hook_that_raises_is_reported_and_the_others_still_run():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(gauge())
    calls: list[str] = []

    def broken():
        raise OSError("socket already closed")

    inst.on_dispose(lambda: calls.append("first"))
    inst.on_dispose(broken)
    inst.on_dispose(lambda: calls.append("last"))
    rt.unmount(inst)
    assert calls == ["last", "first"]
    (report,) = [e for e in rt.hub.events() if e["kind"] == "diagnostic"]
    assert (report["label"], report["moduleId"], report["instanceId"]) == (
        "lifecycle::dispose_hook_threw", "gauge", "gauge#1")
    assert report["meta"] == {"code": "lifecycle::dispose_hook_threw", "severity": "error",
                              "message": f"dispose hook {broken!r} raised OSError: socket already closed"}
    assert (report["errorSummary"]["name"], report["errorSummary"]["message"]) == ("OSError", "socket already closed")
    assert inst.disposed
    with pytest.raises(TransactionError):
        inst.dispatch("set", 5)


def test_below_full_diagnostics_an_action_records_no_call_site():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(gauge())
    record = inst.dispatch("set", 3)
    (action,) = [e for e in rt.hub.events() if e["kind"] == "action"]
    assert record.origin.site is None and "callSite" not in action["meta"] and "downgrade" not in action


@pytest.mark.parametrize("call_site_limit", [10, 0], ids=["with-call-site", "without"])
def test_an_oversized_action_payload_is_cut_in_its_event_and_says_so(call_site_limit):
    rt = Runtime(diagnostics="full", call_site_limit=call_site_limit)
    inst = rt.mount(Module("queue", initial={"n": 0}, reducers={"put": lambda d, p: d.__setitem__("n", len(p))}))
    inst.dispatch("put", list(range(100)))
    (action,) = [e for e in rt.hub.events() if e["kind"] == "action"]
    payload = action["meta"]["action"]["payload"]
    assert payload[:32] == list(range(32)) and payload[32] == {"$truncated": "68 more items"}
    assert action["downgrade"] == {"reason": "oversized"}
    assert ("callSite" in action["meta"]) == bool(call_site_limit)
    assert inst.get_state()["n"] == 100  # the reducer got the whole payload


def test_a_commits_state_event_carries_its_link_and_an_oversized_state_is_cut_once_and_marked():
    rt = Runtime(diagnostics="light")
    wide = Module("wide", initial={f"k{i:02}": 0 for i in range(40)},
                  reducers={"set": lambda d, v: d.__setitem__("k00", v)})
    inst = rt.mount(wide)
    record = inst.dispatch("set", 1, link_id="run-8")
    (update,) = [e for e in rt.hub.events() if e["label"] == "state:update"]
    assert (update["kind"], update["txnId"], update["linkId"]) == ("state", record.txn_id, "run-8")
    state = update["meta"]["state"]
    assert list(state)[:32] == [f"k{i:02}" for i in range(32)] and state["$truncated"] == "8 more keys"
    assert len(state) == 33 and update["downgrade"] == {"reason": "oversized"}
