"""Widgets bound to topic facades repaint at most once per flush, all at the same tick, and never after they close."""

from __future__ import annotations

from devtools_support import shop_module
from PySide6.QtWidgets import QLabel

from devtools.qt import Binder


def test_many_commits_become_one_repaint_per_widget_at_one_tick(qtbot, aio, shop_runtime):
    rt = shop_runtime
    inst = rt.mount(shop_module())
    binder = Binder(lambda: rt.store.tick_seq)
    seen: dict[str, list[tuple[int, object]]] = {"total": [], "name": []}
    total_label, name_label = QLabel(), QLabel()
    qtbot.addWidget(total_label)
    qtbot.addWidget(name_label)
    topic = rt.store.topic("shop::shop#1")

    def show_total(state):
        seen["total"].append((binder.frame_tick, state["total"]))
        total_label.setText(str(state["total"]))

    def show_name(state):
        seen["name"].append((binder.frame_tick, state["name"]))
        name_label.setText(state["name"])

    binder.bind(total_label, topic, show_total)
    binder.bind(name_label, topic, show_name)
    for k in seen:
        seen[k].clear()
    for price in range(1, 51):  # fifty commits in one loop iteration
        inst.dispatch("add", price)
    inst.dispatch("rename", "Grace")
    qtbot.waitUntil(lambda: name_label.text() == "Grace")
    assert total_label.text() == str(2 + sum(range(1, 51)))
    assert len(seen["total"]) == 1 and len(seen["name"]) == 1  # coalesced: one repaint each
    assert seen["total"][0][0] == seen["name"][0][0] == rt.store.tick_seq  # both painted the same tick


def test_a_closed_widget_is_never_called_again(qtbot, aio, shop_runtime):
    rt = shop_runtime
    inst = rt.mount(shop_module())
    binder = Binder(lambda: rt.store.tick_seq)
    label = QLabel()
    calls = []
    binding = binder.bind(label, rt.store.topic("shop::shop#1"), lambda s: calls.append(s["total"]))
    assert calls == [2]  # bound widgets start from the current snapshot
    label.deleteLater()
    qtbot.waitUntil(lambda: binding.closed)
    inst.dispatch("add", 5)
    other = QLabel()
    qtbot.addWidget(other)
    binder.bind(other, rt.store.topic("shop::shop#1"), lambda s: other.setText(str(s["total"])))
    inst.dispatch("add", 1)
    qtbot.waitUntil(lambda: other.text() == "8")
    assert calls == [2] and binder.binding_count == 1
