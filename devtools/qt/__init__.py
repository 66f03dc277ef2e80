"""The Qt adapter for applications built on the runtime (the binding the devtools use, as a public API).

    from devtools import qt

    qt.install(rt)                                                   # this application's adapter (its ticks, e2e)
    qt.bind(label, "text", rt.store.topic(inst), to=lambda s: str(s["count"]))       # a property <- a topic
    qt.bind(edit, "text", topic, to=lambda s: s["name"], edit="setName", on=inst)      # two-way, through an action
    qt.connect(button.clicked, save, on=actions, payload=lambda: edit.text())          # a signal -> an action
    qt.bind_busy(button, BusyBoundary(rt.pending, match=runs_of("save")), spinner=qt.busy_spinner(panel))

Every bound widget updates at most once per tick, all at the same tickSeq; a binding ends with its widget. Busy
comes from runtime.busy (091). With `rt.e2e` on, each flush is the UI commit of the ticks it shows and the widgets'
next paint is measured (092). pytest-qt: `pytest_plugins = ["devtools.qt.testing"]` gives the `qt_loop` fixture.
See docs/rules/busy-e2e.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, SignalInstance
from PySide6.QtWidgets import QWidget

from runtime import ActionCoordinator, ExternalStore, ModuleInstance, Runtime
from runtime.actions import ActionDef
from runtime.busy import BusyBoundary

from ..app.binding import FRAME_INTERVAL_S, Binder, Binding
from .adapter import QtAdapter, Setter
from .busy import BUSY_PROPERTY, busy_spinner

__all__ = ["BUSY_PROPERTY", "FRAME_INTERVAL_S", "Binder", "Binding", "QtAdapter", "Setter", "adapter", "bind",
           "bind_busy", "busy_spinner", "connect", "install"]

_current: list[QtAdapter] = []


def install(runtime: Runtime) -> QtAdapter:
    """Make a QtAdapter for `runtime` the one the module functions (`bind`, `connect`, `bind_busy`) use."""
    ui = QtAdapter(runtime)
    if _current:
        _current[0].close()
    _current[:] = [ui]
    return ui


def adapter() -> QtAdapter:
    """The adapter `install` made (a runtime-less one when none was installed: its widgets show tick 0)."""
    if not _current:
        _current.append(QtAdapter())
    return _current[0]


def bind(widget: QObject, prop: str | Setter, source: ExternalStore[Any], *, to: Callable[[Any], Any] | None = None,
         edit: str | ActionDef | None = None, on: ModuleInstance | ActionCoordinator | None = None,
         signal: SignalInstance | None = None, edit_payload: Callable[[Any], Any] | None = None) -> Binding:
    """`QtAdapter.bind` on the installed adapter."""
    return adapter().bind(widget, prop, source, to=to, edit=edit, on=on, signal=signal, edit_payload=edit_payload)


def connect(signal: SignalInstance, action: str | ActionDef, *, on: ModuleInstance | ActionCoordinator,
            payload: Any = None) -> Callable[[], None]:
    """`QtAdapter.connect` on the installed adapter."""
    return adapter().connect(signal, action, on=on, payload=payload)


def bind_busy(widget: QWidget, boundary: BusyBoundary, *, disable: bool = True,
              spinner: QWidget | None = None) -> Binding:
    """`QtAdapter.bind_busy` on the installed adapter."""
    return adapter().bind_busy(widget, boundary, disable=disable, spinner=spinner)
