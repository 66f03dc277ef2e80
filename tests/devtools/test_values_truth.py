"""Values and diffs that tell the truth: cut values read as cut, a payload cut is no converge degrade, lists are
diffed by alignment, and keys, patch paths and stage chips stay readable at 1024x700.

The data is real: the demo's sensor (a 120-reading ring buffer fed by its device) recorded to trace files, and the
whole demo recorded by `tickscope record`.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from devtools_support import click_row, open_live, open_replay, table_rows
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication, QHelpEvent, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication, QToolTip

from devtools.demo.modules import SENSOR_HISTORY, sensor_module
from devtools.demo.parts.sensor import SensorDevice
from devtools.model.trace_tables import TraceTables
from devtools.views.stage_timeline import STAGE_COLOURS
from runtime import Module, Runtime
from runtime.trace import TraceWriter

READINGS = 130  # past the ring buffer's 120: every reading shifts it by one


def record_sensor(path, level: str):
    """The demo's sensor at `level`, READINGS readings, one transaction each (ticks run inline: no loop yet)."""
    rt = Runtime(label="demo", diagnostics=level)
    writer = TraceWriter(path, label="demo").attach(rt.hub, runtime=rt)
    device = SensorDevice()
    rt.mount(sensor_module(device.store), "sensor#1", label="sensor")
    for _ in range(READINGS):
        device.push()
    writer.close()
    rt.dispose()
    return path


@pytest.fixture
def sensor_light(tmp_path):
    """Recorded at level light: no snapshots, so the states shown are the events' copies, cut for export."""
    return record_sensor(tmp_path / "sensor-light.jsonl", "light")


@pytest.fixture
def sensor_full(tmp_path):
    """Recorded at level full: exact states from snapshots; the patches' from/to are still cut for export."""
    return record_sensor(tmp_path / "sensor-full.jsonl", "full")


@pytest.fixture(scope="module")
def demo_trace(tmp_path_factory):
    """Five seconds of the whole demo, as a user records it (todos with their runs, saves that time out)."""
    path = tmp_path_factory.mktemp("demo") / "demo.jsonl"
    proc = subprocess.run([sys.executable, "-m", "devtools.cli", "record", "--demo", "--seconds", "5", "-o",
                           str(path), "--level", "full"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return path


def select_last(qtbot, window, kind: str, instance: str) -> None:
    """Click the newest row of `kind` of `instance` in the events table."""
    last = [cells for cells in table_rows(window) if (cells[2], cells[4]) == (kind, instance)][-1]
    click_row(qtbot, window, lambda cells: cells == last)


def child(model, parent: QModelIndex, key: str) -> QModelIndex:
    for r in range(model.rowCount(parent)):
        if model.index(r, 0, parent).data() == key:
            return model.index(r, 0, parent)
    raise AssertionError(f"no {key!r} under {parent.data()!r}: "
                         f"{[model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]}")


def keys_of(model, parent: QModelIndex) -> list[str]:
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


# -- 1. cut values read as cut -------------------------------------------------------------------------------------


def test_a_list_cut_for_export_reads_as_cut_in_the_tree_its_tooltip_and_what_is_copied(sensor_light, qtbot, aio):
    host, window = open_replay(qtbot, sensor_light)
    select_last(qtbot, window, "state", "sensor#1")
    model = window.inspector.tree_model
    history = child(model, child(model, QModelIndex(), "reading"), "history")
    assert history.siblingAtColumn(1).data() == f"[{SENSOR_HISTORY} items, 32 shown]"  # not "[33 items]"
    rows = model.rowCount(history)
    recorded = [model.index(r, 0, history).data() for r in range(rows - 1)
                if model.index(r, 1, history).data() != "—"]  # the items after this reading (not the one it pushed out)
    assert recorded == [str(i) for i in range(32)]
    left_out = model.index(rows - 1, 0, history)  # the mark is a row of its own, not item 32
    assert left_out.data() == "…"
    assert left_out.siblingAtColumn(1).data() == f"{SENSOR_HISTORY - 32} more items not recorded (cut for export)"
    tip = history.data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("reading.history\n") and f"{SENSOR_HISTORY} items, 32 shown (cut for export)" in tip
    assert "cut" in window.inspector.tree_title.text()  # the pane says its state is the cut copy

    tree = window.inspector.tree
    tree.setCurrentIndex(history)
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = json.loads(QGuiApplication.clipboard().text())
    assert len(copied) == 33 and copied[-1] == {"$truncated": f"{SENSOR_HISTORY - 32} more items"}
    assert all(isinstance(v, float) for v in copied[:32])  # a pasted cut list never passes for a whole one
    tree.copy_path()
    assert QGuiApplication.clipboard().text() == "reading.history"


def patch_tooltip(qtbot, browser, anchor_text: str) -> str:
    """Hover the patch whose path reads `anchor_text` and return the tooltip the user sees."""
    document = browser.document()
    patches = document.find("Patches", 0, QTextDocument.FindFlag.FindCaseSensitively)
    cursor = document.find(anchor_text, patches)  # the patch, not the dirty set's mention
    assert not cursor.isNull(), f"{anchor_text!r} not among the patches"
    browser.setTextCursor(cursor)
    browser.ensureCursorVisible()
    cursor.setPosition(cursor.selectionStart() + 1, QTextCursor.MoveMode.MoveAnchor)
    pos = browser.cursorRect(cursor).center()
    viewport = browser.viewport()
    QApplication.sendEvent(viewport, QHelpEvent(QHelpEvent.Type.ToolTip, pos, viewport.mapToGlobal(pos)))
    qtbot.waitUntil(QToolTip.isVisible)
    return QToolTip.text()


def test_a_patch_shows_its_cut_values_as_cut_and_its_tooltip_holds_them_whole(sensor_full, qtbot, aio):
    host, window = open_replay(qtbot, sensor_full)
    window.resize(1920, 1080)
    window.inspector.parentWidget().setSizes([200, 700, 1000])  # the user widens the inspector for whole values
    select_last(qtbot, window, "state", "sensor#1")
    qtbot.waitUntil(lambda: "Patches" in window.inspector.summary_text())
    lines = window.inspector.summary_text().splitlines()
    reading = lines.index("reading  field-external-store")
    patch = "\n".join(lines[reading + 1:reading + 3])
    assert patch.count(f"history: [{SENSOR_HISTORY} items, 16 shown]") == 2  # from and to, each cut to 16
    tip = patch_tooltip(qtbot, window.inspector.summary, "reading")
    assert tip.startswith("reading\nwritten by field-external-store")
    assert tip.count(f'{{"$truncated":"{SENSOR_HISTORY - 16} more items"}}') == 2
    assert "changed inside: seq, value, history.15, history.0" in tip  # aligned: one out, one in


# -- 2. a payload cut is said as such, apart from the converge outcome ---------------------------------------------


def test_a_payload_cut_for_export_is_not_called_a_converge_degrade(sensor_light, qtbot, aio):
    host, window = open_replay(qtbot, sensor_light)
    select_last(qtbot, window, "state", "sensor#1")
    lines = window.inspector.summary_text().splitlines()
    assert lines[lines.index("outcome") + 1] == "Converged"
    assert "Degraded" not in lines  # nothing under Converge or anywhere calls the cut a degrade
    payload = lines[lines.index("Recorded payload") + 1:]
    assert payload[0] == ("state:update: payload cut to the export size budget (oversized); cut values say how "
                          "much they left out")
    assert lines.index("Converge") < lines.index("Recorded payload")  # a section of its own, not in Converge's


# -- 3. lists diffed by alignment ----------------------------------------------------------------------------------


def test_a_ring_buffer_shifted_by_one_reads_as_one_removal_and_one_insertion(sensor_full, qtbot, aio):
    host, window = open_replay(qtbot, sensor_full)
    select_last(qtbot, window, "state", "sensor#1")
    inspector = window.inspector
    changed = inspector.tree_model.changed_paths()
    assert [p for p in changed if p.startswith("reading.history")] == \
        [f"reading.history.{SENSOR_HISTORY - 1}", "reading.history.0"]
    assert f"— {len(changed)} change(s) against the state before" in inspector.tree_title.text()
    assert len(changed) <= 6  # seq, value, the two items, and what the statistics and the alarm derive from them
    model = inspector.tree_model
    history = child(model, child(model, QModelIndex(), "reading"), "history")
    first, last = model.index(0, 0, history), model.index(model.rowCount(history) - 1, 0, history)
    assert (first.data(), first.siblingAtColumn(1).data()) == ("0", "—")  # the oldest reading left ...
    assert "removed" in first.data(Qt.ItemDataRole.ToolTipRole)
    assert last.siblingAtColumn(2).data() == "—" and "added" in last.data(Qt.ItemDataRole.ToolTipRole)  # ... one came
    kept = model.index(1, 0, history)
    assert kept.siblingAtColumn(1).data() == kept.siblingAtColumn(2).data()  # the rest is the same, one place on


def big_ring_module(size: int) -> Module:
    m = Module("ring", initial={"items": list(range(size))})

    @m.reducer("shift")
    def shift(draft, value):
        draft["items"] = [*draft["items"][1:], value]

    return m


def test_a_list_too_long_to_align_is_compared_index_by_index_and_says_so(qtbot, aio, shop_runtime):
    host, window, _shop = open_live(qtbot, shop_runtime)
    ring = shop_runtime.mount(big_ring_module(150_000))
    ring.dispatch("shift", -1)
    ring.dispatch("shift", -2)
    qtbot.waitUntil(lambda: sum(c[2] == "state" and c[4] == "ring#1" for c in table_rows(window)) == 2)
    select_last(qtbot, window, "state", "ring#1")
    inspector = window.inspector
    assert inspector.tree_model.changed_paths() == ["items"]  # one change, not 150,000
    title = inspector.tree_title.text()
    assert "items: compared index by index: 150,000 and 150,000 items are too many to align" in title
    items = child(inspector.tree_model, QModelIndex(), "items")
    assert "compared index by index" in items.data(Qt.ItemDataRole.ToolTipRole)


# -- 4. readable from 1024x700 up ----------------------------------------------------------------------------------


def test_at_1024x700_keys_patch_paths_and_stage_chips_stay_readable(demo_trace, qtbot, aio):
    host, window = open_replay(qtbot, demo_trace)
    window.resize(1024, 700)
    select_last(qtbot, window, "state", "todos#1")
    inspector = window.inspector
    model, tree = inspector.tree_model, inspector.tree
    runs = child(model, QModelIndex(), "runs")
    tree.expand(runs)
    qtbot.waitUntil(lambda: tree.isExpanded(runs))
    metrics = QFontMetrics(tree.font())
    for key in keys_of(model, runs):  # save-draft, save-todo, save-toggle: told apart, not "save-t…"
        rect = tree.visualRect(child(model, runs, key))
        assert metrics.horizontalAdvance(key) + 8 <= rect.width(), (key, rect.width())
        assert child(model, runs, key).data(Qt.ItemDataRole.ToolTipRole).startswith(f"runs.{key}\n")
    assert tree.key_delegate.mode == Qt.TextElideMode.ElideMiddle  # a key too long still keeps both its ends

    # the newest sensor commit that wrote its alarm: three patches, one with a dotted path (not every commit writes
    # the alarm, and how far the sensor got in 5 s depends on the machine's load: the newest one may not)
    with TraceTables(demo_trace) as tables:
        (alarm,) = tables.query("SELECT txn_id FROM patches WHERE instance_id = 'sensor#1' AND "
                                "path = 'errors.reading.value' ORDER BY seq DESC LIMIT 1").read_all().to_pylist()
    txn = alarm["txn_id"].split("::")[1]
    click_row(qtbot, window, lambda cells: cells[3:6] == ("state:update", "sensor#1", txn))
    qtbot.waitUntil(lambda: "errors.reading.value" in inspector.summary_text())
    document = inspector.summary.document()
    block = document.find("Patches", 0, QTextDocument.FindFlag.FindCaseSensitively).block()
    heads = {}
    while block.isValid():
        heads[block.text().replace("\xa0", " ").split("  ")[0]] = block
        block = block.next()
    for path in ("reading", "stats.avg", "errors.reading.value"):
        assert heads[path].layout().lineCount() == 1, heads[path].text()  # its own line, never wrapped

    window.tabs.setCurrentWidget(window.operations)
    pane = window.operations
    timed_out = [r for r in range(pane.table.rowCount()) if pane.table.item(r, 4).text() == "timed_out"]
    assert timed_out, "the demo's saves time out while its projector is broken"
    pane.table.setCurrentCell(timed_out[0], 0)
    stages = pane.stages
    qtbot.waitUntil(lambda: stages.op is not None and stages.op.stage == "timed_out")
    stages.grab()  # paints, and records what it drew
    texts = [d.text for d in stages.drawn]
    assert any(t.startswith("deadline +") for t in texts) and "submit" in texts
    chips = [t for t in texts if t.split(" ×")[0].split(" (")[0] in STAGE_COLOURS]  # "ready (late)" is a chip too
    assert sum(int(t.split(" ×")[1]) if " ×" in t else 1 for t in chips) == len(stages.op.facts)  # every fact shown
    for i, a in enumerate(stages.drawn):
        assert stages.rect().contains(a.rect.toAlignedRect()), a  # inside the pane, not clipped
        for b in stages.drawn[i + 1:]:
            assert not a.rect.intersects(b.rect), (a, b)  # no chip or label on another
    command = pane.table.item(timed_out[0], 0)
    assert command.toolTip() == command.text() and len(command.text()) == 36  # the whole id, however it is cut
    assert not pane.table.wordWrap()
