"""The control toolbar of an attached window (`tickscope attach`): pause, resume, clear, dispatch, time travel.

Every button sends a CONTROL command through `ctx.remote` (a RemoteSession) and the status bar shows its receipt
(devtools.app.remote_commands): "accepted (command #n)" when the server acknowledged it, the refusal's reason when it
did not, and the effect only once it came through the event stream. What the window itself changes follows the
seen effect too, never the ack: the Pause button turns into Resume when the pause marker arrives, the time-travel
banner appears when the devtools-origin transaction arrives, a clear empties this view when the clear marker
arrives.

Time travel works on the transaction selected in the inspector (Alt+B / Alt+A); Latest (Alt+L) re-applies the
newest state of the travelled instance that the devtools did not make (the remote runtime must keep snapshots,
i.e. run at diagnostics level full; otherwise it refuses and the receipt says so).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QToolBar

from ..app.remote_commands import (
    CommandSpec,
    CommandTracker,
    PendingCommand,
    clear_command,
    dispatch_command,
    latest_own_transaction,
    pause_command,
    resume_command,
    travel_command,
)
from ..app.remote_session import RemoteSession
from ..state import TimeTravelMark, TravelMode, UiState
from .dispatch_dialog import DispatchDialog
from .main_window import MainWindow

__all__ = ["RemoteControlBar"]

_OK_STYLE = "color:palette(window-text)"
_BAD_STYLE = "color:#d64545;font-weight:bold"


class RemoteControlBar(QToolBar):
    """Added to an attached MainWindow by `tickscope attach` (devtools.commands.attach)."""

    def __init__(self, window: MainWindow, session: RemoteSession) -> None:
        super().__init__("Remote control", window)
        self.setObjectName("remoteToolbar")
        self.setMovable(False)
        self.ctx = window.ctx
        self.session = session
        self.tracker = CommandTracker(session)
        self.tracker.subscribe(self._show_receipt)
        self.paused = False
        """True once this viewer's pause marker came through the stream (until resumed or reconnected)."""
        self.tasks: set[asyncio.Task[PendingCommand]] = set()
        self.dialog: DispatchDialog | None = None

        self.pause_action = self._action("Pause", "", self.pause, "Stop the stream to this window (the "
                                         "application keeps running)")
        self.resume_action = self._action("Resume", "", self.resume, "Start the stream to this window again")
        self.resume_action.setVisible(False)
        self.clear_action = self._action("Clear buffer", "", self.clear_buffer,
                                         "Clear the attached runtime's event buffer, and this view once it did")
        self.dispatch_action = self._action("Dispatch…", "Ctrl+D", self.ask_dispatch,
                                            "Dispatch an action in the attached runtime")
        self.addSeparator()
        self.before_action = self._action("◀ Before", "Alt+B", lambda: self.time_travel("before"),
                                          "Show the state before the selected transaction")
        self.after_action = self._action("After ▶", "Alt+A", lambda: self.time_travel("after"),
                                         "Show the state after the selected transaction")
        self.latest_action = self._action("Latest", "Alt+L", self.back_to_latest, "Leave time travel")
        self.latest_action.setEnabled(False)

        self.addSeparator()
        self.run_list = QComboBox(self)
        self.run_list.setObjectName("remoteRuns")
        self.run_list.setToolTip("The runs of the attached process: each restart starts a new one; pick one to show "
                                 "it (its events are kept, on its own time base)")
        self.run_list.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.run_list.activated.connect(self._pick_run)
        self.addWidget(self.run_list)
        self.token_edit = QLineEdit(self)
        self.token_edit.setObjectName("remoteToken")
        self.token_edit.setPlaceholderText("new token, Enter reconnects")
        self.token_edit.setToolTip("The process restarted with a new token: paste the one it printed")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setMinimumWidth(180)
        self.token_edit.returnPressed.connect(self._give_token)
        self.token_action = self.addWidget(self.token_edit)
        self.token_action.setVisible(False)
        self._shown_store = self.ctx.events.store

        self.receipt = QLabel()
        self.receipt.setObjectName("remoteReceipt")
        self.receipt.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        window.statusBar().addWidget(self.receipt)
        window.addToolBar(self)
        self._refresh_runs()
        self.ctx.cleanups += [self.tracker.dispose, session.subscribe(self._on_connection), self._cancel_tasks]
        self.ctx.bind(self, self.ctx.state.topic, self._on_state)
        self.ctx.bind(self, self.ctx.events, lambda _rows: self._refresh_runs())

    def _window(self) -> MainWindow:
        # read through the parent, never kept in an attribute: with such a back-reference the window's C++ object
        # was deleted earlier at host.shutdown() than without the bar (seen as "already deleted" in test teardown)
        window = self.parentWidget()
        assert isinstance(window, MainWindow), "the bar lives in the window it was built for"
        return window

    def _action(self, text: str, keys: str, slot: Callable[[], object], tip: str) -> QAction:
        action = QAction(text, self._window())
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip} ({keys})" if keys else tip)
        action.triggered.connect(lambda _checked=False: slot())
        self._window().addAction(action)
        self.addAction(action)
        return action

    # -- sending ----------------------------------------------------------------------------------------------------

    def send(self, spec: CommandSpec) -> asyncio.Task[PendingCommand]:
        task = asyncio.get_running_loop().create_task(self.tracker.run(spec), name=f"tickscope-remote {spec.title}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def pause(self) -> asyncio.Task[PendingCommand]:
        return self.send(pause_command(lambda _e: self._set_paused(True)))

    def resume(self) -> asyncio.Task[PendingCommand]:
        return self.send(resume_command(lambda _e: self._set_paused(False)))

    def clear_buffer(self) -> asyncio.Task[PendingCommand]:
        """Clear the attached runtime's event buffer; this view empties once the clear marker arrives."""
        return self.send(clear_command(lambda _e: self._clear_view()))

    def dispatch(self, instance_id: str, action_type: str, payload: Any = None) -> asyncio.Task[PendingCommand]:
        return self.send(dispatch_command(instance_id, action_type, payload))

    def ask_dispatch(self) -> None:
        facts = self._window().inspector.facts
        self.dialog = DispatchDialog(self.ctx.events, self.dispatch, self._window(),
                                     instance_id=facts.instance_id if facts is not None else None,
                                     known_types=self.session.action_types,
                                     payload_types=self.session.payload_types)
        self.dialog.open()

    def time_travel(self, which: TravelMode) -> asyncio.Task[PendingCommand] | None:
        facts = self._window().inspector.facts
        if facts is None or facts.txn_id is None:
            self._say("Time travel: select a transaction first", bad=True)
            return None
        iid, txn = facts.instance_id, facts.txn_id
        mark: TimeTravelMark = {"instanceId": iid, "txnId": txn, "mode": which}
        return self.send(travel_command(iid, txn, which, lambda _e: self.ctx.state.set_time_travel(mark)))

    def back_to_latest(self) -> asyncio.Task[PendingCommand] | None:
        mark = self.ctx.state.get()["timeTravel"]
        if mark is None:
            return None
        iid = mark["instanceId"]
        txn = latest_own_transaction(self.ctx.events, iid)
        if txn is None:
            self._say(f"Latest: no transaction of {iid} in this view to return to", bad=True)
            return None
        return self.send(travel_command(iid, txn, "after", lambda _e: self.ctx.state.set_time_travel(None),
                                        title=f"back to latest ({txn})"))

    # -- effects seen in the stream ---------------------------------------------------------------------------------

    def _set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.pause_action.setVisible(not paused)
        self.resume_action.setVisible(paused)

    def _clear_view(self) -> None:
        """The remote buffer is empty now: so is its run in this view (static IRs kept, later events need them)."""
        self.ctx.state.select_row(None)
        self.session.clear_live_run()
        self._shown_store = self.ctx.events.store

    def _on_connection(self) -> None:
        if not self.session.client.connected and self.paused:
            self._set_paused(False)  # a new connection streams again: the server forgot this viewer's pause
        refused = self.session.client.token_refused is not None and self.session.client.token_source is None
        if refused and not self.token_action.isVisible():
            self.token_edit.clear()
            self.token_action.setVisible(True)
            self.token_edit.setFocus()
        elif not refused:
            self.token_action.setVisible(False)
        if self.ctx.events.store is not self._shown_store:  # another run is shown: rows and times are its own
            self._shown_store = self.ctx.events.store
            state = self.ctx.state
            state.select_row(None)
            state.set_time_range(None)
            state.set_follow(True)
        self._refresh_runs()

    def _refresh_runs(self) -> None:
        """The run list, texts updated in place (an open list stays open while the newest run grows)."""
        self.run_list.blockSignals(True)
        connected = self.session.client.connected
        for i, run in enumerate(self.session.runs):
            if i < self.run_list.count():
                self.run_list.setItemText(i, run.describe(connected))
            else:
                self.run_list.addItem(run.describe(connected))
        self.run_list.setCurrentIndex(self.session.shown)
        self.run_list.blockSignals(False)

    def _pick_run(self, index: int) -> None:
        self.session.show_run(index)

    def _give_token(self) -> None:
        token = self.token_edit.text().strip()
        if token:
            self.session.set_token(token)
            self._say("Reconnecting with the new token…", bad=False)

    def _on_state(self, ui: UiState) -> None:
        self.latest_action.setEnabled(ui["timeTravel"] is not None)

    # -- the receipt ------------------------------------------------------------------------------------------------

    def _show_receipt(self, cmd: PendingCommand) -> None:
        # The label follows the newest command: an older one whose effect arrives late settles in the tooltip only,
        # so the receipt of what the user just sent is never overwritten by the one before it.
        latest = self.tracker.history[-1] if self.tracker.history else cmd
        self._say(latest.text(), bad=not latest.ok)
        self.receipt.setToolTip("\n".join(c.text() for c in self.tracker.history[-10:]))

    def _say(self, text: str, *, bad: bool) -> None:
        self.receipt.setText(text)
        self.receipt.setStyleSheet(_BAD_STYLE if bad else _OK_STYLE)

    def _cancel_tasks(self) -> None:
        for task in self.tasks:
            task.cancel()
