"""A transaction's own fallback link (`instanceId::l<n>`, issue 15) names no run: the devtools never list it as one
and never keep it waiting for a run that will not come."""

from __future__ import annotations

from devtools.model.runs import RunIndex, run_link_of
from runtime import Module, Runtime


def test_fallback_links_are_no_runs_in_the_devtools_models():
    m = Module("m", {"n": 0})

    @m.reducer("inc")
    def inc(draft, _):
        draft["n"] += 1

    rt = Runtime(diagnostics="light")
    inst = rt.mount(m)
    linked = inst.dispatch("inc", link_id="m#1::o9")
    own = inst.dispatch("inc")
    assert linked is not None and own is not None
    updates = {e["txnSeq"]: e for e in rt.hub.events() if e["label"] == "state:update"}
    assert run_link_of(updates[own.txn_seq]) is None and updates[own.txn_seq]["linkId"] == own.link_id
    assert run_link_of(updates[linked.txn_seq]) == "m#1::o9"
    runs = RunIndex()
    runs.note_txn(own.link_id, own.txn_seq)
    runs.note_txn("m#1::o9", linked.txn_seq)
    assert runs._early_txns == {"m#1::o9": [linked.txn_seq]}  # noqa: SLF001  # the bound the test is about
