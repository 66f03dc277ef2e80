"""Busy state on widgets (091): a boundary's `shown` disables the widget, shows a spinner and sets the accessible
busy state; nothing else changes, and only when `shown` changes (no flicker, no screen reader noise).

    saving = BusyBoundary(rt.pending, match=runs_of("save-todo"))
    ui.bind_busy(save_button, saving, spinner=busy_spinner(parent))           # QtAdapter.bind_busy
"""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleStateChangeEvent
from PySide6.QtWidgets import QProgressBar, QWidget

from runtime.busy import BusyBoundary, BusyState

from ..app.binding import Binder, Binding

__all__ = ["BUSY_PROPERTY", "bind_busy", "busy_spinner"]

BUSY_PROPERTY = "busy"
"""The dynamic property a busy widget carries (style it with `[busy="true"]`), Qt's counterpart of aria-busy."""


def busy_spinner(parent: QWidget | None = None) -> QProgressBar:
    """An indeterminate progress bar (Qt's own busy animation), hidden until a boundary shows it."""
    bar = QProgressBar(parent)
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setMaximumHeight(6)
    bar.setAccessibleName("busy")
    bar.hide()
    return bar


def bind_busy(binder: Binder, widget: QWidget, boundary: BusyBoundary, *, disable: bool = True,
              spinner: QWidget | None = None) -> Binding:
    """Show `boundary` on `widget` until the widget is destroyed: disabled while shown (`disable`), `spinner`
    visible while shown, the `busy` property and the accessible busy state set while shown."""
    last: list[bool] = [False]

    def show(state: BusyState) -> None:
        shown = state.shown
        if shown == last[0]:
            return
        last[0] = shown
        if disable:
            widget.setEnabled(not shown)
        if spinner is not None:
            spinner.setVisible(shown)
        widget.setProperty(BUSY_PROPERTY, shown)
        style = widget.style()
        style.unpolish(widget)
        style.polish(widget)
        states = QAccessible.State()
        states.busy = True
        QAccessible.updateAccessibility(QAccessibleStateChangeEvent(widget, states))

    widget.setProperty(BUSY_PROPERTY, False)
    return binder.bind(widget, boundary, show)
