"""pytest-qt support for applications built on the adapter: a qasync loop pytest-qt can pump.

    # conftest.py
    pytest_plugins = ["devtools.qt.testing"]

    def test_save(qtbot, qt_loop): ...          # qtbot.waitUntil spins Qt, and with it asyncio: ticks, runs, flushes

The loop is marked running (pytest-qt has no qasync support of its own), so async actions can be triggered from a
click and `asyncio.sleep` works inside them; never call qtbot.wait* from inside a coroutine. Teardown cancels the
tasks left (and fails the test when one does not end), and undoes the running mark without `loop.stop()`, which
would call `app.exit()` and silently break every later `qtbot.wait`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before the first Qt import

import pytest
import qasync
from PySide6.QtWidgets import QApplication

__all__ = ["qt_loop"]


@pytest.fixture
def qt_loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    qapp.processEvents()
    # neither asyncio nor qasync 0.28 has a public way to undo already_running without loop.stop()
    asyncio.events._set_running_loop(None)  # noqa: SLF001  (see above)
    loop._QEventLoop__is_running = False  # noqa: SLF001  (see above)
    loop.close()
    asyncio.set_event_loop(None)
    left = [t for t in tasks if not t.done()]
    assert not left, f"tasks left pending after the test (a leak: something is still running): {left}"
