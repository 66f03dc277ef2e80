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
from pytestqt.qtbot import QtBot

from devtools.qt.testing import qt_loop  # noqa: F401  (the adapter's own pytest-qt fixture, for its tests)
from runtime import Runtime


WAIT_MS = 120_000
"""How long a qtbot wait lasts at most (pytest-qt's default is 5 s). Every wait of these tests is an upper bound only:
it returns as soon as its condition holds, so its limit only has to be far above what a loaded machine needs (CI, or
eight test runs on two cores, where opening a trace or a backend round trip of the demo took more than 5 s and
20 s); a condition that never holds still fails, after this (and pytest-timeout ends a test after 600 s)."""


class PatientQtBot(QtBot):
    """pytest-qt's QtBot whose waits last up to WAIT_MS unless a test says otherwise."""

    def waitUntil(self, callback, *, timeout: int = WAIT_MS) -> None:  # noqa: N802  (pytest-qt's names)
        super().waitUntil(callback, timeout=timeout)

    def waitExposed(self, widget, *, timeout: int = WAIT_MS):  # noqa: N802
        return super().waitExposed(widget, timeout=timeout)

    def waitActive(self, widget, *, timeout: int = WAIT_MS):  # noqa: N802
        return super().waitActive(widget, timeout=timeout)

    def waitSignal(self, signal, *, timeout: int = WAIT_MS, **kw):  # noqa: N802
        return super().waitSignal(signal, timeout=timeout, **kw)


@pytest.fixture
def qtbot(qapp, request) -> QtBot:
    """pytest-qt's qtbot, patient (PatientQtBot): a slow machine never fails a test whose condition does hold."""
    return PatientQtBot(request)


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
