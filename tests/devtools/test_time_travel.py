"""A user jumps to the state before / after a transaction, sees that the past is shown, and returns to latest."""

from __future__ import annotations

from devtools_support import click_row, open_live, table_rows
from PySide6.QtCore import Qt


def test_time_travel_before_after_and_back_to_latest(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    inst.dispatch("add", 10)   # t2
    inst.dispatch("add", 20)   # t3
    qtbot.waitUntil(lambda: any(c[2] == "state" and c[5] == "t3" for c in table_rows(window)))
    click_row(qtbot, window, lambda c: c[2] == "state" and c[5] == "t2")
    assert window.inspector.before_button.isEnabled()

    qtbot.mouseClick(window.inspector.before_button, Qt.MouseButton.LeftButton)
    assert [i["price"] for i in inst.get_state()["items"]] == [2]  # before t2: only the initial item
    assert inst.get_state()["total"] == 2
    qtbot.waitUntil(lambda: window.mode_label.text() == "SHOWING THE PAST")
    assert "shop#1::t2" in window.detail_label.text() and "before" in window.detail_label.text()
    assert window.inspector.banner.isVisible() and "SHOWING THE PAST" in window.inspector.banner.text()
    assert window.inspector.latest_button.isEnabled()

    qtbot.mouseClick(window.inspector.after_button, Qt.MouseButton.LeftButton)
    assert [i["price"] for i in inst.get_state()["items"]] == [2, 10]
    qtbot.waitUntil(lambda: "after shop#1::t2" in window.detail_label.text())
    # the jump itself is a devtools-origin transaction the table shows like any other
    qtbot.waitUntil(lambda: any(c[2] == "state" and c[5] == "t5" for c in table_rows(window)))

    qtbot.mouseClick(window.inspector.latest_button, Qt.MouseButton.LeftButton)
    assert [i["price"] for i in inst.get_state()["items"]] == [2, 10, 20]
    assert inst.get_state()["total"] == 32
    qtbot.waitUntil(lambda: window.mode_label.text() == "LIVE")
    assert not window.inspector.banner.isVisible()


def test_time_travel_without_snapshots_is_explained(qtbot, aio):
    from runtime import Runtime

    rt = Runtime(label="app", diagnostics="light")  # light keeps no snapshots
    host, window, inst = open_live(qtbot, rt, settings={"diagnostics": "light", "bufferSize": 500,
                                                        "theme": "system", "showDevtools": False})
    inst.dispatch("add", 10)
    qtbot.waitUntil(lambda: any(c[2] == "state" and c[5] == "t2" for c in table_rows(window)))
    click_row(qtbot, window, lambda c: c[2] == "state" and c[5] == "t2")
    qtbot.mouseClick(window.inspector.before_button, Qt.MouseButton.LeftButton)
    assert window.inspector.travel_error.isVisible()
    assert "diagnostics level full" in window.inspector.travel_error.text()
    assert [i["price"] for i in inst.get_state()["items"]] == [2, 10]  # nothing was applied
    assert window.mode_label.text() == "LIVE"
    rt.dispose()
