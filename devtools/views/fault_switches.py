"""The live demo's "Backend faults" toolbar button: the demo's fault switches as checkable menu entries.

Each entry is one `FaultSwitch` of the demo app (`app.fault_switches()`, e.g. fail_saves, never_project,
slow_commit), its description as the tooltip; checking it calls `app.set_fault(name, True)`, which also ends the
demo's scripted fault drill (a user took over). The button says how many switches are on (in red when any is), and
the entries follow the switches' real state: the drill flips them too, so they are read back from `app.faults`
every half second and whenever the menu opens, never assumed from a click.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolBar, QToolButton, QWidget

from ..demo.core import DemoApp
from .main_window import MainWindow

__all__ = ["FaultSwitchesButton", "add_fault_switches"]

REFRESH_MS = 500
_ON_STYLE = "QToolButton { color: #d64545; font-weight: bold; }"


class FaultSwitchesButton(QToolButton):
    def __init__(self, demo: DemoApp, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("faultSwitches")
        self.demo = demo
        self.menu_ = QMenu(self)
        self.menu_.setToolTipsVisible(True)
        self.actions_: dict[str, QAction] = {}
        for switch in demo.fault_switches():
            action = QAction(switch.name, self.menu_)
            action.setCheckable(True)
            action.setToolTip(switch.description)
            action.setStatusTip(switch.description)
            action.toggled.connect(lambda on, name=switch.name: self._flip(name, on))
            self.menu_.addAction(action)
            self.actions_[switch.name] = action
        self.setMenu(self.menu_)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolTip("Break the demo's todo backend on purpose (saves then fail or time out)")
        self.menu_.aboutToShow.connect(self.sync)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.sync)
        self._timer.start()
        self.sync()

    def _flip(self, name: str, on: bool) -> None:
        if self.demo.faults.get(name) != on:
            self.demo.set_fault(name, on)
        self.sync()

    def sync(self) -> None:
        """Show the switches as they are now."""
        faults = self.demo.faults
        for name, action in self.actions_.items():
            if action.isChecked() != faults.get(name, False):
                action.blockSignals(True)
                action.setChecked(faults.get(name, False))
                action.blockSignals(False)
        on = [name for name, is_on in faults.items() if is_on]
        self.setText(f"Backend faults: {', '.join(on)}" if on else "Backend faults")
        self.setStyleSheet(_ON_STYLE if on else "")


def add_fault_switches(window: MainWindow, demo: DemoApp) -> FaultSwitchesButton:
    """Put the button in its own small toolbar beside the main one (the main toolbar is the same in every mode)."""
    bar = QToolBar("Demo", window)
    bar.setObjectName("demoToolbar")
    bar.setMovable(False)
    button = FaultSwitchesButton(demo, bar)
    bar.addWidget(button)
    window.addToolBar(bar)
    window.fault_switches = button
    return button
