"""An instance's own subscriber that raises (`inst.subscribe`) is reported like a runtime commit listener: the commit
stands, every other listener still hears it, and the diagnostic names the commit, the listener and its error."""

from __future__ import annotations

from runtime import Module, Runtime


def counter() -> Module:
    return Module("counter", initial={"n": 0}, reducers={"inc": lambda d, by: d.__setitem__("n", d["n"] + by)})


def threw(rt: Runtime) -> list[dict]:
    return [e for e in rt.hub.events() if e["kind"] == "diagnostic" and e["label"] == "commit_listener::threw"]


def test_a_raising_subscriber_is_reported_on_its_commit_and_the_other_listeners_still_hear_it():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter(), "c#1")
    heard: list[tuple[str, object]] = []

    def broken(record, state):
        raise KeyError("subscriber bug")

    inst.subscribe(broken)
    inst.subscribe(lambda record, state: heard.append(("subscriber", state["n"])))
    rt.add_commit_listener(lambda instance, record, state: heard.append(("runtime", instance)))
    record = inst.dispatch("inc", 2)
    assert inst.get_state() == {"n": 2}  # the commit stands
    assert heard == [("subscriber", 2), ("runtime", inst)]
    (report,) = threw(rt)
    assert (report["moduleId"], report["instanceId"], report["txnSeq"], report["txnId"]) == (
        "counter", "c#1", record.txn_seq, record.txn_id)
    assert report["meta"]["severity"] == "error"
    assert report["meta"]["message"] == f"commit listener {broken!r} raised KeyError: 'subscriber bug'"
    assert report["errorSummary"]["name"] == "KeyError"


def test_a_subscriber_raising_on_every_commit_is_reported_once_per_commit_and_the_runtime_goes_on():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())
    inst.subscribe(lambda record, state: 1 / 0)
    records = [inst.dispatch("inc", 1) for _ in range(3)]
    assert inst.get_state() == {"n": 3}
    assert [r["txnId"] for r in threw(rt)] == [r.txn_id for r in records]
