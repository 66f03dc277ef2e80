"""Qt fixtures for the devtools tests: offscreen, a qasync loop pytest-qt can pump, settings in a temp dir.

The loop is installed "already running" (pattern A of shared/reference/qt-stack.md §4): pytest-qt's waitUntil spins
Qt, and qasync runs asyncio callbacks as Qt timers, so runtime ticks, binder flushes and the demo's tasks all run
while a test waits on a condition. Teardown cancels what is left and undoes the running mark by hand; loop.stop()
would call app.exit() and silently break every later qtbot.wait.
"""

from __future__ import annotations

import asyncio
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before the first Qt import

import pytest
import qasync
from PySide6.QtCore import QSettings

from runtime import Module, Runtime, check, computed


@pytest.fixture
def aio(qapp):
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    qapp.processEvents()
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False  # private in qasync 0.28: undo already_running without loop.stop()
    loop.close()
    asyncio.set_event_loop(None)
    assert not [t for t in tasks if not t.done()], f"tasks left pending: {tasks}"


@pytest.fixture(autouse=True)
def settings_dir(tmp_path, qapp):
    """Every test writes its QSettings under its own temp dir, never into the user's real settings."""
    where = tmp_path / "settings"
    where.mkdir()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(where))
    yield where


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
    def add(draft, price):
        draft["items"].append({"price": price})

    @m.reducer("rename")
    def rename(draft, name):
        draft["name"] = name

    @m.reducer("tag")
    def tag(draft, t):
        draft["tags"].append(t)

    return m


@pytest.fixture
def shop_runtime():
    rt = Runtime(label="app", diagnostics="full")
    yield rt
    rt.dispose()
