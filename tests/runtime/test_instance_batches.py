"""dispatch_batch as a user reads it: bare action names and (name, payload) pairs, one commit whose record names the
batch, its actions in order, the caller's link and the entry point's reason; one action event for each action; the
payload check's report on the caller's link; nothing converged for a batch that wrote nothing."""

from __future__ import annotations

import pytest

from instance_support import counter_module, diagnostics, events_of

from runtime import PayloadTypeError, ReducerError, Runtime


def test_a_batch_of_bare_names_and_pairs_commits_once_under_its_actions_names_and_the_callers_link():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(counter_module())
    record = inst.dispatch_batch(["inc", ("add", 5), "inc"], link_id="run-7")
    assert inst.get_state() == {"n": 7, "double": 14}
    assert (record.origin.kind, record.origin.name, record.origin.details) == ("batch", "inc,add,inc", None)
    assert (record.commit_mode, record.priority, record.link_id) == ("batch", "normal", "run-7")
    assert [(p.path, p.reason) for p in record.patches] == [
        (("n",), "reducer"), (("n",), "reducer"), (("n",), "reducer"), (("double",), "trait-computed")]


def test_each_action_of_a_batch_is_announced_on_the_batchs_transaction_and_link():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(counter_module())
    record = inst.dispatch_batch(["inc", ("add", 5)], link_id="run-7")
    actions = events_of(rt, "action")
    assert [(e["label"], e["meta"]["actionTag"], e["meta"]["action"]) for e in actions] == [
        ("inc", "inc", {"type": "inc", "payload": None}), ("add", "add", {"type": "add", "payload": 5})]
    assert {(e["txnId"], e["linkId"]) for e in actions} == {(record.txn_id, "run-7")}
    # the batch records where it was called from: the first action's call site
    assert record.origin.site is not None and record.origin.site == actions[0]["meta"]["callSite"]


def test_a_batch_of_one_action_at_full_diagnostics_records_its_call_site():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(counter_module())
    record = inst.dispatch_batch(["inc"])
    assert record.origin.site is not None and record.origin.site == events_of(rt, "action")[0]["meta"]["callSite"]


def test_a_batch_with_a_payload_of_the_wrong_type_is_reported_on_the_callers_link_and_runs_nothing():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter_module())
    with pytest.raises(PayloadTypeError):
        inst.dispatch_batch(["inc", ("add", "five")], link_id="run-7")
    assert inst.get_state() == {"n": 0, "double": 0} and inst.txn_seq == 1  # only the mount's window
    (report,) = diagnostics(rt, "action::payload_mismatch")
    assert (report["moduleId"], report["instanceId"], report["linkId"]) == ("counter", "counter#1", "run-7")
    assert report["meta"]["actionTag"] == "add"
    assert report["meta"]["hint"] == "dispatch a payload of the declared type; nothing was applied"
    assert events_of(rt, "action") == []  # nothing announced for a batch refused before it ran


def test_a_batch_that_writes_nothing_commits_nothing_and_converges_nothing():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter_module())
    converges = len(events_of(rt, "trait:converge"))  # the mount's
    assert inst.dispatch_batch(["idle", "idle"]) is None
    assert len(events_of(rt, "trait:converge")) == converges


def test_a_reducer_that_returns_a_state_inside_a_batch_is_refused_with_what_to_do_instead():
    rt = Runtime()
    inst = rt.mount(counter_module())
    inst.dispatch("inc")
    with pytest.raises(ReducerError) as err:
        inst.dispatch_batch(["inc", "reset"])
    assert "TypeError: reducers in a batch write through the draft; return None" in str(err.value)
    assert inst.get_state() == {"n": 1, "double": 2}
