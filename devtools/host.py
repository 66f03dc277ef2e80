"""The devtools host: one QApplication and one qasync loop shared by the runtime, the demo and the UI.

A GUI command's lifetime is `qasync.run(main())` (works on Python 3.11 and 3.12+): windows opened, the demo driven
as an asyncio task beside the UI, then a clean shutdown: the demo is stopped and awaited, every task the host
started is cancelled and awaited, bindings closed, taps detached, windows closed. Nothing is left pending when the
loop ends, so Python exits without "Task was destroyed but it is pending" and Qt without warnings.

Opening a trace loads it in a worker thread (devtools.app.loading) behind a non-modal progress dialog whose Cancel
stops the load between chunks. The host sits above the views: it builds MainWindows; nothing below imports it.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from runtime import Runtime
from runtime.trace import LoadCancelled

from .app.context import DevtoolsContext
from .app.contexts import live_context, replay_context
from .app.loading import load_in_worker
from .app.settings_store import load_settings
from .app.qt_messages import quiet_platform_noise
from .state import Settings
from .views.highlight_toggle import add_highlight_toggle
from .views.main_window import MainWindow
from .views.settings import apply_settings

__all__ = ["application", "DevtoolsHost"]

T = TypeVar("T")


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    quiet_platform_noise(app.platformName())
    app.setOrganizationName("tickscope")
    app.setApplicationName("devtools")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    return app


class DevtoolsHost:
    """The windows of one devtools process, and the tasks it started on the loop."""

    def __init__(self, app: QApplication, settings: Settings | None = None) -> None:
        self.app = app
        self.settings = settings if settings is not None else load_settings()
        self.windows: list[MainWindow] = []
        self.tasks: set[asyncio.Task[Any]] = set()
        self.progress: QProgressDialog | None = None
        self.load_errors: list[str] = []
        self.loading_listeners: list[Callable[[QProgressDialog], None]] = []
        """Called with the progress dialog of each load as it opens (before the worker starts reading)."""
        self.message_box: QMessageBox | None = None
        """The (non-modal) warning shown when the last trace could not be opened."""

    # -- windows ----------------------------------------------------------------------------------------------------

    def show(self, ctx: DevtoolsContext, title: str) -> MainWindow:
        window = MainWindow(ctx, title=title, open_trace=self.open_trace)
        apply_settings(ctx, ctx.state.get()["settings"])
        self.windows.append(window)
        window.show()
        window.events.table.setFocus()  # the keyboard starts in the event list (arrows step through events)
        return window

    def show_live(self, rt: Runtime, ctx: DevtoolsContext | None = None) -> MainWindow:
        ctx = ctx or live_context(rt, self.settings)
        window = self.show(ctx, f"tickscope — live: {rt.label}")
        add_highlight_toggle(window)
        return window

    def _spawn(self, coro: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    # -- traces -----------------------------------------------------------------------------------------------------

    def open_trace(self, path: str | Path) -> asyncio.Task[MainWindow | None]:
        """Load `path` in a worker with a cancellable progress dialog, then open a replay window for it."""
        return self._spawn(self._open_trace(Path(path)), f"tickscope-open {path}")

    async def _open_trace(self, path: Path) -> MainWindow | None:
        cancel = threading.Event()
        dialog = QProgressDialog(f"Loading {path.name}…", "Cancel", 0, 1000)
        dialog.setWindowTitle("tickscope — opening a trace")
        dialog.setMinimumDuration(300)
        dialog.canceled.connect(cancel.set)
        self.progress = dialog
        for listener in tuple(self.loading_listeners):
            listener(dialog)

        def progress(done: int, total: int) -> None:
            if not cancel.is_set():
                dialog.setValue(int(1000 * done / total) if total else 1000)

        try:
            store = await load_in_worker(path, progress, cancel)
        except LoadCancelled:
            self.load_errors.append(f"loading {path} was cancelled")
            return None
        except (OSError, ValueError) as err:  # TraceFormatError is a ValueError: a clear message, no traceback
            self.load_errors.append(str(err))
            box = QMessageBox(QMessageBox.Icon.Warning, "tickscope", f"Cannot open {path}:\n{err}")
            box.open()
            self.message_box = box
            return None
        finally:
            dialog.reset()
            dialog.close()
            self.progress = None
        ctx = replay_context(store, self.settings)
        window = self.show(ctx, f"tickscope — replay: {path.name}")
        if store.problems:
            window.statusBar().showMessage(
                f"{len(store.problems)} line(s) skipped: {store.problems[0]}" +
                (" …" if len(store.problems) > 1 else ""), 15000)
        return window

    # -- shutdown ---------------------------------------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Cancel and await what the host started, close windows, bindings and taps."""
        current = asyncio.current_task()
        pending = [t for t in self.tasks if t is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for window in self.windows:
            window.ctx.close()
            window.close()
            window.deleteLater()
        self.windows.clear()

