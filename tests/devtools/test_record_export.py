"""A user records the live session from the UI, opens the recording, and exports what a window holds."""

from __future__ import annotations

import json

from devtools_support import open_live, table_rows

from runtime.trace.loader import load_trace


def test_record_the_live_session_then_open_it(qtbot, aio, shop_runtime, tmp_path, check_trace):
    host, window, inst = open_live(qtbot, shop_runtime)
    inst.dispatch("add", 1)  # before the recording: not in the file
    path = tmp_path / "session.jsonl"
    window.toggle_recording(str(path))
    assert window.recorder.active and "REC" in window.record_label.text()
    inst.dispatch("add", 2)
    inst.dispatch("rename", "Grace")
    qtbot.waitUntil(lambda: any(c[3] == "rename" for c in table_rows(window)))
    window.toggle_recording()
    assert not window.recorder.active and window.record_label.text() == ""
    store = load_trace(path)
    labels = [store.label_of(r) for r in range(len(store))]
    assert labels.count("add") == 1 and "rename" in labels
    code, out = check_trace(path)
    assert code == 0, out

    task = host.open_trace(path)
    qtbot.waitUntil(task.done)
    replay_window = task.result()
    qtbot.addWidget(replay_window)
    assert replay_window.mode_label.text() == "REPLAY"
    assert {c[3] for c in table_rows(replay_window)} >= {"add", "rename"}


def test_export_chrome_trace_and_evidence(qtbot, aio, shop_runtime, tmp_path):
    host, window, inst = open_live(qtbot, shop_runtime)
    inst.dispatch("add", 1)
    inst.dispatch("rename", "Grace")
    qtbot.waitUntil(lambda: any(c[3] == "rename" for c in table_rows(window)))
    chrome = tmp_path / "out.json"
    task = window.export(str(chrome), "chrome")
    inst.dispatch("add", 3)  # arrives while the worker reads the store: held, then shown
    qtbot.waitUntil(task.done)
    assert task.result() > 0
    doc = json.loads(chrome.read_text())
    names = {e.get("name") for e in doc["traceEvents"]}
    assert any("rename" in str(n) for n in names)
    assert "Exported" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: sum(c[3] == "add" for c in table_rows(window)) == 2)

    evidence = tmp_path / "out.evidence.json"
    task = window.export(str(evidence), "evidence")
    qtbot.waitUntil(task.done)
    package = json.loads(evidence.read_text())
    assert package["summary"]["converge"]["staticIrByDigest"]
