"""At diagnostics off an instance exports nothing: no action, state or converge event for a dispatch or a batch."""

from __future__ import annotations

from runtime import Module, Runtime, computed


def test_at_off_neither_a_dispatch_nor_a_batch_exports_any_event():
    rt = Runtime(diagnostics="off")
    m = Module("gauge", initial={"v": 1, "w": 2}, fields=[computed("w", deps=["v"], derive=lambda v: v * 2)],
               reducers={"set": lambda d, v: d.__setitem__("v", v)})
    inst = rt.mount(m)
    before = [e["label"] for e in rt.hub.events()]
    inst.dispatch("set", 2)
    inst.dispatch_batch([("set", 3), ("set", 4)])
    assert inst.get_state() == {"v": 4, "w": 8}
    assert [e["label"] for e in rt.hub.events()] == before  # the mount's lifecycle events, if any, and nothing more
    assert not [e for e in before if e["kind"] in ("action", "state", "trait:converge")]
