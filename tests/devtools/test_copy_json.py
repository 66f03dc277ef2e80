"""Copy as JSON and the raw view, from a right click on an event row, the inspector and the state tree."""

from __future__ import annotations

import orjson
from devtools_support import choose, click_row, open_replay, right_click, right_click_row
from PySide6.QtGui import QFontInfo, QGuiApplication
from PySide6.QtWidgets import QMenu

from devtools.views.json_view import RawView


def event_row(window, label: str) -> int:
    model = window.events.model
    return next(r for r in range(model.rowCount()) if model.index(r, 3).data() == label)


def test_copy_as_json_on_an_event_row_puts_its_event_on_the_clipboard(qtbot, recorded_trace, aio):
    _host, window = open_replay(qtbot, recorded_trace)
    row = event_row(window, "rename")
    QGuiApplication.clipboard().clear()
    choose(qtbot, right_click_row(qtbot, window, row), "Copy as JSON")
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() != "")
    event = orjson.loads(QGuiApplication.clipboard().text())
    assert (event["kind"], event["label"], event["txnId"]) == ("action", "rename", "shop#1::t5")
    assert event["meta"]["action"] == {"type": "rename", "payload": "Grace"}
    assert "\n  " in QGuiApplication.clipboard().text()  # indented, for reading


def test_raw_view_shows_the_event_in_a_read_only_monospace_view_with_search(qtbot, recorded_trace, aio):
    _host, window = open_replay(qtbot, recorded_trace)
    choose(qtbot, right_click_row(qtbot, window, event_row(window, "rename")), "Raw view…")
    qtbot.waitUntil(lambda: any(v.isVisible() for v in window.findChildren(RawView)))
    view = next(v for v in window.findChildren(RawView) if v.isVisible())
    assert view.text.isReadOnly() and QFontInfo(view.text.font()).fixedPitch()
    assert orjson.loads(view.text.toPlainText())["txnId"] == "shop#1::t5"
    qtbot.keyClicks(view.search, "Grace")
    assert view.found.text() == "1 match" and view.text.textCursor().selectedText() == "Grace"
    view.search.clear()
    qtbot.keyClicks(view.search, "nowhere")
    assert view.found.text() == "no match"
    view.close()


def test_the_inspector_copies_the_shown_event_and_its_state(qtbot, recorded_trace, aio):
    _host, window = open_replay(qtbot, recorded_trace)
    click_row(qtbot, window, lambda cells: cells[3] == "rename")
    summary = window.inspector.summary
    right_click(qtbot, summary.viewport(), summary.viewport().rect().center())
    menu = window.inspector.summary_menu
    assert menu is not None
    choose(qtbot, menu, "Copy state as JSON")
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text().lstrip().startswith("{"))
    state = orjson.loads(QGuiApplication.clipboard().text())
    assert state["name"] == "Grace" and state["title"] == "Shop of Grace"
    right_click(qtbot, summary.viewport(), summary.viewport().rect().center())
    choose(qtbot, window.inspector.summary_menu, "Copy event as JSON")
    qtbot.waitUntil(lambda: "eventId" in QGuiApplication.clipboard().text())
    assert orjson.loads(QGuiApplication.clipboard().text())["label"] == "rename"


def test_the_state_tree_copies_a_field_as_json(qtbot, recorded_trace, aio):
    _host, window = open_replay(qtbot, recorded_trace)
    click_row(qtbot, window, lambda cells: cells[3] == "state:update" and cells[5] == "t4")
    tree = window.inspector.tree
    model = tree.model()
    items = next(model.index(r, 0) for r in range(model.rowCount()) if model.index(r, 0).data() == "items")
    tree.scrollTo(items)
    QGuiApplication.clipboard().clear()
    right_click(qtbot, tree.viewport(), tree.visualRect(items).center())
    qtbot.waitUntil(lambda: any(m.isVisible() for m in tree.findChildren(QMenu)))
    menu = next(m for m in tree.findChildren(QMenu) if m.isVisible())
    choose(qtbot, menu, "Copy as JSON")
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() != "")
    assert orjson.loads(QGuiApplication.clipboard().text()) == [{"price": 2}, {"price": 10}, {"price": 20},
                                                                {"price": 30}]


def test_a_query_result_row_is_copied_as_json_by_column(qtbot, recorded_trace, aio):
    from test_query_pane import query_tab, run_sql

    _host, window = open_replay(qtbot, recorded_trace)
    pane = query_tab(qtbot, window)
    run_sql(qtbot, pane, "SELECT action, count(*) AS n FROM transactions WHERE action IS NOT NULL "
                         "GROUP BY action ORDER BY n DESC")
    table = pane.table
    QGuiApplication.clipboard().clear()
    right_click(qtbot, table.viewport(), table.visualRect(table.model().index(1, 0)).center())
    qtbot.waitUntil(lambda: pane.row_menu is not None and pane.row_menu.isVisible())
    choose(qtbot, pane.row_menu, "Copy as JSON")
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() != "")
    assert orjson.loads(QGuiApplication.clipboard().text()) == {"action": "rename", "n": 1}
