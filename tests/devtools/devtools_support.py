"""Shared steps of the devtools tests: open a live or attached window on the shop runtime, find rows as a user
would."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication

from devtools.app.contexts import live_context
from devtools.app.remote_session import RemoteSession
from devtools.commands.attach import show_attached
from devtools.demo import close_demo, start_demo
from devtools.demo.window import DemoWindow
from devtools.host import DevtoolsHost, application
from devtools.model.event_feed import EventFeed
from devtools.qt import QtAdapter
from devtools.state import DEFAULT_SETTINGS
from runtime import Module, Runtime, check, computed
from runtime.inspect import InspectConfig
from runtime.inspect.client import InspectClient


def shop_module() -> Module:
    """A small form: a list with a derived total, a computed label and a check."""
    m = Module(
        "shop",
        initial={"name": "Ada", "items": [{"price": 2}], "tags": ["a"], "email": "", "total": 0, "title": "",
                 "errors": {}},
        fields=[
            computed("total", deps=["items.price"], derive=lambda prices: sum(prices)),
            computed("title", deps=["name"], derive=lambda name: f"Shop of {name}"),
            check("email", {"required": lambda v: None if v else "required"}),
        ],
    )

    @m.reducer("add")
    def add(draft, price: int):
        draft["items"].append({"price": price})

    @m.reducer("rename")
    def rename(draft, name):
        draft["name"] = name

    @m.reducer("tag")
    def tag(draft, t):
        draft["tags"].append(t)

    return m


def open_live(qtbot, rt, settings=None):
    """A live devtools window on `rt` with the shop module mounted; returns (host, window, instance)."""
    host = DevtoolsHost(application(), settings=dict(settings or DEFAULT_SETTINGS))
    ctx = live_context(rt, host.settings)
    inst = rt.mount(shop_module())
    window = host.show_live(rt, ctx)
    qtbot.addWidget(window)
    return host, window, inst


def run(qtbot, aio, coro):
    """Run a coroutine on the qasync loop while pytest-qt pumps Qt (pattern A); returns its result."""
    task = aio.create_task(coro)
    qtbot.waitUntil(task.done)
    return task.result()


@contextmanager
def attached_window(qtbot, aio) -> Iterator[tuple[Runtime, object, object, RemoteSession]]:
    """A runtime with an inspector (the remote application, the shop mounted) and a devtools window attached to it
    over TCP, showing the shop's first events; yields (runtime, instance, window, session) and closes it all."""
    rt = Runtime(label="remote", diagnostics="full", inspect=InspectConfig(token="t0k", announce=False))
    inst = rt.mount(shop_module())
    client = InspectClient(*rt.inspector.address, "t0k", retry_delay=0.05)
    run(qtbot, aio, client.connect())
    session = RemoteSession(client, EventFeed())
    host = DevtoolsHost(application(), settings=dict(DEFAULT_SETTINGS))
    window = show_attached(host, session)
    pump = aio.create_task(session.run())
    try:
        qtbot.waitUntil(lambda: any(c[4] == "shop#1" for c in table_rows(window)))
        yield rt, inst, window, session
    finally:
        run(qtbot, aio, session.close())
        qtbot.waitUntil(pump.done)
        run(qtbot, aio, host.shutdown())
        if not rt.disposed:
            rt.dispose()


@contextmanager
def demo_window(qtbot, rt: Runtime) -> Iterator[tuple[object, DemoWindow]]:
    """The demo's parts started on `rt` and its window shown on an adapter of its own; yields (app, window), then
    closes the window's boundaries, the adapter and the demo (`rt` stays the caller's)."""
    task = asyncio.ensure_future(start_demo(rt))
    qtbot.waitUntil(task.done)
    app = task.result()
    ui = QtAdapter(rt)
    window = DemoWindow(app, ui)
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):  # a context manager: called alone it waits for nothing
        window.show()
    yield app, window
    window.close_boundaries()
    ui.close()
    closing = asyncio.ensure_future(close_demo(app))
    qtbot.waitUntil(closing.done)
    closing.result()


def open_replay(qtbot, path, size=None):
    """A replay window on the trace at `path`, loaded and active (at `size`, a (width, height), when given);
    returns (host, window)."""
    from PySide6.QtWidgets import QApplication

    host = DevtoolsHost(application())
    task = host.open_trace(path)
    qtbot.waitUntil(task.done)
    window = task.result()
    assert window is not None, host.load_errors
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return host, window


def table_rows(window) -> list[tuple[str, ...]]:
    """Every row of the events table as the user reads it (all columns)."""
    model = window.events.model
    return [tuple(model.index(r, c).data() for c in range(model.columnCount())) for r in range(model.rowCount())]


def click_row(qtbot, window, predicate) -> int:
    """Click the first table row whose cells satisfy `predicate`, wait for the inspector; returns the row."""
    table = window.events.table
    for r, cells in enumerate(table_rows(window)):
        if predicate(cells):
            table.scrollTo(table.model().index(r, 0))
            rect = table.visualRect(table.model().index(r, 3))
            qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            store_row = table.model().store_row(r)
            # the click goes through the devtools state; the inspector repaints in the next flush
            qtbot.waitUntil(lambda: window.inspector.facts is not None and window.inspector.facts.row == store_row
                            and "Selected event" in window.inspector.header.text())
            return r
    raise AssertionError("no row matched")


def record_shop_session(rt) -> None:
    """The script of the recorded trace: mount (t1), three adds (t2..t4), a rename (t5), one tick each."""
    inst = rt.mount(shop_module())
    for price in (10, 20, 30):
        inst.dispatch("add", price)
    inst.dispatch("rename", "Grace")


def choose(qtbot, menu, text: str) -> None:
    """Click the entry named `text` of an open context menu."""
    qtbot.waitUntil(menu.isVisible)
    action = next(a for a in menu.actions() if a.text() == text)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def right_click(qtbot, widget, pos) -> None:
    """A right click as the platform delivers it: the button, then the context menu event (QTest sends only the
    former)."""
    qtbot.mouseClick(widget, Qt.MouseButton.RightButton, pos=pos)
    QApplication.sendEvent(widget, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, widget.mapToGlobal(pos)))


def right_click_row(qtbot, window, row: int):
    table = window.events.table
    table.scrollTo(table.model().index(row, 3))
    rect = table.visualRect(table.model().index(row, 3))
    right_click(qtbot, table.viewport(), rect.center())
    qtbot.waitUntil(lambda: window.events.row_menu is not None and window.events.row_menu.isVisible())
    return window.events.row_menu
