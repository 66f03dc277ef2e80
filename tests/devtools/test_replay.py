"""A user opens a recorded trace and steps through it; every pane follows the cursor."""

from __future__ import annotations

import subprocess
import sys

from devtools_support import open_replay, table_rows
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QPushButton

from devtools.host import DevtoolsHost, application


def key(qtbot, window, k, mod=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window.events.table, k, mod)


def test_open_a_trace_and_step_through_it(recorded_trace, qtbot, aio):
    host, window, = open_replay(qtbot, recorded_trace)
    replay = window.ctx.replay
    total = replay.total
    assert window.mode_label.text() == "REPLAY" and replay.at_end
    assert window.events.model.rowCount() == total
    qtbot.waitUntil(lambda: f"event {total:,} / {total:,}" in window.replay_bar.position.text())

    key(qtbot, window, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: window.events.model.rowCount() == 0)
    assert window.mode_label.text() == "REPLAY · SHOWING THE PAST"

    key(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # to the first transaction (mount)
    qtbot.waitUntil(lambda: bool(table_rows(window)) and table_rows(window)[-1][2] == "state")
    assert table_rows(window)[-1][5] == "t1"
    key(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: table_rows(window)[-1][2:6:3] == ("state", "t2"))
    # the inspector follows the cursor: the latest visible event is the add of t2
    qtbot.waitUntil(lambda: "shop#1::t2" in window.inspector.summary_text())
    assert "items, total" in window.inspector.summary_text()
    assert window.inspector.tree_model.changed_paths() == ["items.1", "total"]

    shown = window.events.model.rowCount()
    key(qtbot, window, Qt.Key.Key_Right)  # one event
    qtbot.waitUntil(lambda: window.events.model.rowCount() == shown + 1)
    key(qtbot, window, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: window.events.model.rowCount() == shown)

    key(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)  # to the end of the next tick
    qtbot.waitUntil(lambda: table_rows(window)[-1][3] == "trace:tick")
    assert replay.tick_seq() > 0 and f"tick {replay.tick_seq()}" in window.replay_bar.position.text()

    window.replay_bar.scrubber.setValue(total)  # drag the scrubber to the end
    qtbot.waitUntil(lambda: window.mode_label.text() == "REPLAY")
    assert window.events.model.rowCount() == total


def test_play_runs_to_the_end(recorded_trace, qtbot, aio):
    host, window = open_replay(qtbot, recorded_trace)
    replay = window.ctx.replay
    window.replay_bar.speed.setCurrentIndex(window.replay_bar.speed.count() - 1)  # fastest
    window.replay_bar.speed.activated.emit(window.replay_bar.speed.count() - 1)
    key(qtbot, window, Qt.Key.Key_Space)  # at the end: playing starts over from the start
    assert replay.playing and replay.cursor == -1
    assert window.replay_bar.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: replay.at_end and not replay.playing)
    qtbot.waitUntil(lambda: window.replay_bar.play_button.text() == "Play")
    qtbot.waitUntil(lambda: window.events.model.rowCount() == replay.total)


def test_a_file_that_is_not_a_trace_is_refused_clearly(tmp_path, qtbot, aio):
    bad = tmp_path / "notes.jsonl"
    bad.write_text("hello\n")
    host = DevtoolsHost(application())
    task = host.open_trace(bad)
    qtbot.waitUntil(task.done)
    assert task.result() is None and not host.windows
    # the whole message: pytest's temporary folder is named after this test, so a word of it proves nothing
    assert host.load_errors == [f"{bad}: line 1 is not JSON, so this is not a tickscope trace"]
    host.message_box.close()


def test_cancelling_a_load_opens_nothing(recorded_trace, qtbot, aio):
    host = DevtoolsHost(application())
    # the user presses Cancel at once
    host.loading_listeners.append(lambda dialog: dialog.findChild(QPushButton).click())
    task = host.open_trace(recorded_trace)
    qtbot.waitUntil(task.done)
    assert task.result() is None and not host.windows
    assert host.load_errors == [f"loading {recorded_trace} was cancelled"]
    assert host.progress is None  # the dialog is gone


def test_cli_screenshot_of_a_trace_and_of_the_live_demo(recorded_trace, tmp_path):
    shot = tmp_path / "replay.png"
    proc = subprocess.run([sys.executable, "-m", "devtools.cli", "open", str(recorded_trace), "--screenshot",
                           str(shot), "--exit-after", "0.5"], capture_output=True, text=True, timeout=120,
                          env=_offscreen_env())
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(shot))
    assert image.width() >= 800 and image.height() >= 500

    live = tmp_path / "live.png"
    proc = subprocess.run([sys.executable, "-m", "devtools.cli", "--screenshot", str(live), "--exit-after", "1.5"],
                          capture_output=True, text=True, timeout=120, env=_offscreen_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == ""  # a clean exit: no pending task, no traceback, no Qt warning
    assert not QImage(str(live)).isNull()

    proc = subprocess.run([sys.executable, "-m", "devtools.cli", "open", str(tmp_path / "missing.jsonl")],
                          capture_output=True, text=True, timeout=120, env=_offscreen_env())
    assert proc.returncode == 2 and "no such trace file" in proc.stderr


def _offscreen_env():
    import os
    from pathlib import Path

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env
