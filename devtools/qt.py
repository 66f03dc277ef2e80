"""The Qt adapter of the runtime, for your own application's widgets: bind them to topic facades.

    from devtools.qt import Binder

    binder = Binder(lambda: rt.store.tick_seq)            # what "the current tick" means for these widgets
    binder.bind(label, rt.store.topic("form::form#1"), label_show_state)   # called with the snapshot, per flush

A listener call only marks its binding dirty; one flush per loop iteration (and per FRAME_INTERVAL_S at most)
calls every dirty binding with its source's snapshot, all at one tick (`binder.frame_tick`), so no widget shows
tick N while its neighbour shows N+1. A binding ends with its owner QObject, and a bound-method callback is held
weakly. This module is the stable import path; the implementation lives in devtools.app.binding.
"""

from .app.binding import FRAME_INTERVAL_S, Binder, Binding

__all__ = ["FRAME_INTERVAL_S", "Binder", "Binding"]
