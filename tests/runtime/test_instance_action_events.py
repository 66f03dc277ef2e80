"""A dispatch's `action` event, read as the devtools read it: on the transaction it opens (its txnSeq and txnId) and
the caller's link, the action's tag, at full its payload and the call site the transaction records too; and the
refusal of a payload of the wrong type, in full (the error's fields, its text, the diagnostic and its log line),
from dispatch and from a batch."""

from __future__ import annotations

import logging

import pytest

from instance_support import counter_module, events_of

from runtime import PayloadTypeError, Runtime

IDS = ("moduleId", "instanceId", "kind", "label", "txnSeq", "txnId", "linkId")


def test_at_light_an_action_event_carries_its_transaction_its_caller_s_link_and_its_tag_only():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter_module("shop", doubled=False))
    inst.dispatch("add", 1)
    inst.dispatch("add", 2, link_id="run-1")
    actions = events_of(rt, "action")
    assert [{k: e.get(k) for k in IDS} for e in actions] == [
        {"moduleId": "shop", "instanceId": "shop#1", "kind": "action", "label": "add", "txnSeq": 1,
         "txnId": "shop#1::t1", "linkId": None},
        {"moduleId": "shop", "instanceId": "shop#1", "kind": "action", "label": "add", "txnSeq": 2,
         "txnId": "shop#1::t2", "linkId": "run-1"},
    ]
    assert [e["meta"] for e in actions] == [{"actionTag": "add"}, {"actionTag": "add"}]
    assert [e["txnId"] for e in events_of(rt, "state")] == ["shop#1::t1", "shop#1::t2"]  # the same transactions


def test_at_full_an_action_event_carries_the_payload_and_the_call_site_its_transaction_records():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(counter_module("shop", doubled=False))
    inst.dispatch("add", 1)
    record = inst.dispatch("add", 2, link_id="run-1")
    assert record is not None
    first, second = events_of(rt, "action")
    assert {k: second.get(k) for k in IDS} == {
        "moduleId": "shop", "instanceId": "shop#1", "kind": "action", "label": "add", "txnSeq": 2,
        "txnId": "shop#1::t2", "linkId": "run-1"}
    assert (first["txnSeq"], first["txnId"]) == (1, "shop#1::t1")
    assert {k: v for k, v in second["meta"].items() if k != "callSite"} == {
        "actionTag": "add", "action": {"type": "add", "payload": 2}}
    site = second["meta"]["callSite"]
    assert isinstance(site, dict) and site["frames"]
    assert record.origin.kind == "action" and record.origin.name == "add"
    assert record.origin.site == site  # the transaction records where it was dispatched from, as the event says


def test_a_payload_of_the_wrong_type_is_refused_in_full_and_logged_as_an_error(caplog):
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter_module("shop", doubled=False))
    with caplog.at_level(logging.ERROR, logger="tickscope"), pytest.raises(PayloadTypeError) as raised:
        inst.dispatch("add", "x", link_id="run-2")
    err = raised.value
    assert (err.module_id, err.action_type, err.expected, err.received, err.detail) == (
        "shop", "add", "int", "'x'", "at the payload: expected int, got 'x'")
    text = "action 'add' of module 'shop' expects int; got 'x' (at the payload: expected int, got 'x')"
    assert str(err) == text
    (report,) = events_of(rt, "diagnostic")
    assert {k: report.get(k) for k in ("moduleId", "instanceId", "label", "linkId")} == {
        "moduleId": "shop", "instanceId": "shop#1", "label": "action::payload_mismatch", "linkId": "run-2"}
    assert report["meta"] == {"code": "action::payload_mismatch", "severity": "error", "message": text,
                              "hint": "dispatch a payload of the declared type; nothing was applied",
                              "actionTag": "add"}
    assert [r.getMessage() for r in caplog.records] == [f"action::payload_mismatch [shop#1] {text}"]
    assert inst.get_state() == {"n": 0} and events_of(rt, "action") == []  # refused before anything ran


def test_a_batch_with_one_bad_payload_is_refused_whole_with_the_same_report_on_the_batch_s_link():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter_module("shop", doubled=False))
    with pytest.raises(PayloadTypeError) as raised:
        inst.dispatch_batch([("add", 1), ("add", [2])], link_id="run-3")
    err = raised.value
    assert (err.action_type, err.expected, err.received, err.detail) == (
        "add", "int", "[2]", "at the payload: expected int, got [2]")
    (report,) = events_of(rt, "diagnostic")
    assert (report["linkId"], report["meta"]["message"], report["meta"]["actionTag"]) == ("run-3", str(err), "add")
    assert inst.get_state() == {"n": 0}
