"""The window from 1024x700 up: every pane whole and usable, nothing cut off, no symbol drawn as an empty box."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from devtools_support import open_live, open_replay
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QComboBox, QLabel, QLineEdit, QTabBar, QWidget
from trace_builder import TraceBuilder, evenly_spread_trace

from devtools.views.glyphs import missing_glyphs
from devtools.views.main_window import default_window_size

SIZES = [(1024, 700), (1440, 900), (1920, 1080)]
CONTROLS = (QAbstractButton, QLabel, QComboBox, QLineEdit, QCheckBox)


def controls(window):
    """The visible controls of the window itself (not of a dialog it opened)."""
    return [w for w in window.findChildren(QWidget) if isinstance(w, CONTROLS) and w.isVisible()
            and w.window() is window]


def panes(window):
    named = {"sidebar": window.sidebar, "overview": window.overview, "timeline": window.timeline,
             "bottom tabs": window.tabs, "inspector": window.inspector}
    if window.replay_bar is not None:
        named["replay bar"] = window.replay_bar
    return named


def clipped_at(widget, window):
    """The first ancestor (up to the window) that does not hold all of `widget`, or None."""
    rect = widget.rect()
    child, parent = widget, widget.parentWidget()
    while child is not window and parent is not None:
        rect = rect.translated(child.pos())
        if not parent.rect().contains(rect):
            return parent
        child, parent = parent, parent.parentWidget()
    return None


def cut_off(window) -> list[str]:
    """Every pane or visible control that is not whole on screen: clipped by an ancestor or the window, squeezed
    below what its content needs, or under a neighbour."""
    problems = []
    seen = {}
    for name, pane in panes(window).items():
        where = QRect(pane.mapTo(window, QPoint(0, 0)), pane.size())
        if not pane.isVisible() or clipped_at(pane, window) is not None:
            problems.append(f"{name} at {where} is not whole inside the window {window.rect()}")
        need = pane.minimumSizeHint()
        if pane.width() < need.width() or pane.height() < need.height():
            problems.append(f"{name} is {pane.size().toTuple()}, its content needs {need.toTuple()}")
        problems += [f"{name} overlaps {other}" for other, there in seen.items() if where.intersects(there)]
        seen[name] = where
    for control in controls(window):
        text = control.text() if hasattr(control, "text") else ""
        if isinstance(control, QLabel) and control.wordWrap():
            continue  # wraps within its width by design
        clip = clipped_at(control, window)
        if clip is not None:
            problems.append(f"{type(control).__name__} {text!r} is cut by {type(clip).__name__} "
                            f"{clip.objectName()!r}")
        elif control.width() < control.minimumSizeHint().width():
            problems.append(f"{type(control).__name__} {text!r} is {control.width()} px wide, needs "
                            f"{control.minimumSizeHint().width()}")
    return problems


def settle(qtbot, window, size):
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().toTuple() == size)


def assert_whole(qtbot, window):
    """Every pane and control whole, once the layout has settled (the failure lists what is cut)."""
    try:
        qtbot.waitUntil(lambda: not cut_off(window))
    except qtbot.TimeoutError:
        assert cut_off(window) == []


@pytest.mark.parametrize("size", SIZES)
def test_a_replay_window_is_whole_at_every_size(tmp_path, qtbot, aio, size):
    host, window = open_replay(qtbot, evenly_spread_trace(tmp_path / "t.jsonl", 2.0, instances=("a#1", "b#1")))
    settle(qtbot, window, size)
    assert_whole(qtbot, window)
    assert window.inspector.width() >= 340 and window.sidebar.width() >= 150


@pytest.mark.parametrize("size", SIZES)
def test_a_live_window_is_whole_at_every_size(qtbot, aio, shop_runtime, size):
    host, window, inst = open_live(qtbot, shop_runtime)
    inst.dispatch("add", 3)
    settle(qtbot, window, size)
    assert_whole(qtbot, window)
    assert window.minimumSizeHint().width() <= 1024 and window.minimumSizeHint().height() <= 700


def test_the_window_opens_at_a_size_that_fits_the_screen(qtbot, aio, shop_runtime):
    assert default_window_size(QSize(1366, 768)) == QSize(1366, 768)  # a small laptop: the whole screen
    assert default_window_size(QSize(2560, 1440)) == QSize(1440, 900)
    assert default_window_size(QSize(800, 800)) == QSize(1440, 900)  # the offscreen platform's placeholder
    host, window, inst = open_live(qtbot, shop_runtime)
    assert window.size() == default_window_size(window.screen().availableGeometry().size())


def visible_texts(window) -> list[tuple[str, object]]:
    """Every text the user can see, with the font it is drawn in."""
    texts = []
    for w in controls(window):
        texts.append((w.currentText() if isinstance(w, QComboBox) else w.text(), w.font()))
    for bar in window.findChildren(QTabBar):
        texts += [(bar.tabText(i), bar.font()) for i in range(bar.count())]
    timeline = window.timeline
    texts += [(label, timeline.axis.font()) for label in timeline.axis.tick_labels()]
    texts += [(lane.title, timeline.font()) for lane in timeline.shown_lanes]
    return texts


def assert_no_empty_boxes(window):
    missing = {text: gaps for text, font in visible_texts(window) if (gaps := missing_glyphs(text, font))}
    assert missing == {}, f"drawn as empty boxes with {window.font().family()}: {missing}"


def test_replay_controls_and_banners_use_symbols_the_font_has(tmp_path, qtbot, aio):
    host, window = open_replay(qtbot, evenly_spread_trace(tmp_path / "t.jsonl", 2.0))
    bar = window.replay_bar
    assert not bar.play_button.icon().isNull() and not bar.start_button.icon().isNull()
    assert_no_empty_boxes(window)
    qtbot.keyClick(window.events.table, Qt.Key.Key_Home)  # the past: the inspector's banner says so
    qtbot.waitUntil(lambda: window.inspector.banner.isVisible())
    bar.play_button.click()
    qtbot.waitUntil(lambda: bar.play_button.text() == "Pause")
    assert_no_empty_boxes(window)
    bar.play_button.click()
    qtbot.waitUntil(lambda: bar.play_button.text() == "Play")


def test_a_live_window_uses_symbols_the_font_has(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    inst.dispatch("add", 3)
    qtbot.waitUntil(lambda: window.events.model.rowCount() > 3)
    assert_no_empty_boxes(window)


def test_tickscope_size_opens_the_window_and_the_screenshot_at_that_size(tmp_path):
    trace = evenly_spread_trace(tmp_path / "t.jsonl", 1.0)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2]) + os.pathsep + env.get("PYTHONPATH", "")
    for size in ("1024x700", "1920x1080"):
        shot = tmp_path / f"{size}.png"
        proc = subprocess.run([sys.executable, "-m", "devtools.cli", "open", str(trace), "--screenshot", str(shot),
                               "--exit-after", "0.5", "--size", size], capture_output=True, text=True, timeout=120,
                              env=env)
        assert proc.returncode == 0, proc.stderr
        image = QImage(str(shot))
        assert f"{image.width()}x{image.height()}" == size
    proc = subprocess.run([sys.executable, "-m", "devtools.cli", "open", str(trace), "--size", "big"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2 and "window size must look like 1024x700" in proc.stderr


def test_the_panes_keep_their_shares_until_the_user_drags_a_handle(tmp_path, qtbot, aio):
    host, window = open_replay(qtbot, evenly_spread_trace(tmp_path / "t.jsonl", 2.0))
    split = window.main_splitter
    for size in ((1920, 1080), (1024, 700), (1440, 900)):
        settle(qtbot, window, size)
        qtbot.waitUntil(lambda: abs(split.sizes()[0] - 0.19 * split.width()) <= 12)  # the sidebar's share
    split.moveSplitter(400, 1)  # the user drags the sidebar's handle to x = 400
    qtbot.waitUntil(lambda: split.sizes()[0] >= 390)
    settle(qtbot, window, (1920, 1080))
    assert split.sizes()[0] >= 390  # their choice is kept
    assert_whole(qtbot, window)


def rows_in_view(table) -> float:
    """How many rows of `table` its viewport has room for."""
    return table.viewport().height() / table.verticalHeader().defaultSectionSize()


def test_the_operation_list_keeps_its_rows_in_a_1024x700_window(tmp_path, qtbot, aio):
    builder = TraceBuilder(tmp_path / "ops.jsonl")
    for i in range(8):
        builder.txn("shop#1", 0.1 * i)
        builder.op("shop#1", f"cmd-{i}", 0.1 * i + 0.05, "submitted", "submitted", deadline_in_ms=800.0)
    host, window = open_replay(qtbot, builder.close())
    settle(qtbot, window, (1024, 700))
    pane = window.operations
    window.tabs.setCurrentWidget(pane)
    qtbot.waitUntil(lambda: pane.table.rowCount() == 8 and pane.table.viewport().height() > 0)
    qtbot.waitUntil(lambda: rows_in_view(pane.table) >= 3)  # the stages and facts below no longer take them
    pane.select_operation("cmd-0")  # a chosen operation's chips fit below without hiding the list
    qtbot.waitUntil(lambda: pane.stages.height() >= pane.stages.minimumHeight() > 30)
    assert rows_in_view(pane.table) >= 2.5
    window.tabs.setCurrentWidget(window.e2e)
    qtbot.waitUntil(lambda: rows_in_view(window.e2e.table) >= 3)
