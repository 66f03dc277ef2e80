"""The Qt side of ExternalStore: widgets listen to topic facades, and repaint once per tick, all at the same tick.

A source is any `runtime.ExternalStore`: `get_snapshot()` and `subscribe(listener) -> unsubscribe` (a RuntimeStore
topic facade, the devtools' event feed, the devtools' own state topic). A listener call only marks its binding
dirty; one flush per loop iteration (and at most one per frame interval, so 20,000 events/s cost 25 flushes/s, not
20,000) reads the tick once, then calls each dirty binding's callback with its source's snapshot. Every widget
repainted in that flush therefore shows the same tickSeq (`Binder.frame_tick`): no widget shows tick N while its
neighbour shows N+1.

A binding holds its callback weakly when it is a bound method, and ends with its owner QObject, so a closed pane
costs nothing and is never called after it is gone.

>>> # binder.bind(label, rt.store.topic("form::form#1"), label.show_state)   # label.show_state(state) per tick
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject

from runtime import E2ERecorder, ExternalStore

from .paint_probe import PaintProbe

__all__ = ["Binder", "Binding", "FRAME_INTERVAL_S"]

log = logging.getLogger("tickscope.devtools")
T = TypeVar("T")

FRAME_INTERVAL_S = 1 / 25
"""Minimum time between two flushes: a busy runtime makes ticks far faster than anyone can read them, and a
repaint of every pane costs several ms; 25 updates a second looks live, and 10 would already look sluggish."""


class Binding:
    """One widget's subscription to one source."""

    __slots__ = ("source", "_owner", "_callback", "_unsubscribe", "_on_change", "_on_close", "closed", "last_tick",
                 "last_version", "calls", "ticks", "__weakref__")

    def __init__(self, source: ExternalStore[Any], callback: Callable[[Any], None], *,
                 on_change: Callable[[Binding], None], on_close: Callable[[Binding], None],
                 owner: QObject | None = None) -> None:
        self.source = source
        self._owner = weakref.ref(owner) if owner is not None else None
        """Held weakly: a binding must not keep its widget's Python side alive after Qt deleted the widget."""
        self._on_change = on_change
        """Tells the binder this binding needs the next flush."""
        self._on_close = on_close
        self._callback: Callable[[], Callable[[Any], None] | None]
        if hasattr(callback, "__self__") and hasattr(callback, "__func__"):  # a bound method: held weakly
            self._callback = weakref.WeakMethod(callback)
        else:
            self._callback = lambda: callback
        self.closed = False
        self.last_tick = -1
        """The tick this binding's widget last repainted for."""
        self.last_version: int | None = None
        """The topic version it last showed (sources with a `version`: a topic facade)."""
        self.calls = 0
        """How many times the callback ran (one per flush at most)."""
        self.ticks = 0
        """How many distinct ticks it was delivered at (calls / ticks: updates per tick, 1 for a topic binding)."""
        self._unsubscribe = source.subscribe(self._changed)

    @property
    def owner(self) -> QObject | None:
        """The QObject whose destruction ends the binding (the widget whose paint ends a UI commit)."""
        return self._owner() if self._owner is not None else None

    def _changed(self, *_: object) -> None:
        if not self.closed:
            self._on_change(self)

    def deliver(self, tick: int) -> None:
        callback = self._callback()
        if callback is None:
            self.close()
            return
        version = getattr(self.source, "version", None)
        if version is not None and version == self.last_version and tick == self.last_tick:
            return  # the same snapshot at the same tick: nothing to show, and a widget updates once per tick
        self.last_version = version if isinstance(version, int) else None
        if tick != self.last_tick:
            self.ticks += 1
        self.last_tick = tick
        self.calls += 1
        callback(self.source.get_snapshot())

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._unsubscribe()
            self._on_close(self)


class Binder:
    """Coalesces source notifications into flushes; one per loop iteration and frame at most."""

    def __init__(self, tick_source: Callable[[], int] | None = None, *, e2e: E2ERecorder | None = None) -> None:
        self._tick_source = tick_source or (lambda: 0)
        self._e2e = e2e
        """The runtime's e2e recorder: a flush is then the UI commit of the ticks it shows, and their paint follows."""
        self.paint_probe: PaintProbe | None = None
        self._dirty: dict[Binding, None] = {}
        self._bindings: set[Binding] = set()
        self._scheduled: asyncio.Handle | asyncio.TimerHandle | None = None
        self._last_flush = 0.0
        self.frame_tick = 0
        """The tick of the latest flush; every callback of one flush sees the same value."""
        self.flushes = 0
        self.highlight: Callable[[QObject | None, float], None] | None = None
        """While set (highlight updates on, devtools.qt.highlight): called with each updated widget and how many ms
        its update took. None costs a flush nothing."""

    def set_tick_source(self, tick_source: Callable[[], int]) -> None:
        """Switch what `tickSeq` means (the live runtime's store, or the replay cursor's tick)."""
        self._tick_source = tick_source

    def bind(self, owner: QObject, source: ExternalStore[T], callback: Callable[[T], None]) -> Binding:
        """Call `callback(source.get_snapshot())` now and after every change, at most once per flush, until `owner`
        is destroyed (a bound method is held weakly: its object going away ends the binding too)."""
        binding = Binding(source, callback, on_change=self._mark, on_close=self._forget, owner=owner)
        self._bindings.add(binding)
        owner.destroyed.connect(binding.close)
        binding.deliver(self.frame_tick)  # the widget starts from the current snapshot, not from empty
        return binding

    @property
    def binding_count(self) -> int:
        return len(self._bindings)

    def bindings(self) -> tuple[Binding, ...]:
        """The live bindings (their `calls` and `ticks` say how often each widget updated)."""
        return tuple(self._bindings)

    def _forget(self, binding: Binding) -> None:
        self._bindings.discard(binding)
        self._dirty.pop(binding, None)

    def _mark(self, binding: Binding) -> None:
        self._dirty[binding] = None
        if self._scheduled is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()  # no loop (a plain script or a test without qasync): deliver at once
            return
        wait = self._last_flush + FRAME_INTERVAL_S - time.monotonic()
        self._scheduled = loop.call_later(wait, self._run) if wait > 0 else loop.call_soon(self._run)

    def _run(self) -> None:
        self._scheduled = None
        self.flush()

    def flush(self) -> None:
        """Deliver every pending change now, all at one tick."""
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        if not self._dirty:
            return
        self._last_flush = time.monotonic()
        self.flushes += 1
        self.frame_tick = self._tick_source()
        dirty, self._dirty = self._dirty, {}
        e2e = self._e2e
        measured = e2e is not None and e2e.ui_waiting
        start = e2e.mono_ms() if e2e is not None and measured else 0.0
        for binding in dirty:
            if binding.closed:
                continue
            try:
                if self.highlight is None:
                    binding.deliver(self.frame_tick)
                else:
                    self._deliver_highlighted(binding, self.highlight)
            except Exception:  # one broken pane must not freeze the others
                log.exception("devtools binding callback for %r raised", binding.source)
        if e2e is not None and measured:
            commit = e2e.ui_commit(self.frame_tick, start, e2e.mono_ms())
            if commit is not None:
                if self.paint_probe is None:
                    self.paint_probe = PaintProbe(e2e)
                owners = [b.owner for b in dirty if not b.closed]
                self.paint_probe.arm(commit, [o for o in owners if o is not None])

    def _deliver_highlighted(self, binding: Binding, highlight: Callable[[QObject | None, float], None]) -> None:
        calls, start = binding.calls, time.perf_counter()
        binding.deliver(self.frame_tick)
        if binding.calls != calls:  # it did update its widget (not the same snapshot again)
            highlight(binding.owner, (time.perf_counter() - start) * 1000.0)

    def close(self) -> None:
        """End every binding (window shutdown)."""
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        for binding in list(self._bindings):
            binding.close()
