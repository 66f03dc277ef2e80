"""The Export dialog as a user fills it in: a name typed without an extension gets the chosen format's."""

from __future__ import annotations

import pytest
from devtools_support import open_live
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from devtools.views.main_window import EXPORT_FORMATS


@pytest.mark.parametrize(("fmt", "typed", "written"), [("chrome", "mytrace", "mytrace.trace.json"),
                                                       ("evidence", "session", "session.evidence.json"),
                                                       ("chrome", "keep.trace", "keep.trace")])
def test_a_name_without_extension_gets_the_formats(qtbot, aio, shop_runtime, tmp_path, fmt, typed, written):
    host, window, inst = open_live(qtbot, shop_runtime)
    inst.dispatch("add", 1)
    dialog = window.ask_export()
    dialog.setDirectory(str(tmp_path))
    label, suffix = EXPORT_FORMATS[fmt]
    dialog.selectNameFilter(f"{label} (*{suffix})")
    name = dialog.findChild(QLineEdit, "fileNameEdit")
    assert name.text() == "export"  # offered, selected: typing replaces it
    qtbot.keyClicks(name, typed)
    qtbot.keyClick(name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.last_export is not None)
    path, count = window.last_export
    assert path == str(tmp_path / written) and count > 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [written]
    assert written in window.statusBar().currentMessage()
