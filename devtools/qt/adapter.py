"""QtAdapter: your widgets on a runtime's topics, one update per tick for all of them, at one tickSeq.

    ui = QtAdapter(rt)                                            # or qt.install(rt): also the module functions'
    ui.bind(label, "text", rt.store.topic(inst), to=lambda s: f"{s['count']} items")            # one-way
    ui.bind(edit, "text", topic, to=lambda s: s["name"], edit="setName", on=inst)               # two-way
    ui.connect(button.clicked, save_def, on=actions, payload=lambda: edit.text())               # signal -> action

A binding's widget shows the snapshot published by the latest tick; several ticks between two frames cost one
update (the Binder coalesces to one flush per loop turn, 25 a second at most), and every widget of a flush shows the
same tick (`ui.frame_tick`). With e2e tracing on (`rt.e2e`), a flush is the UI commit of the ticks it shows (092's
`react:commit`) and the widgets' next paint is measured (`paint`). With the runtime's `highlight` switch on (the
devtools' "Highlight updates"), each widget a tick updates flashes (devtools.qt.highlight).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, SignalInstance
from PySide6.QtWidgets import QWidget

from runtime import ActionCoordinator, ExternalStore, ModuleInstance, Runtime
from runtime.actions import ActionDef
from runtime.busy import BusyBoundary

from ..app.binding import Binder, Binding
from .busy import bind_busy
from .highlight import UpdateHighlighter

__all__ = ["QtAdapter", "Setter"]

Setter = Callable[[Any], None]
"""What a binding calls with the selected value, when `prop` is not a property name."""


class QtAdapter:
    """Binds widgets of one application to one runtime (its tick for `frame_tick`, its e2e recorder)."""

    def __init__(self, runtime: Runtime | None = None, *, tick_source: Callable[[], int] | None = None) -> None:
        self.runtime = runtime
        if tick_source is None:
            tick_source = (lambda: runtime.store.tick_seq) if runtime is not None else (lambda: 0)
        self.binder = Binder(tick_source, e2e=runtime.e2e if runtime is not None else None)
        self.highlighter: UpdateHighlighter | None = None
        """Flashes the widgets each tick updates while the runtime's `highlight` switch is on (None while off)."""
        self._unwatch = runtime.highlight.subscribe(self.highlight_updates) if runtime is not None else None
        if runtime is not None and runtime.highlight.enabled:
            self.highlight_updates(True)

    @property
    def frame_tick(self) -> int:
        """The tickSeq every widget of the latest flush shows."""
        return self.binder.frame_tick

    # -- topics to widgets ------------------------------------------------------------------------------------------

    def bind(self, widget: QObject, prop: str | Setter, source: ExternalStore[Any], *,
             to: Callable[[Any], Any] | None = None, edit: str | ActionDef | None = None,
             on: ModuleInstance | ActionCoordinator | None = None, signal: SignalInstance | None = None,
             edit_payload: Callable[[Any], Any] | None = None) -> Binding:
        """Show `to(snapshot)` (the snapshot itself without `to`) in `widget`'s property `prop` (or call `prop`
        with it), now and after every tick that changed `source`, until the widget is destroyed.

        Two-way with `edit`: the user's changes of the property go to the runtime through an action, never into the
        widget's own truth: `edit` names a reducer action dispatched on the instance `on`, or an async action
        (ActionDef) triggered on the coordinator `on`, with the new value as payload (or `edit_payload(value)`,
        e.g. `lambda v: {"field": "first", "value": v}`). `signal` is the user-change
        signal (default: `textEdited` for a "text" property that has it, else the property's notify signal)."""
        setter = prop if callable(prop) else _property_setter(widget, prop)
        select = to or (lambda snapshot: snapshot)
        state = _Echo()

        def show(snapshot: Any) -> None:
            value = select(snapshot)
            state.setting = True
            try:
                setter(value)
            finally:
                state.setting = False

        binding = self.binder.bind(widget, source, show)
        if edit is not None:
            if isinstance(prop, str):
                changed = signal or _user_change_signal(widget, prop)
            elif signal is not None:
                changed = signal
            else:
                raise TypeError("a two-way binding through a setter function needs signal= (what the user changes)")
            send = _sender(edit, on)
            shape = edit_payload or (lambda value: value)

            def edited(*args: Any) -> None:
                if not state.setting:
                    send(shape(args[0] if args else (widget.property(prop) if isinstance(prop, str) else None)))

            changed.connect(edited)
        return binding

    # -- signals to actions -----------------------------------------------------------------------------------------

    def connect(self, signal: SignalInstance, action: str | ActionDef, *, on: ModuleInstance | ActionCoordinator,
                payload: Any = None) -> Callable[[], None]:
        """Run `action` whenever `signal` fires: a reducer action (a str) dispatched on the instance `on`, or an
        async action (ActionDef) triggered on the coordinator `on` (on the qasync loop). The payload is `payload()`
        when it is callable, else `payload` when given, else the signal's first argument (None without one).
        Returns a function that disconnects it."""
        send = _sender(action, on)

        def fire(*args: Any) -> None:
            if callable(payload):
                send(payload())
            elif payload is not None:
                send(payload)
            else:
                send(args[0] if args else None)

        signal.connect(fire)
        return lambda: _disconnect(signal, fire)

    # -- busy -------------------------------------------------------------------------------------------------------

    def bind_busy(self, widget: QWidget, boundary: BusyBoundary, *, disable: bool = True,
                  spinner: QWidget | None = None) -> Binding:
        """Show `boundary` (runtime.busy) on `widget` until it is destroyed: disabled while shown (`disable`),
        `spinner` visible while shown, the `busy` property and the accessible busy state set while shown."""
        return bind_busy(self.binder, widget, boundary, disable=disable, spinner=spinner)

    # -- highlight updates ------------------------------------------------------------------------------------------

    def highlight_updates(self, on: bool) -> None:
        """Flash every bound widget a tick updates (colour by the update's duration), or stop. The devtools switch
        it through the runtime's `highlight` (live or attached); calling it here switches this adapter alone."""
        if on and self.highlighter is None:
            self.highlighter = UpdateHighlighter()
            self.binder.highlight = self.highlighter.flash
        elif not on and self.highlighter is not None:
            self.highlighter = None
            self.binder.highlight = None

    def flush(self) -> None:
        """Deliver every pending change now (a test that does not want to wait for the next loop turn)."""
        self.binder.flush()

    def close(self) -> None:
        """End every binding of this adapter."""
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        self.highlight_updates(False)
        self.binder.close()


class _Echo:
    """Set while the adapter writes a widget, so the change it causes is not sent back as the user's edit."""

    __slots__ = ("setting",)

    def __init__(self) -> None:
        self.setting = False


def _property_setter(widget: QObject, prop: str) -> Setter:
    meta = widget.metaObject()
    index = meta.indexOfProperty(prop)
    if index < 0:
        raise AttributeError(f"{type(widget).__name__} has no Qt property {prop!r}; pass a setter function instead")
    qprop = meta.property(index)
    if not qprop.isWritable():
        raise AttributeError(f"the Qt property {prop!r} of {type(widget).__name__} is read-only")

    def set_value(value: Any) -> None:
        if widget.property(prop) != value:  # an unchanged value costs no repaint (and keeps a line edit's cursor)
            widget.setProperty(prop, value)

    return set_value


def _user_change_signal(widget: QObject, prop: str) -> SignalInstance:
    if prop == "text" and hasattr(widget, "textEdited"):
        edited: SignalInstance = widget.textEdited
        return edited
    meta = widget.metaObject()
    qprop = meta.property(meta.indexOfProperty(prop))
    if not qprop.hasNotifySignal():
        raise TypeError(f"the Qt property {prop!r} of {type(widget).__name__} has no notify signal; pass signal=")
    name = bytes(qprop.notifySignal().name().data()).decode()
    changed: SignalInstance = getattr(widget, name)
    return changed


def _sender(action: str | ActionDef, on: ModuleInstance | ActionCoordinator | None) -> Callable[[Any], None]:
    if isinstance(action, ActionDef):
        if not isinstance(on, ActionCoordinator):
            raise TypeError(f"the async action {action.action_id!r} is triggered on an ActionCoordinator: pass on=")
        coordinator = on
        return lambda value: _ignore(coordinator.trigger(action, value))
    if isinstance(action, str):
        if not isinstance(on, ModuleInstance):
            raise TypeError(f"the action {action!r} is dispatched on a ModuleInstance: pass on=")
        inst = on
        return lambda value: _ignore(inst.dispatch(action, value))
    raise TypeError(f"an action is a reducer action name (str) or an ActionDef, not {type(action).__name__}")


def _ignore(_: object) -> None:
    return None


def _disconnect(signal: SignalInstance, slot: Callable[..., None]) -> None:
    with contextlib.suppress(RuntimeError, TypeError):  # the sender is gone already: so is the connection
        signal.disconnect(slot)

