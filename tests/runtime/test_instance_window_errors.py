"""A window that fails (its body raises, or returns what cannot be a state) is reported once, as an error
diagnostic on the instance, the transaction and the link it ran under, whose error summary is the cause the user's
code raised (or the refusal itself when nothing caused it); nothing is committed or exported as a state."""

from __future__ import annotations

import logging

import pytest

from instance_support import counter_module, diagnostics

from runtime import ReducerError, Runtime


@pytest.mark.parametrize("link", [None, "caller-1"])
def test_a_raising_reducer_is_one_error_diagnostic_on_its_transaction_and_link_naming_the_user_s_error(link, caplog):
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter_module("shop", doubled=False))
    inst.dispatch("add", 1)  # t1, l1: the failing window is the second
    with caplog.at_level(logging.ERROR, logger="tickscope"), pytest.raises(ReducerError) as raised:
        inst.dispatch("boom", link_id=link)
    message = "action 'boom' on shop#1 (shop#1::t2) raised ValueError: bad payload"
    assert str(raised.value) == message
    (event,) = diagnostics(rt)
    assert {k: event[k] for k in ("moduleId", "instanceId", "label", "txnSeq", "txnId", "linkId")} == {
        "moduleId": "shop", "instanceId": "shop#1", "label": "reducer::threw", "txnSeq": 2, "txnId": "shop#1::t2",
        "linkId": link or "shop#1::l2"}
    assert event["meta"] == {"code": "reducer::threw", "severity": "error", "message": message}
    assert event["errorSummary"] == {"name": "ValueError", "message": "bad payload", "code": "reducer::threw"}
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        f"reducer::threw [shop#1] {message}"]
    assert inst.get_state() == {"n": 1}
    assert [e["txnId"] for e in rt.hub.events() if e["kind"] == "state"] == ["shop#1::t1"]


def test_a_refused_state_with_no_cause_is_summarised_as_the_refusal_itself():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter_module("shop", doubled=False))
    inst.dispatch("add", 1)
    with pytest.raises(ReducerError) as raised:
        inst.set_state(["not", "a", "dict"])  # type: ignore[arg-type]
    (event,) = diagnostics(rt)
    assert (event["txnId"], event["linkId"], event["meta"]["message"]) == ("shop#1::t2", "shop#1::l2",
                                                                           str(raised.value))
    assert event["errorSummary"] == {"name": "ReducerError", "message": str(raised.value), "code": "reducer::threw"}
    assert inst.get_state() == {"n": 1}


def test_a_raising_subscriber_is_reported_on_its_instance_and_commit_and_the_next_subscriber_still_hears_it():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter_module("shop", doubled=False))
    heard = []

    def broken(record, state):
        raise ValueError("subscriber bug")

    inst.subscribe(broken)
    inst.subscribe(lambda record, state: heard.append((record, state)))
    inst.dispatch("add", 1)
    record = inst.dispatch("add", 2)
    assert record is not None and heard[-1] == (record, {"n": 3})  # the commit stands, the next one heard it
    reports = [e for e in diagnostics(rt) if e["txnId"] == "shop#1::t2"]
    assert [(e["label"], e["moduleId"], e["instanceId"], e["txnSeq"]) for e in reports] == [
        ("commit_listener::threw", "shop", "shop#1", 2)]
    assert reports[0]["meta"]["message"] == f"commit listener {broken!r} raised ValueError: subscriber bug"
