"""The "Highlight updates" switch of a live or attached window: the application's widgets flash when a tick updates
them (devtools.qt.highlight draws it in the application's process).

Live, the button switches the hosted runtime's `highlight` (runtime.debug.highlight) and follows it, whoever switched
it. Attached, it sends the `highlightUpdates` control command (runtime.inspect); its receipt shows in the Remote
control toolbar's status, and a refusal turns the button back off.
"""

from __future__ import annotations

import asyncio

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolBar

from ..app.remote_commands import PendingCommand, highlight_command
from .main_window import MainWindow
from .remote_bar import RemoteControlBar

__all__ = ["HIGHLIGHT_ACTION", "add_highlight_toggle"]

HIGHLIGHT_ACTION = "highlightUpdates"
"""The object name of the checkable action (and of its toolbar button)."""
_TIP = "Flash the application's widgets when a tick updates them (green fast … red a frame or slower)"


def add_highlight_toggle(window: MainWindow) -> QAction | None:
    """Add the switch to a live window (its runtime) or an attached one (after its Remote control toolbar); a replay
    window gets none (no application to flash)."""
    ctx = window.ctx
    if ctx.runtime is None and window.remote_bar is None:
        return None
    action = QAction("Highlight updates", window)
    action.setObjectName(HIGHLIGHT_ACTION)
    action.setCheckable(True)
    action.setToolTip(_TIP)
    if ctx.runtime is not None:
        switch = ctx.runtime.highlight
        action.setChecked(switch.enabled)
        action.toggled.connect(switch.set)

        def follow(on: bool) -> None:
            if action.isChecked() != on:
                action.setChecked(on)

        ctx.cleanups.append(switch.subscribe(follow))
        bar = QToolBar("Application", window)
        bar.setObjectName("applicationToolbar")
        bar.setMovable(False)
        bar.addAction(action)
        window.addToolBar(bar)
    else:
        remote = window.remote_bar
        assert isinstance(remote, RemoteControlBar)

        def sent(on: bool) -> None:
            task = remote.send(highlight_command(on))
            task.add_done_callback(lambda t: _undo_refused(action, on, t))

        action.toggled.connect(sent)
        remote.addSeparator()
        remote.addAction(action)
    return action


def _undo_refused(action: QAction, on: bool, task: asyncio.Task[PendingCommand]) -> None:
    """The command was refused or not answered: the button shows the switch as it still is."""
    failed = task.cancelled() or task.exception() is not None or task.result().phase in ("refused", "no_answer")
    if failed and action.isChecked() == on:
        action.blockSignals(True)
        action.setChecked(not on)
        action.blockSignals(False)
