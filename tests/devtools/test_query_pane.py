"""The query pane as a user works it: type SQL, press Run, read the table; show the rows on the timeline; generate a
test for the range shown. On a recorded trace and on a live session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from devtools_support import attached_window, open_live, open_replay
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def query_tab(qtbot, window):
    window.tabs.setCurrentWidget(window.query)
    pane = window.query
    qtbot.waitUntil(pane.isVisible)
    return pane


def run_sql(qtbot, pane, sql: str) -> None:
    pane.sql.clear()
    qtbot.keyClicks(pane.sql, sql)
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not pane.running and pane.run_button.isEnabled())


def cells(pane) -> list[tuple[str, ...]]:
    model = pane.table.model()
    header = tuple(model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount()))
    return [header] + [tuple(model.index(r, c).data() for c in range(model.columnCount()))
                       for r in range(model.rowCount())]


def test_a_query_over_a_recorded_trace_fills_the_table(qtbot, aio, recorded_trace):
    host, window = open_replay(qtbot, recorded_trace)
    pane = query_tab(qtbot, window)
    run_sql(qtbot, pane, "SELECT txn_id, action FROM transactions WHERE action IS NOT NULL ORDER BY seq")
    assert cells(pane) == [("txn_id", "action"), ("shop#1::t2", "add"), ("shop#1::t3", "add"),
                           ("shop#1::t4", "add"), ("shop#1::t5", "rename")]
    assert pane.status.text().startswith("4 rows in ")
    assert pane.show_button.isEnabled()

    run_sql(qtbot, pane, "SELECT nope FROM events")
    assert "BinderException" in pane.status.text() and '"nope"' in pane.status.text()
    assert "c62828" in pane.status.styleSheet()  # shown as an error
    assert pane.run_button.isEnabled() and not pane.progress.isVisible()


def test_show_these_rows_marks_them_on_the_timeline(qtbot, aio, recorded_trace):
    host, window = open_replay(qtbot, recorded_trace)
    pane = query_tab(qtbot, window)
    run_sql(qtbot, pane, "SELECT txn_id FROM transactions WHERE action = 'add'")
    qtbot.mouseClick(pane.show_button, Qt.MouseButton.LeftButton)
    store = window.ctx.events.store
    assert [store.txn_id_of(r) for r in pane.last_rows] == ["shop#1::t2", "shop#1::t3", "shop#1::t4"]
    assert all(store.label_of(r) == "state:update" for r in pane.last_rows)
    marks = window.timeline.highlight.points
    assert [key for key, _ in marks] == ["shop#1/txn"] * 3
    model = window.timeline.model
    assert [x for _, x in marks] == [model.x_of(float(store.ts[r])) for r in pane.last_rows]
    x0, x1 = window.timeline.x_range()
    assert all(x0 <= x <= x1 for _, x in marks)  # brought into view
    assert pane.status.text() == "3 transactions marked on the timeline"

    run_sql(qtbot, pane, "SELECT seq, label FROM events WHERE label = 'module:init'")
    qtbot.mouseClick(pane.show_button, Qt.MouseButton.LeftButton)
    assert [store.label_of(r) for r in pane.last_rows] == ["module:init"]
    assert [key for key, _ in window.timeline.highlight.points] == ["shop#1/txn"]


def test_a_live_session_is_queried_and_shown(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    for price in (1, 2, 3, 4):
        inst.dispatch("add", price)
    pane = query_tab(qtbot, window)
    qtbot.waitUntil(lambda: len(window.ctx.events.store) >= 8)
    run_sql(qtbot, pane, "SELECT seq, txn_id FROM events WHERE label = 'state:update' AND txn_seq >= 4")
    assert [row[1] for row in cells(pane)[1:]] == ["shop#1::t4", "shop#1::t5"]
    qtbot.mouseClick(pane.show_button, Qt.MouseButton.LeftButton)
    store = window.ctx.events.store
    assert [store.txn_id_of(r) for r in pane.last_rows] == ["shop#1::t4", "shop#1::t5"]
    assert [store.label_of(r) for r in pane.last_rows] == ["state:update"] * 2
    inst.dispatch("rename", "Grace")  # the next run sees what arrived since
    run_sql(qtbot, pane, "SELECT action FROM transactions WHERE action = 'rename'")
    assert cells(pane)[1:] == [("rename",)]


def test_an_attached_session_is_queried_and_shown(qtbot, aio):
    with attached_window(qtbot, aio) as (rt, inst, window, session):
        for price in (5, 6):
            inst.dispatch("add", price)
        qtbot.waitUntil(lambda: sum(window.ctx.events.store.label_of(r) == "state:update"
                                    for r in range(len(window.ctx.events.store))) >= 3)
        pane = query_tab(qtbot, window)
        run_sql(qtbot, pane, "SELECT txn_id, action FROM transactions WHERE action = 'add' ORDER BY seq")
        assert cells(pane)[1:] == [("shop#1::t2", "add"), ("shop#1::t3", "add")]
        qtbot.mouseClick(pane.show_button, Qt.MouseButton.LeftButton)
        store = window.ctx.events.store
        assert [store.txn_id_of(r) for r in pane.last_rows] == ["shop#1::t2", "shop#1::t3"]
        assert [key for key, _ in window.timeline.highlight.points] == ["shop#1/txn"] * 2


def test_generate_test_from_a_live_session(qtbot, aio, shop_runtime, tmp_path):
    host, window, inst = open_live(qtbot, shop_runtime)
    inst.dispatch("add", 7)
    inst.dispatch("rename", "Lin")
    qtbot.waitUntil(lambda: len(window.ctx.events.store) >= 6)
    pane = query_tab(qtbot, window)
    window.timeline.fit_all()
    path = tmp_path / "test_live_session.py"
    task = pane.generate_test(str(path))
    qtbot.waitUntil(task.done)
    assert task.result() is not None, pane.status.text()
    assert task.result().instances == ["shop#1"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(HERE), str(ROOT)))}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout + proc.stderr
    assert "inst.dispatch('rename', 'Lin')" in path.read_text()


def test_generate_test_for_the_range_shown_writes_a_passing_test(qtbot, aio, recorded_trace, tmp_path):
    host, window = open_replay(qtbot, recorded_trace)
    pane = query_tab(qtbot, window)
    window.timeline.fit_all()
    qtbot.mouseClick(pane.testgen_button, Qt.MouseButton.LeftButton)
    dialog = pane.testgen_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.setDirectory(str(tmp_path))
    name = dialog.findChild(QLineEdit, "fileNameEdit")
    assert name.text() == "test_session.py"  # offered, selected: typing replaces it
    qtbot.keyClicks(name, "test_shop_session.py")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pane.last_test is not None or "No test" in pane.status.text())
    assert pane.last_test is not None, pane.status.text()
    path, generated = pane.last_test
    assert Path(path) == tmp_path / "test_shop_session.py"
    assert generated.instances == ["shop#1"] and generated.steps == 4
    assert pane.status.text() == f"Wrote {path}: 1 test(s), 4 transactions"
    source = Path(path).read_text()
    assert "from devtools_support import shop_module" in source
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(HERE), str(ROOT)))}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", path], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout + proc.stderr


def test_a_long_query_runs_off_the_loop_with_progress(qtbot, aio, tmp_path):
    from PySide6.QtCore import QTimer

    from runtime.trace import TraceWriter

    path = tmp_path / "long.jsonl"
    with TraceWriter(path, label="long") as writer:
        for i in range(60_000):
            writer.write("debug:event", {"eventId": f"big#1::e{i + 1}", "moduleId": "big", "instanceId": "big#1",
                                         "timestamp": 1.7e12 + i, "kind": "diagnostic", "label": "note",
                                         "meta": {"code": f"n{i % 7}", "message": "x" * 200}})
    host, window = open_replay(qtbot, path)
    pane = query_tab(qtbot, window)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(pane.running))
    timer.start(20)
    pane.sql.clear()
    qtbot.keyClicks(pane.sql, "SELECT count(*) AS n FROM events a JOIN events b ON a.seq % 1000 = b.seq % 1000")
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    assert pane.running and pane.progress.isVisible() and pane.cancel_button.isEnabled()
    assert not pane.run_button.isEnabled()
    qtbot.waitUntil(lambda: not pane.running)
    timer.stop()
    assert True in ticks  # the loop turned (a timer fired) while the query ran
    assert cells(pane)[1:] == [(str(1000 * 60 * 60),)]
    assert not pane.progress.isVisible()
