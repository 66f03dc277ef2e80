"""The demo's own window, every widget on the public Qt adapter, used as a user would: typing, clicking, and the
backend's answers coming back as the same widgets' text; with e2e tracing, a todo save's chain reaches the paint."""

from __future__ import annotations

import asyncio

import pytest
from devtools_support import demo_window
from PySide6.QtCore import Qt

from devtools.demo.window import DemoWindow
from runtime import E2EConfig, Runtime


@pytest.fixture
def demo(qtbot, qt_loop):
    rt = Runtime(label="demo", diagnostics="light", buffer_size=20_000)
    rt.e2e.configure(E2EConfig(enabled=True, sample_rate=1.0))
    with demo_window(qtbot, rt) as (app, window):
        yield rt, app, window
    rt.dispose()


def test_typing_and_adding_a_todo_goes_through_actions_and_the_backend_answer_shows(demo, qtbot):
    rt, app, window = demo
    qtbot.keyClicks(window.first, "Ada")
    qtbot.waitUntil(lambda: window.full_name.text() == "Ada")
    assert app["form"].get_state()["customer"]["first"] == "Ada"
    assert not window.add.isEnabled()  # no title yet
    qtbot.keyClicks(window.draft, "tea")
    qtbot.waitUntil(window.add.isEnabled)
    qtbot.mouseClick(window.add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "last: tea (saved)" in window.summary.text())
    save = next(r for r in app.extras["todos.actions"].runs("save-todo"))
    assert save.status == "success"
    qtbot.waitUntil(lambda: any(e["meta"]["segmentKind"] == "paint" and save.link_id in e["meta"]["linkIds"]
                                for e in e2e(rt)))
    kinds = {e["meta"]["segmentKind"] for e in e2e(rt) if e["linkId"] == save.link_id
             or save.link_id in e["meta"].get("linkIds", ())}
    assert kinds >= {"action:pending", "io:wait", "txn:commit", "notify:scheduled", "notify:flush",
                     "react:commit", "paint", "action:settle"}


def test_submit_shows_busy_while_the_order_service_thinks(demo, qtbot):
    rt, app, window = demo
    qtbot.mouseClick(window.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.submit.isEnabled())  # the service takes 0.25 s: past the 150 ms delay
    qtbot.waitUntil(lambda: window.submit.isEnabled() and "(1 sent)" in window.total.text())


def e2e(rt: Runtime) -> list[dict]:
    return [e for e in rt.hub.events() if e["label"] == "trace:e2e"]


def test_the_running_demo_shows_in_its_window_as_its_script_drives_it(qtbot, qt_loop):
    """What `tickscope` opens beside the devtools: run_demo's on_started opens the window, the scripted user's
    typing and the sensor show in its widgets, and the UI commits of the sampled runs are recorded."""
    from devtools.demo import run_demo
    from devtools.demo.window import open_demo_window

    rt = Runtime(label="demo", diagnostics="light", buffer_size=50_000)
    rt.e2e.configure(E2EConfig(enabled=True, sample_rate=1.0))
    windows: list[DemoWindow] = []
    stop = asyncio.Event()
    task = asyncio.ensure_future(run_demo(rt, None, stop=stop, on_started=lambda app: windows.append(
        open_demo_window(app))))
    qtbot.waitUntil(lambda: bool(windows))
    window = windows[0]
    qtbot.addWidget(window)
    readings = set()
    qtbot.waitUntil(lambda: readings.add(window.reading.text()) or len(readings) > 3)
    qtbot.waitUntil(lambda: window.first.text() != "")  # the scripted customer types
    qtbot.waitUntil(lambda: any(e["meta"]["segmentKind"] == "react:commit" for e in e2e(rt)))
    stop.set()
    qtbot.waitUntil(task.done)
    task.result()
    window.close()
    rt.dispose()
