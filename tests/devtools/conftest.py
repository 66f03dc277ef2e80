"""Qt fixtures for the devtools tests: offscreen, a qasync loop pytest-qt can pump, settings in a temp dir.

The loop is installed "already running" (pytest-qt has no qasync support of its own): pytest-qt's waitUntil spins
Qt, and qasync runs asyncio callbacks as Qt timers, so runtime ticks, binder flushes and the demo's tasks all run
while a test waits on a condition. Teardown cancels what is left and undoes the running mark by hand; loop.stop()
would call app.exit() and silently break every later qtbot.wait.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before the first Qt import

import pytest
from PySide6.QtCore import QSettings

from devtools.qt.testing import qt_loop  # noqa: F401  (the adapter's own pytest-qt fixture, for its tests)
from runtime import Runtime


@pytest.fixture
def aio(request):
    """The adapter's own fixture (devtools.qt.testing.qt_loop), under the name these tests have always used."""
    return request.getfixturevalue("qt_loop")


@pytest.fixture(autouse=True)
def settings_dir(tmp_path, qapp):
    """Every test writes its QSettings under its own temp dir, never into the user's real settings."""
    where = tmp_path / "settings"
    where.mkdir()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(where))
    yield where


@pytest.fixture
def shop_runtime():
    rt = Runtime(label="app", diagnostics="full")
    yield rt
    rt.dispose()


@pytest.fixture
def recorded_trace(tmp_path):
    """A real trace file of the shop runtime at full diagnostics (request it before `aio`: ticks then run inline)."""
    from devtools_support import record_shop_session

    from runtime.trace import TraceWriter

    path = tmp_path / "shop.jsonl"
    rt = Runtime(label="app", diagnostics="full")
    writer = TraceWriter(path, label="app").attach(rt.hub, runtime=rt)
    record_shop_session(rt)
    writer.close()
    rt.dispose()
    return path
