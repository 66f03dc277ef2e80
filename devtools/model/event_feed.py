"""EventFeed: the columnar event store as the panes see it, an ExternalStore with a visible prefix.

The rows themselves live in `runtime.trace.columnar.EventStore` (`feed.store`: row helpers, payloads, static IRs,
indexes). The feed adds what a GUI needs on top:

- It is an ExternalStore: `get_snapshot()` is the number of visible rows and `subscribe(listener)` hears about
  every change of it, so panes bind to it like to any topic facade (the Binder coalesces).
- A visible prefix: `len(feed)` rows are shown. Live, that is every row; while replaying, `show_until(n)` moves it
  with the cursor, so every pane follows the cursor through the same binding it uses live.
- numpy columns: `feed.column("ts")` is a float64/int array of the visible rows. The store's `array.array`
  columns cannot grow while a numpy view of them exists, so the feed keeps its own numpy mirror and copies only the
  rows appended since the last call. A returned array stays valid (it is never written again); ask again after a
  change to see new rows.

>>> feed = EventFeed()
>>> feed.tap("debug:event", {"kind": "state", "label": "state:update", "moduleId": "a", "instanceId": "a#1",
...                          "txnSeq": 1, "timestamp": 5.0, "eventSeq": 1, "eventId": "a#1::e1"})
>>> len(feed), feed.store.txn_id_of(0), feed.column("txn").tolist()
(1, 'a#1::t1', [1])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from runtime.trace import EventStore

__all__ = ["EventFeed", "TXN_KIND", "COLUMN_DTYPES"]

TXN_KIND = "state"
"""The kind of the one event every committed transaction exports (`state:update`)."""

COLUMN_DTYPES = {"seq": np.int64, "ts": np.float64, "kind": np.uint32, "label": np.uint32, "module": np.uint32,
                 "instance": np.uint32, "txn": np.uint32, "link": np.int32, "command": np.int32, "tick": np.int64,
                 "digest": np.uint32, "flags": np.uint8,
                 "converge": np.uint8, "converge_ms": np.float32}


class _Mirror:
    __slots__ = ("data", "n")

    def __init__(self, dtype: Any) -> None:
        self.data = np.zeros(1024, dtype)
        self.n = 0


class EventFeed:
    """A columnar EventStore plus subscription, a visible prefix and numpy columns."""

    def __init__(self, store: EventStore | None = None) -> None:
        self.store = store if store is not None else EventStore()
        self._visible: int | None = None  # None: every row (live)
        self._listeners: list[Callable[[], None]] = []
        self._mirrors: dict[str, _Mirror] = {}
        self.version = 0
        self._held: list[tuple[str, dict[str, Any]]] | None = None
        self._counts = np.zeros(0, np.int64)
        self._counted = 0
        self.instance_labels: dict[str, str] = {}
        """Instance id -> label, from `module:init` events."""

    # -- ExternalStore ----------------------------------------------------------------------------------------------

    def get_snapshot(self) -> int:
        return len(self)

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def changed(self) -> None:
        """Tell subscribers that rows were added or the visible prefix moved."""
        self.version += 1
        for listener in tuple(self._listeners):
            listener()

    # -- rows -------------------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        total = len(self.store)
        return total if self._visible is None else min(self._visible, total)

    @property
    def total(self) -> int:
        """Rows in the store, shown or not."""
        return len(self.store)

    def tap(self, kind: str, payload: dict[str, Any]) -> None:
        """A DebugHub tap: `rt.hub.tap(feed.tap)` streams a live runtime into the feed."""
        if self._held is not None:
            self._held.append((kind, payload))
            return
        row = self.store.append(kind, payload)
        if row >= 0:
            if payload.get("label") == "module:init":
                self._note_label(payload)
            self.changed()

    def reset(self, static_irs: Iterable[dict[str, Any]] = (), *, keep_labels: bool = False) -> None:
        """Start over on an empty store (a new run, a cleared buffer), keeping `static_irs` (later events still need
        the IRs their digests name); the numpy mirrors and per-instance counts start over with it."""
        store = EventStore()
        for export in static_irs:
            store.append("static-ir", export)
        self.show_store(store, keep_labels=keep_labels)

    def show_store(self, store: EventStore, *, keep_labels: bool = False) -> None:
        """Show `store` instead (another run of an attached process, kept in its own store): the numpy mirrors,
        per-instance counts and instance labels follow it."""
        self.store = store
        self._mirrors.clear()
        self._counts = np.zeros(0, np.int64)
        self._counted = 0
        if not keep_labels:
            self.instance_labels.clear()
            self.scan_labels()
        self.changed()

    def hold(self) -> None:
        """Queue arriving records instead of appending them (while a worker thread reads the store)."""
        if self._held is None:
            self._held = []

    def release(self) -> None:
        """Append what was queued by `hold`, in order, and notify once."""
        held, self._held = self._held, None
        for kind, payload in held or ():
            row = self.store.append(kind, payload)
            if row >= 0 and payload.get("label") == "module:init":
                self._note_label(payload)
        if held:
            self.changed()

    def _note_label(self, payload: dict[str, Any]) -> None:
        meta = payload.get("meta")
        if isinstance(meta, dict) and isinstance(meta.get("label"), str):
            self.instance_labels[str(payload.get("instanceId"))] = meta["label"]

    def scan_labels(self) -> None:
        """Collect instance labels from a loaded store's `module:init` rows."""
        code = self.store.labels.find("module:init")
        if code is None:
            return
        for row in np.flatnonzero(self.column("label", visible_only=False) == code).tolist():
            self._note_label(self.store.payload(row))

    def show_until(self, count: int | None) -> None:
        """Show the first `count` rows (replay); None shows all of them (live)."""
        if count != self._visible:
            self._visible = count
            self.changed()

    # -- numpy columns ----------------------------------------------------------------------------------------------

    def column(self, name: str, *, visible_only: bool = True) -> np.ndarray:
        """A numpy copy of one store column (see COLUMN_DTYPES), for the visible rows."""
        source = getattr(self.store, name)
        mirror = self._mirrors.get(name)
        if mirror is None:
            mirror = self._mirrors[name] = _Mirror(COLUMN_DTYPES[name])
        total = len(source)
        if total < mirror.n:  # a new store was swapped in: start over
            mirror.n = 0
        if total > mirror.n:
            if total > len(mirror.data):
                grown = np.zeros(max(total, 2 * len(mirror.data)), mirror.data.dtype)
                grown[: mirror.n] = mirror.data[: mirror.n]
                mirror.data = grown
            view = np.frombuffer(source, dtype=mirror.data.dtype)  # released at once: the array may grow again
            mirror.data[mirror.n : total] = view[mirror.n : total]
            del view
            mirror.n = total
        n = len(self) if visible_only else total
        return mirror.data[:n]

    def instance_counts(self) -> dict[str, int]:
        """Visible rows per instance id (kept up to date incrementally: a live flush counts only new rows)."""
        n = len(self)
        codes = self.column("instance")
        if n < self._counted:  # the visible prefix moved back (replay): count again
            self._counts = np.zeros(0, np.int64)
            self._counted = 0
        if n > self._counted:
            new = np.bincount(codes[self._counted:n], minlength=len(self.store.instances))
            if len(new) > len(self._counts):
                new[: len(self._counts)] += self._counts
                self._counts = new
            else:
                self._counts[: len(new)] += new
            self._counted = n
        return {name: int(self._counts[c]) for c, name in enumerate(self.store.instances.values)
                if c < len(self._counts) and self._counts[c]}
