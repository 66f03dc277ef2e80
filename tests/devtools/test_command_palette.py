"""The command palette as a user drives it: Ctrl+K, typing, Enter runs the command, Esc closes; it finds what any
part of the window added, with no list to keep."""

from __future__ import annotations

from devtools_support import open_replay
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction


def palette_open(qtbot, window):
    qtbot.keyClick(window.events.table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.command_palette is not None and window.command_palette.isVisible())
    return window.command_palette


def shown(palette) -> list[tuple[str, str]]:
    lst = palette.list
    return [(lst.topLevelItem(i).text(0), lst.topLevelItem(i).text(1)) for i in range(lst.topLevelItemCount())]


def test_ctrl_k_lists_every_command_with_its_shortcut(qtbot, recorded_trace, aio):
    _host, window = open_replay(qtbot, recorded_trace)
    palette = palette_open(qtbot, window)
    rows = dict(shown(palette))
    assert rows["Open trace…"] == "Ctrl+O" and rows["Export…"] == "Ctrl+E" and rows["Help"] == "F1 / ?"
    assert rows["Clear filters"] == "Ctrl+Shift+K" and rows["Next tick"] == "Ctrl+Right"
    assert {"Compare with trace…", "Show Events", "Show Query", "Show Converge"} <= set(rows)
    assert "Commands" not in rows  # the palette does not list itself
    qtbot.waitUntil(palette.search.hasFocus)  # typing goes to the search box at once


def test_typing_filters_and_enter_runs_the_first_match(qtbot, recorded_trace, aio):
    _host, window = open_replay(qtbot, recorded_trace)
    palette = palette_open(qtbot, window)
    qtbot.keyClicks(palette.search, "settin")
    assert palette.titles()[0] == "Settings" and "Export…" not in palette.titles()
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.settings_dialog is not None and window.settings_dialog.isVisible())
    assert not palette.isVisible()
    window.settings_dialog.close()

    palette = palette_open(qtbot, window)
    assert palette.search.text() == ""  # a fresh search each time
    qtbot.keyClicks(palette.search, "shqu")  # letters in order: Show Query
    assert palette.titles()[0] == "Show Query"
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.query)


def test_arrow_keys_choose_and_esc_closes_without_running_anything(qtbot, recorded_trace, aio):
    _host, window = open_replay(qtbot, recorded_trace)
    palette = palette_open(qtbot, window)
    qtbot.keyClicks(palette.search, "show")
    titles = palette.titles()
    assert titles[:2] == ["Show Events", "Show Converge"]
    qtbot.keyClick(palette.search, Qt.Key.Key_Down)
    assert palette.list.currentItem().text(0) == titles[1]
    qtbot.keyClick(palette.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not palette.isVisible())
    assert window.tabs.currentWidget() is window.events


def test_an_action_added_by_any_part_of_the_window_is_listed_and_runs(qtbot, recorded_trace, aio):
    _host, window = open_replay(qtbot, recorded_trace)
    ran = []
    tool = QAction("Frobnicate the lanes", window)
    tool.triggered.connect(lambda: ran.append(True))
    window.addAction(tool)
    palette = palette_open(qtbot, window)
    qtbot.keyClicks(palette.search, "frob")
    assert shown(palette) == [("Frobnicate the lanes", "")]
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ran == [True])
