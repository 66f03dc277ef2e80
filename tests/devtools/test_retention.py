"""A live window keeps its newest events within the bound of its settings: it says what it let go, every pane shows
only events it still holds, a selection that was let go says so, and with spilling on nothing is lost."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from devtools_support import click_row, open_live, table_rows
from PySide6.QtCore import Qt
from timeline_events import op_event, run_events

from devtools.app.settings_store import load_settings
from devtools.state import DEFAULT_SETTINGS
from runtime.trace import load_trace

ROOT = Path(__file__).resolve().parents[2]


def _settings(**changes):
    return dict(DEFAULT_SETTINGS, **changes)


def _busy(rt, inst, count: int, start: int = 0) -> None:
    """What a busy application does: transactions, and now and then an action run with an operation."""
    for i in range(start, start + count):
        inst.dispatch("add", i)
        if i % 20 == 0:
            t0 = rt.sink.clock.now_ms()
            run_events(rt, "shop#1", f"shop#1::o{i}", t0=t0, status="success", duration=1.0)
            for ts, phase, stage in ((0.5, "submitted", "submitted"), (0.8, "accepted", "accepted"),
                                     (0.9, "ready", "ready")):
                op_event(rt, "shop#1", f"cmd-{i}", ts=t0 + ts, phase=phase, stage=stage, link=f"shop#1::o{i}")


def _numbers(window) -> list[int]:
    return [int(cells[0]) for cells in table_rows(window)]


def test_the_window_keeps_the_newest_events_and_says_what_it_let_go(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime, settings=_settings(retainEvents=300))
    feed = window.ctx.events
    window.events.table.setFocus()  # as it starts: the table with the keyboard, nothing selected
    _busy(shop_runtime, inst, 200)
    qtbot.waitUntil(lambda: "let go" in window.retention_status.label.text())
    text = window.retention_status.label.text()
    assert re.fullmatch(r"let go [\d,]+ oldest events \(\d+ KB\)", text), text
    assert f"{feed.released:,} events" in window.retention_status.label.toolTip()  # every release, in all
    assert len(feed) <= 300 and feed.released > 0
    assert window.ctx.state.get()["selectedRow"] is None  # rows leaving the table select nothing by themselves

    # the table numbers events from the start of the session, and shows exactly the ones kept
    qtbot.waitUntil(lambda: window.events.model.rowCount() == len(feed))
    assert _numbers(window) == list(range(feed.released + 1, feed.released + len(feed) + 1))
    # the timeline's transactions and ticks are rows still held, each the event it was drawn for
    window.timeline.source.sync_now()
    store = feed.store
    for lane in window.timeline.model.lanes:
        for sub in lane.subrows:
            refs = sub.refs().tolist()
            if lane.kind == "txn":
                assert refs and all(0 <= r < len(feed) and store.label_of(r) == "state:update" for r in refs)
            elif lane.kind == "ticks":  # below 0: a tick still open whose start was let go
                assert all(r < 0 or (r < len(feed) and store.label_of(r) == "trace:tick") for r in refs)
    # runs and operations all of whose events were let go are gone from their panes; the others are kept
    model = window.timeline.model
    assert model.runs.runs and all(any(0 <= r < len(feed) for r in run.rows) for run in model.runs.runs.values())
    assert all(any(0 <= f.row < len(feed) for f in op.facts) for op in model.operations.ops.values())
    window.tabs.setCurrentWidget(window.runs)
    qtbot.waitUntil(lambda: window.runs.table.rowCount() == len(model.runs.runs))
    # the sidebar counts what is kept, the inspector shows the newest transaction by its number in the session
    qtbot.waitUntil(lambda: sum(window.ctx.events.instance_counts().values()) == len(feed))
    newest = max(r for r in range(len(feed)) if store.label_of(r) == "state:update")
    qtbot.waitUntil(lambda: f"Latest transaction</b> · row {newest + 1 + feed.released}"
                    in window.inspector.header.text())


def test_selecting_an_event_that_was_let_go_says_so(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime, settings=_settings(retainEvents=300))
    t0 = shop_runtime.sink.clock.now_ms()
    for ts, phase, stage in ((0.0, "submitted", "submitted"), (1.0, "accepted", "accepted")):  # never finishes
        op_event(shop_runtime, "shop#1", "cmd-waiting", ts=t0 + ts, phase=phase, stage=stage)
    _busy(shop_runtime, inst, 20)
    qtbot.waitUntil(lambda: window.events.model.rowCount() > 40)
    r = click_row(qtbot, window, lambda cells: cells[3] == "state:update")
    number = int(table_rows(window)[r][0])
    _busy(shop_runtime, inst, 200, start=20)
    qtbot.waitUntil(lambda: "was let go" in window.inspector.header.text())
    assert f"#{number:,} was let go" in window.inspector.header.text()
    summary = window.inspector.summary_text()
    assert "keeps only its newest events (at most 300 events" in summary
    assert "It was dropped" in summary and "Spill to file" in summary
    assert not window.timeline.selection_line.isVisible()  # nothing on the timeline stands for it
    assert not window.events.table.selectionModel().selectedRows()

    # an operation still waiting, whose facts were let go: it stays in its pane, and clicking it says the same
    window.follow()
    qtbot.waitUntil(lambda: "Latest transaction" in window.inspector.header.text())
    ops = window.operations
    window.tabs.setCurrentWidget(ops)
    qtbot.waitUntil(lambda: any(ops.table.item(r, 0).text() == "cmd-waiting" for r in range(ops.table.rowCount())))
    assert "cmd-0" not in [ops.table.item(r, 0).text() for r in range(ops.table.rowCount())]  # over, and let go
    item = next(ops.table.item(r, 0) for r in range(ops.table.rowCount()) if ops.table.item(r, 0).text() ==
                "cmd-waiting")
    qtbot.mouseClick(ops.table.viewport(), Qt.MouseButton.LeftButton, pos=ops.table.visualItemRect(item).center())
    qtbot.waitUntil(lambda: "was let go" in window.inspector.header.text())


def test_the_bound_is_set_in_settings_applies_at_once_and_is_kept(qtbot, aio, shop_runtime, tmp_path):
    host, window, inst = open_live(qtbot, shop_runtime, settings=load_settings())
    _busy(shop_runtime, inst, 100)
    feed = window.ctx.events
    qtbot.waitUntil(lambda: len(feed) > 300)
    assert window.retention_status.label.text() == ""  # the defaults are far away
    window.show_settings()
    dialog = window.settings_dialog
    assert dialog.retain_events.value() == 500_000 and dialog.retain_mb.value() == 192
    dialog.retain_events.setValue(200)
    dialog.retain_events.editingFinished.emit()
    dialog.retain_mb.setValue(64)
    dialog.retain_mb.editingFinished.emit()
    dialog.spill_dir.setText(str(tmp_path / "spills"))
    dialog.spill_dir.editingFinished.emit()
    qtbot.waitUntil(lambda: len(feed) <= 200)  # a lower bound applies at once
    assert "let go" in window.retention_status.label.text()

    qtbot.mouseClick(window.retention_status.spill_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.spill.isChecked)  # the status bar's switch is the setting
    stored = load_settings()
    assert (stored["retainEvents"], stored["retainMB"], stored["spill"], stored["spillDir"]) == \
        (200, 64, True, str(tmp_path / "spills"))


def test_spilled_events_are_in_a_trace_that_tickscope_opens(qtbot, aio, shop_runtime, tmp_path):
    exported: list[str] = []
    shop_runtime.hub.tap(lambda kind, p: exported.append(p["eventId"]) if kind == "debug:event" else None)
    spills = tmp_path / "spills"
    host, window, inst = open_live(qtbot, shop_runtime,
                                   settings=_settings(retainEvents=300, spill=True, spillDir=str(spills)))
    _busy(shop_runtime, inst, 200)
    qtbot.waitUntil(lambda: window.retention_status.label.text().startswith("spilled"))
    feed = window.ctx.events
    [path] = list(spills.glob("*.spill.jsonl"))
    assert re.fullmatch(rf"spilled [\d,]+ oldest events \(\d+ KB\) to {re.escape(path.name)}",
                        window.retention_status.label.text())
    assert str(path) in window.retention_status.label.toolTip()
    kept = [feed.store.event_id_of(r) for r in range(len(feed))]
    window.close()
    window.ctx.close()  # the window's spill file is closed complete

    spilled = load_trace(path)
    assert not spilled.problems
    ids = [spilled.event_id_of(r) for r in range(len(spilled))]
    assert ids + kept == exported[: len(ids) + len(kept)]  # nothing lost, nothing twice, in order
    assert spilled.static_irs and spilled.index.state_rows()  # a trace like any other
    proc = subprocess.run([sys.executable, "-m", "devtools.cli", "open", str(path), "--screenshot",
                           str(tmp_path / "spill.png"), "--exit-after", "0.5"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "spill.png").stat().st_size > 10_000


def test_a_spill_file_that_cannot_be_written_drops_and_says_why(qtbot, aio, shop_runtime, tmp_path):
    not_a_dir = tmp_path / "spills"
    not_a_dir.write_text("a file where the spill folder should be")
    host, window, inst = open_live(qtbot, shop_runtime,
                                   settings=_settings(retainEvents=300, spill=True, spillDir=str(not_a_dir)))
    _busy(shop_runtime, inst, 200)
    status = window.retention_status
    qtbot.waitUntil(lambda: "could not spill" in status.text)
    assert re.match(rf"let go [\d,]+ oldest events \(\d+ KB\) — could not spill to {re.escape(str(not_a_dir))}",
                    status.text)
    assert status.label.fontMetrics().horizontalAdvance(status.label.text()) <= 520  # elided in the bar
    assert str(not_a_dir) in status.label.toolTip()
    assert len(window.ctx.events) <= 300  # the bound holds all the same
