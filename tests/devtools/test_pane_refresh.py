"""When a list pane (runs, operations) refills its table: once per model version; behind another tab, later and
once, through its timer; shown or forced, at once."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from devtools.views.table_pane import PaneRefresh


def test_a_hidden_pane_refills_later_once_and_a_shown_or_forced_one_at_once(qtbot):
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    front, pane = QWidget(), QWidget()
    tabs.addTab(front, "front")
    tabs.addTab(pane, "behind")
    tabs.show()
    qtbot.waitExposed(tabs)
    later: list[str] = []
    refresh = PaneRefresh(pane, lambda: later.append("refresh"), interval_ms=20)

    assert not refresh.due(1, force=False)  # behind another tab: it waits
    assert not refresh.due(2, force=False)  # a second change while it waits: still one refresh to come
    qtbot.waitUntil(lambda: later == ["refresh"])
    assert refresh.due(2, force=True)  # what the timer calls: forced, it goes ahead
    assert not refresh.due(2, force=True)  # the table already shows that version

    tabs.setCurrentWidget(pane)
    qtbot.waitUntil(pane.isVisible)
    assert refresh.due(3, force=False)  # shown: at once
    assert later == ["refresh"]
