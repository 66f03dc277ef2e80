"""What an instance reports when an entry point is refused or a converge degrades, read as a user reads it: the
diagnostic's code, ids, link, message, hint and cause, and the error's own fields and text."""

from __future__ import annotations

import re

import pytest

from instance_support import diagnostics

from runtime import ConvergeConfig, Module, PayloadTypeError, Runtime, UnknownActionError, computed


def meter(derive=lambda v: v * 10) -> Module:
    m = Module("meter", initial={"v": 1, "scaled": 10}, fields=[computed("scaled", deps=["v"], derive=derive)])

    @m.reducer("set")
    def set_v(draft, v: int):
        draft["v"] = v

    return m


def test_a_payload_of_the_wrong_type_is_refused_and_reported_on_the_dispatchs_link():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(meter())
    with pytest.raises(PayloadTypeError) as err:
        inst.dispatch("set", "ten", link_id="run-3")
    assert (err.value.module_id, err.value.action_type, err.value.received) == ("meter", "set", "'ten'")
    (report,) = diagnostics(rt, "action::payload_mismatch")
    assert (report["moduleId"], report["instanceId"], report["linkId"]) == ("meter", "meter#1", "run-3")
    assert report["meta"]["message"] == str(err.value) and report["meta"]["actionTag"] == "set"
    assert report["meta"]["hint"] == "dispatch a payload of the declared type; nothing was applied"
    assert inst.get_state()["v"] == 1


def test_check_payload_answers_what_the_reducer_would_get_or_refuses_on_the_callers_link():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(meter())
    assert inst.check_payload("set", 4) == 4
    with pytest.raises(PayloadTypeError) as err:
        inst.check_payload("set", [4], link_id="run-9")
    assert (err.value.action_type, err.value.received) == ("set", "[4]")
    (report,) = diagnostics(rt, "action::payload_mismatch")
    assert report["linkId"] == "run-9"
    with pytest.raises(UnknownActionError):
        inst.check_payload("reset", None)


def test_an_unknown_action_is_refused_with_the_actions_the_module_knows():
    pair = Module("pair", initial={"n": 0}, reducers={"inc": lambda d, _: None, "dec": lambda d, _: None})
    inst = Runtime().mount(pair)
    with pytest.raises(UnknownActionError) as err:
        inst.dispatch("reset")
    assert str(err.value) == "module 'pair' has no reducer for action 'reset' (known: dec, inc)"
    bare = Runtime().mount(Module("bare", initial={}))
    with pytest.raises(UnknownActionError) as none:
        bare.dispatch("reset")
    assert str(none.value) == "module 'bare' has no reducer for action 'reset' (known: none)"


def test_a_failing_derivation_is_reported_with_its_step_its_error_and_the_transaction():
    def fragile(v):
        if v > 5:
            raise ValueError("too big")
        return v * 10

    rt = Runtime(diagnostics="light")
    inst = rt.mount(meter(fragile))
    record = inst.dispatch("set", 9, link_id="run-4")
    (report,) = diagnostics(rt, "field::runtime_error")
    assert (report["moduleId"], report["instanceId"], report["txnSeq"], report["txnId"], report["linkId"]) == (
        "meter", "meter#1", record.txn_seq, record.txn_id, "run-4")
    assert report["meta"]["message"] == (
        f"computed:scaled raised ValueError: too big in {record.txn_id}; "
        "the derived writes of this transaction were rolled back")
    assert report["meta"]["severity"] == "warning" and "hint" not in report["meta"]
    assert (report["errorSummary"]["name"], report["errorSummary"]["message"]) == ("ValueError", "too big")
    assert inst.get_state() == {"v": 9, "scaled": 10}


def test_a_converge_past_its_budget_is_reported_with_the_advice_to_raise_it():
    wide = Module("wide", {"b": 0}, fields=[computed(f"d{i}", deps=["b"], derive=lambda b: b + 1) for i in range(64)],
                  reducers={"bump": lambda d, _: d.__setitem__("b", d["b"] + 1)})
    rt = Runtime(diagnostics="light", converge=ConvergeConfig(budget_ms=0.0))  # past it at the first check
    inst = rt.mount(wide)
    record = inst.dispatch("bump", None, link_id="run-5")
    (*_, report) = diagnostics(rt, "field::budget_exceeded")  # the mount's converge ran past it too
    assert (report["moduleId"], report["instanceId"], report["txnSeq"], report["txnId"], report["linkId"]) == (
        "wide", "wide#1", record.txn_seq, record.txn_id, "run-5")
    assert re.fullmatch(rf"converge of {record.txn_id} ran past its budget after \d+ steps \(\d+\.\d ms\); the derived "
                        "writes were rolled back", report["meta"]["message"])
    assert report["meta"]["hint"] == "raise the execution budget or make the derivation cheaper"
    assert "errorSummary" not in report and inst.get_state()["b"] == 1


def test_a_commit_that_dirtied_everything_is_reported_on_its_transaction_and_link():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(meter())
    record = inst.transact(lambda d: {**d, "v": 3}, origin_kind="setState", reason="perf", link_id="run-6")
    assert record.dirty.dirty_all and record.dirty.reason == "unknownWrite"
    (report,) = diagnostics(rt, "state_transaction::dirty_all_fallback")
    assert (report["moduleId"], report["instanceId"], report["txnSeq"], report["txnId"], report["linkId"]) == (
        "meter", "meter#1", record.txn_seq, record.txn_id, "run-6")
    assert report["meta"] == {"code": "state_transaction::dirty_all_fallback", "severity": "info",
                              "message": f"{record.txn_id} dirtied everything (unknownWrite)"}
