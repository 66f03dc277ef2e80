"""A user breaks the live demo's todo backend from the toolbar and watches later saves fail in the Operations pane."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt

from devtools.app.contexts import live_context
from devtools.demo import build_demo, run_demo
from devtools.demo.parts import todos
from devtools.host import DevtoolsHost, application
from devtools.state import DEFAULT_SETTINGS
from devtools.views.fault_switches import add_fault_switches
from runtime import Runtime
from runtime.operations import Budget


def operations(window) -> list[list[str]]:
    """The Operations pane's rows as a user reads them: command, kind, target, run, stage, ..."""
    table = window.operations.table
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def todo_saves(window, *, stages, besides=()) -> list[list[str]]:
    return [r for r in operations(window) if r[1].startswith("todo.") and r[4] in stages and r[0] not in besides]


def click_switch(qtbot, button, name):
    """Open the Backend faults menu and click one switch (popup(): the button's own exec() would block the test)."""
    menu = button.menu()
    menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
    qtbot.waitUntil(menu.isVisible)
    action = next(a for a in menu.actions() if a.text() == name)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    qtbot.waitUntil(lambda: not menu.isVisible())


def test_a_backend_fault_turned_on_in_the_toolbar_fails_later_todo_saves(qtbot, aio, monkeypatch):
    # The demo's save budget is tight on purpose (1.5 s a stage); a loaded machine overran it with the backend
    # healthy, and no save ever reached ready (seen). This test is about the switches: its saves get 60 s a stage.
    monkeypatch.setattr(todos, "BUDGET", Budget(accept=60.0, committed=60.0, observed=60.0, ready=60.0))
    host = DevtoolsHost(application(), settings=dict(DEFAULT_SETTINGS))
    rt = Runtime(label="demo", diagnostics="full", buffer_size=500)
    ctx = live_context(rt, host.settings)
    demo = build_demo(rt)
    window = host.show_live(rt, ctx)
    button = add_fault_switches(window, demo)
    stop = asyncio.Event()
    driving = aio.create_task(run_demo(rt, None, stop=stop))
    try:
        bar = window.tabs.tabBar()
        tab = bar.tabRect(window.tabs.indexOf(window.operations))
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=tab.center())
        assert [a.text() for a in button.menu().actions()] == ["fail_saves", "never_project", "slow_commit"]
        qtbot.waitUntil(lambda: bool(todo_saves(window, stages=("ready",))))  # saves work at first

        if demo.faults["fail_saves"]:  # the demo's own drill may have it on already: the user turns it off first
            click_switch(qtbot, button, "fail_saves")
        seen = {r[0] for r in operations(window)}
        click_switch(qtbot, button, "fail_saves")
        assert demo.faults["fail_saves"] is True and demo.manual_faults
        assert "fail_saves" in button.text()
        qtbot.waitUntil(lambda: bool(todo_saves(window, stages=("failed", "timed_out"), besides=seen)))

        for name, on in demo.faults.items():  # every switch off again: a later save succeeds
            if on:
                click_switch(qtbot, button, name)
        assert not any(demo.faults.values()) and button.text() == "Backend faults"
        seen = {r[0] for r in operations(window)}
        qtbot.waitUntil(lambda: bool(todo_saves(window, stages=("ready",), besides=seen)))
    finally:
        stop.set()
        qtbot.waitUntil(driving.done)
        done = aio.create_task(host.shutdown())
        qtbot.waitUntil(done.done)
        rt.dispose()
    assert driving.exception() is None
