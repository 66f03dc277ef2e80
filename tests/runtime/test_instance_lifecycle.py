"""The functions an instance hands back to undo what was added (unsubscribe, remove a dispose hook, remove a window
hook) undo exactly that and are safe to call twice; a disposed instance refuses every entry point with an error that
names it."""

from __future__ import annotations

import pytest

from runtime import Module, Runtime, TransactionError


def notes() -> Module:
    return Module("notes", initial={"text": "", "tag": "", "seen": 0},
                  reducers={"write": lambda d, text: d.__setitem__("text", text)})


def test_an_unsubscribed_listener_hears_no_later_commit_and_the_others_still_do():
    inst = Runtime().mount(notes())
    gone: list[str] = []
    kept: list[str] = []
    unsubscribe = inst.subscribe(lambda record, state: gone.append(state["text"]))
    inst.subscribe(lambda record, state: kept.append(state["text"]))
    inst.dispatch("write", "a")
    unsubscribe()
    unsubscribe()  # a second call is a no-op
    inst.dispatch("write", "b")
    assert (gone, kept) == (["a"], ["a", "b"])


def test_a_removed_dispose_hook_is_not_called_and_the_others_are_in_reverse_order():
    rt = Runtime()
    inst = rt.mount(notes())
    calls: list[str] = []
    inst.on_dispose(lambda: calls.append("first"))
    remove = inst.on_dispose(lambda: calls.append("removed"))
    inst.on_dispose(lambda: calls.append("last"))
    remove()
    remove()  # a second call is a no-op
    rt.unmount(inst)
    assert calls == ["last", "first"]


def test_a_removed_window_hook_no_longer_runs_and_the_other_hooks_still_do():
    inst = Runtime().mount(notes())
    remove = inst.add_window_hook(lambda txn, draft, dirty: draft.__setitem__("tag", draft["text"].upper()), "tag")
    inst.add_window_hook(lambda txn, draft, dirty: draft.__setitem__("seen", draft["seen"] + 1), "seen")
    inst.dispatch("write", "a")
    remove()
    inst.dispatch("write", "b")
    assert inst.get_state() == {"text": "b", "tag": "A", "seen": 2}


@pytest.mark.parametrize("entry", [
    lambda inst: inst.dispatch("write", "x"),
    lambda inst: inst.set_state({"text": "x", "tag": "", "seen": 0}),
    lambda inst: inst.transact(lambda d: d.__setitem__("text", "x"), origin_kind="setState"),
], ids=["dispatch", "set_state", "transact"])
def test_a_disposed_instance_refuses_every_entry_point_naming_itself(entry):
    rt = Runtime()
    inst = rt.mount(notes())
    rt.unmount(inst)
    with pytest.raises(TransactionError) as err:
        entry(inst)
    assert str(err.value) == "notes#1 is disposed"
    assert (err.value.txn_id, err.value.module_id, err.value.instance_id) == ("", "notes", "notes#1")
    assert inst.get_state()["text"] == ""
