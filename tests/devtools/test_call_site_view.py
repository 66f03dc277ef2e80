"""The inspector says where a dispatch came from (this test's file, line and function, at diagnostics full), and a
click on the frame opens that file at that line in the editor the user configured: a real process, started and
not waited for."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
from devtools_support import click_row, open_live, table_rows
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor

from devtools.state import DEFAULT_SETTINGS
from runtime import Runtime

EDITOR_SCRIPT = """import json, sys
from pathlib import Path
Path(sys.argv[1]).write_text(json.dumps(sys.argv[2:]))
"""


def _line_of(marker: str) -> int:
    lines = Path(__file__).read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text and "_line_of" not in text)


def _click_link(qtbot, browser, href: str) -> None:
    """Click the link `href` of a rich-text browser where it is drawn, as a user would."""
    block = browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(browser.document())
                cursor.setPosition(fragment.position() + 1)
                browser.setTextCursor(cursor)
                browser.ensureCursorVisible()
                rect = browser.cursorRect(cursor)
                qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton,
                                 pos=QPoint(rect.x(), rect.center().y()))
                return
            it += 1
        block = block.next()
    raise AssertionError(f"no link {href} in the summary")


def _set_editor_command(qtbot, window, command: str) -> None:
    """Settings (Ctrl+,) → Editor command, typed and confirmed with Enter."""
    window.show_settings()
    edit = window.settings_dialog.editor_command
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, command)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.ctx.state.get()["settings"]["editorCommand"] == command)
    window.settings_dialog.close()


def _show_the_dispatch(qtbot, window) -> str:
    def is_add(cells) -> bool:
        return cells[2] == "action" and cells[3] == "add"

    qtbot.waitUntil(lambda: any(is_add(c) for c in table_rows(window)))
    click_row(qtbot, window, is_add)
    return window.inspector.summary_text()


def test_the_inspector_shows_this_line_and_a_click_opens_it_in_the_configured_editor(qtbot, aio, tmp_path):
    rt = Runtime(label="app", diagnostics="full")
    host, window, inst = open_live(qtbot, rt)
    inst.dispatch("add", 5)  # the dispatch line
    text = _show_the_dispatch(qtbot, window)
    line = _line_of("# the dispatch line")
    shown = f"test_call_site_view.py:{line} in test_the_inspector_shows_this_line_and_a_click_opens_it_in_the_" \
            "configured_editor"
    assert "Called from test_call_site_view.py" in text
    assert shown in text

    script, out = tmp_path / "editor.py", tmp_path / "opened.json"
    script.write_text(EDITOR_SCRIPT)
    _set_editor_command(qtbot, window, f"{sys.executable} {script} {out} {{file}} {{line}}")
    _click_link(qtbot, window.inspector.summary, "site:0")
    qtbot.waitUntil(lambda: out.exists() and out.read_text().endswith("]"))
    assert orjson.loads(out.read_text()) == [__file__, str(line)]
    assert window.inspector.editor_status.text().startswith(f"Opened test_call_site_view.py:{line} in ")
    rt.dispose()


def test_without_an_editor_the_inspector_says_how_to_configure_one(qtbot, aio, monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    rt = Runtime(label="app", diagnostics="full")
    host, window, inst = open_live(qtbot, rt)
    inst.dispatch("add", 5)
    _show_the_dispatch(qtbot, window)
    _click_link(qtbot, window.inspector.summary, "site:0")
    status = window.inspector.editor_status
    qtbot.waitUntil(status.isVisible)
    assert "no editor is configured" in status.text() and "{file}:{line}" in status.text()

    _set_editor_command(qtbot, window, "no-such-editor-anywhere +{line} {file}")
    _click_link(qtbot, window.inspector.summary, "site:0")
    qtbot.waitUntil(lambda: "could not start the editor 'no-such-editor-anywhere'" in status.text())
    rt.dispose()


def test_at_light_the_inspector_shows_no_call_site(qtbot, aio):
    rt = Runtime(label="app", diagnostics="light")
    host, window, inst = open_live(qtbot, rt, settings=dict(DEFAULT_SETTINGS, diagnostics="light"))
    inst.dispatch("add", 5)
    text = _show_the_dispatch(qtbot, window)
    assert "Called from" not in text
    assert rt.sink.call_sites.walks == 0
    rt.dispose()


def test_a_click_through_the_adapter_names_the_adapter_not_the_program_below_the_event_loop(qtbot, aio):
    """Qt calls the adapter's slot from its event loop: the frames above are the loop's, not a caller's, so the call
    site is the adapter's connection (tickscope's own frame), never a user frame far down the stack."""
    from PySide6.QtWidgets import QPushButton

    from devtools.qt import QtAdapter
    from devtools_support import shop_module

    rt = Runtime(label="app", diagnostics="full")
    inst = rt.mount(shop_module())
    ui = QtAdapter(rt)
    button = QPushButton("rename")
    qtbot.addWidget(button)
    ui.connect(button.clicked, "rename", on=inst, payload="Grace")
    button.show()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: inst.get_state()["name"] == "Grace")
    site = next(e["meta"]["callSite"] for e in rt.hub.events() if e["label"] == "rename")
    assert site["file"].endswith(str(Path("devtools", "qt", "adapter.py")))
    assert any(frame["function"].endswith("connect.<locals>.fire") for frame in site["frames"])
    assert all(frame["file"] != __file__ for frame in site["frames"])
    ui.close()
    rt.dispose()
