"""A user changes settings; they apply at once and are there again after a restart."""

from __future__ import annotations

from devtools_support import open_live, table_rows
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from devtools.app.settings_store import load_settings, settings_file


def test_settings_apply_and_survive_a_restart(qtbot, aio, settings_dir):
    from runtime import Runtime

    rt = Runtime(label="app", diagnostics="full")
    host, window, inst = open_live(qtbot, rt, settings=load_settings())
    window.show_settings()
    dialog = window.settings_dialog
    assert dialog.isVisible()
    dialog.diagnostics.setCurrentText("light")
    dialog.diagnostics.activated.emit(dialog.diagnostics.currentIndex())
    dialog.theme.setCurrentText("dark")
    dialog.theme.activated.emit(dialog.theme.currentIndex())
    dialog.buffer.setValue(2000)
    dialog.buffer.editingFinished.emit()
    assert rt.sink.level == "light"
    assert rt.hub.buffer_size == 2000
    assert QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness() < 128
    qtbot.waitUntil(lambda: "diagnostics light" in window.detail_label.text())
    assert settings_file().startswith(str(settings_dir))
    window.close()
    host.windows.clear()
    rt.dispose()

    # a restart: a new process would read the same file
    rt2 = Runtime(label="app", diagnostics="full")
    host2, window2, _ = open_live(qtbot, rt2, settings=load_settings())
    window2.show_settings()
    dialog2 = window2.settings_dialog
    qtbot.waitUntil(lambda: dialog2.diagnostics.currentText() == "light")  # shown from the next tick on
    assert dialog2.theme.currentText() == "dark"
    assert dialog2.buffer.value() == 2000
    assert rt2.sink.level == "light"  # applied to the runtime when the window opened
    dialog2.theme.setCurrentText("light")
    dialog2.theme.activated.emit(dialog2.theme.currentIndex())
    assert QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness() > 128
    rt2.dispose()


def test_a_hand_edited_bad_settings_file_falls_back_to_defaults(settings_dir):
    from PySide6.QtCore import QSettings

    qs = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "tickscope", "devtools")
    qs.setValue("diagnostics", "loud")
    qs.setValue("bufferSize", "lots")
    qs.setValue("theme", "dark")
    qs.sync()
    settings = load_settings()
    assert settings["diagnostics"] == "full" and settings["bufferSize"] == 500  # the defaults
    assert settings["theme"] == "dark"  # the valid value is kept


def test_the_devtools_shows_its_own_runtime_when_asked(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    window.show_settings()
    window.settings_dialog.show_devtools.setChecked(True)  # the devtools' own UI state is a runtime module
    window.ctx.state.set_filters(text="add")  # a devtools transaction, like any user action

    qtbot.waitUntil(lambda: window.sidebar.model.index_of("instance", "devtools", "devtools", "devtools#1")
                    is not None)
    window.ctx.state.set_filters(text="")
    qtbot.waitUntil(lambda: any(c[4] == "devtools#1" and c[3] == "setFilters" for c in table_rows(window)))
