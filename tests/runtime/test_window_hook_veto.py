"""A window hook runs after the entry point's writes and may replace the whole state: one that puts the window's base
state back (a veto) leaves nothing that changed, so nothing commits, as for an entry point that wrote nothing."""

from __future__ import annotations

from runtime import Module, Runtime, computed


def account() -> Module:
    return Module("account", initial={"balance": 5, "label": "5"},
                  fields=[computed("label", deps=["balance"], derive=str)],
                  reducers={"spend": lambda d, amount: d.__setitem__("balance", d["balance"] - amount)})


def veto_overdraft(txn, draft, base_dirty) -> None:
    if draft["balance"] < 0:
        txn.replace_root(txn.base)


def test_a_hook_putting_the_base_state_back_commits_nothing_and_tells_no_one():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(account())
    inst.add_window_hook(veto_overdraft, "veto")
    heard: list[dict] = []
    inst.subscribe(lambda record, state: heard.append(dict(state)))
    updates = len([e for e in rt.hub.events() if e["label"] == "state:update"])
    assert inst.dispatch("spend", 9) is None
    assert inst.get_state() == {"balance": 5, "label": "5"} and heard == []
    assert len([e for e in rt.hub.events() if e["label"] == "state:update"]) == updates
    record = inst.dispatch("spend", 2)  # a write the hook lets through commits as usual
    assert record is not None and heard == [{"balance": 3, "label": "3"}]
