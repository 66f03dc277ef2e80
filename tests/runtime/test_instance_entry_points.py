"""What each entry point records when the caller leaves the options alone (commit mode, priority, the reason of
its writes), that a body which writes nothing converges nothing, that dispatch follows the module's reducers as
they are now (one registered, replaced or removed after the mount), and that a `transact` called inside a window is
queued behind it and reported naming its origin."""

from __future__ import annotations

import pytest

from runtime import Module, PayloadTypeError, Runtime, UnknownActionError, computed


def counter() -> Module:
    m = Module("counter", {"n": 0, "double": 0}, fields=[computed("double", deps=["n"], derive=lambda n: n * 2)])

    @m.reducer("add")
    def add(draft, k: int):
        draft["n"] += k

    @m.reducer("nothing")
    def nothing(draft, _):
        pass

    return m


def state_events(rt: Runtime) -> list[dict]:
    return [e for e in rt.hub.events() if e["kind"] == "state"]


def test_every_entry_point_records_the_default_commit_mode_priority_and_reason():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(counter())
    records = [
        inst.dispatch("add", 1),
        inst.dispatch_batch([("add", 1)]),
        inst.set_state({"n": 5, "double": 10}),
        inst.transact(lambda d: d.__setitem__("n", 7), origin_kind="setState"),
    ]
    assert [(r.commit_mode, r.priority) for r in records if r is not None] == [
        ("normal", "normal"), ("batch", "normal"), ("normal", "normal"), ("normal", "normal")]
    assert [(e["meta"]["commitMode"], e["meta"]["priority"]) for e in state_events(rt)[-4:]] == [
        ("normal", "normal"), ("batch", "normal"), ("normal", "normal"), ("normal", "normal")]
    base_reasons = [[p["reason"] for p in e["meta"]["patches"] if "stepId" not in p] for e in state_events(rt)[-4:]]
    assert base_reasons == [["reducer"], ["reducer"], [], ["reducer"]]  # a whole-state replace records no patch


def test_transact_passes_the_caller_s_commit_mode_priority_and_reason_through():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(counter())
    record = inst.transact(lambda d: d.__setitem__("n", 3), origin_kind="setState", commit_mode="lowPriority",
                           priority="low", reason="devtools")
    assert record is not None and (record.commit_mode, record.priority) == ("lowPriority", "low")
    (event,) = state_events(rt)[-1:]
    assert (event["meta"]["commitMode"], event["meta"]["priority"]) == ("lowPriority", "low")
    assert [p["reason"] for p in event["meta"]["patches"] if "stepId" not in p] == ["devtools"]


@pytest.mark.parametrize("entry", [
    lambda inst: inst.dispatch("nothing"),
    lambda inst: inst.transact(lambda d: None, origin_kind="setState"),
], ids=["dispatch", "transact"])
def test_a_window_that_writes_nothing_converges_nothing_and_commits_nothing(entry):
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())
    before = len(rt.hub.events())  # the mount's cold-start converge
    assert entry(inst) is None
    assert [e["kind"] for e in rt.hub.events()[before:] if e["kind"] in ("trait:converge", "state")] == []
    assert inst.txn_seq == 2  # the window was opened, and it was a transaction


def test_dispatch_runs_a_reducer_registered_replaced_or_removed_after_the_mount_as_the_module_has_it_now():
    m = counter()
    inst = Runtime().mount(m)
    inst.dispatch("add", 1)

    @m.reducer("add")
    def add_text(draft, k: str):  # the same action, a new reducer with another payload type
        draft["n"] += len(k)

    inst.dispatch("add", "abc")
    assert inst.get_state() == {"n": 4, "double": 8}
    with pytest.raises(PayloadTypeError):
        inst.dispatch("add", 1)  # the old reducer's type no longer applies

    @m.reducer("reset")
    def reset(draft, _):
        draft["n"] = 0

    inst.dispatch("reset")
    assert inst.get_state() == {"n": 0, "double": 0}
    del m.reducers["add"]
    with pytest.raises(UnknownActionError, match="no reducer for action 'add'"):
        inst.dispatch("add", "abc")
    assert inst.get_state() == {"n": 0, "double": 0}


def test_a_transact_called_inside_a_window_is_queued_reported_by_its_origin_and_then_runs():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())

    def on_commit(record, state):
        if state["n"] == 1:
            queued = inst.transact(lambda d: d.__setitem__("n", 10), origin_kind="devtools", origin_name="poke")
            assert queued is None

    inst.subscribe(on_commit)
    inst.dispatch("add", 1)
    assert inst.get_state() == {"n": 10, "double": 20}
    (report,) = [e for e in rt.hub.events() if e["label"] == "state_transaction::enqueue_in_transaction"]
    assert (report["moduleId"], report["instanceId"]) == ("counter", "counter#1")
    assert report["meta"]["message"] == "devtools poke queued behind the open transaction"
