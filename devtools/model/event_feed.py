"""EventFeed: the columnar event store as the panes see it, an ExternalStore with a visible prefix.

The rows themselves live in `runtime.trace.columnar.EventStore` (`feed.store`: row helpers, payloads, static IRs,
indexes). The feed adds what a GUI needs on top:

- It is an ExternalStore: `get_snapshot()` is the number of visible rows and `subscribe(listener)` hears about
  every change of it, so panes bind to it like to any topic facade (the Binder coalesces).
- A visible prefix: `len(feed)` rows are shown. Live, that is every row; while replaying, `show_until(n)` moves it
  with the cursor, so every pane follows the cursor through the same binding it uses live.
- numpy columns: `feed.column("ts")` is a float64/int array of the visible rows. The store's `array.array`
  columns cannot grow while a numpy view of them exists, so the feed keeps its own numpy mirror and copies only the
  rows appended since the last call. A returned array stays valid until the next release (below); ask again after
  a change to see new rows.
- Letting go (live feeds, see devtools.app.retention): `release_front(n)` lets the oldest `n` rows go. Rows n..
  become rows 0.., so every row number a pane holds moves down by n, at once: `on_release(listener)` calls
  `listener(n)` synchronously, before anything else reads the feed, and a row that ends up below 0 names an event
  that was let go. `released` counts the rows let go so far (row r is event number r + released of the session).

>>> feed = EventFeed()
>>> feed.tap("debug:event", {"kind": "state", "label": "state:update", "moduleId": "a", "instanceId": "a#1",
...                          "txnSeq": 1, "timestamp": 5.0, "eventSeq": 1, "eventId": "a#1::e1"})
>>> len(feed), feed.store.txn_id_of(0), feed.column("txn").tolist()
(1, 'a#1::t1', [1])
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from runtime.trace import EventStore

__all__ = ["EventFeed", "TXN_KIND", "COLUMN_DTYPES"]

log = logging.getLogger("tickscope.devtools")

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
        self._release_listeners: list[Callable[[int], None]] = []
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

    @property
    def held(self) -> bool:
        """True while arriving records are queued (a worker thread reads the store)."""
        return self._held is not None

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

    # -- letting the oldest rows go ---------------------------------------------------------------------------------

    @property
    def released(self) -> int:
        """Rows of this store let go so far (row r is the store's event number r + released)."""
        return self.store.released

    def nbytes(self) -> int:
        """Bytes the store and the numpy mirrors hold for the rows (what a retention bound in bytes counts)."""
        return self.store.nbytes() + sum(m.data.nbytes for m in self._mirrors.values())

    def on_release(self, listener: Callable[[int], None]) -> Callable[[], None]:
        """Call `listener(n)` right after `n` rows were let go (before any other reader); returns an unsubscribe."""
        self._release_listeners.append(listener)
        return lambda: self._release_listeners.remove(listener) if listener in self._release_listeners else None

    def release_front(self, n: int) -> int:
        """Let the oldest `n` rows go (never while held); returns the bytes the store no longer holds for them."""
        if self._held is not None:
            raise RuntimeError("a worker thread is reading the store: let rows go after release()")
        n = min(max(0, n), len(self.store))
        if not n:
            return 0
        if self._counted:
            gone = self.column("instance", visible_only=False)[: min(n, self._counted)]
            self._counts[: len(self._counts)] -= np.bincount(gone, minlength=len(self._counts))[: len(self._counts)]
            self._counted = max(0, self._counted - n)
        freed = self.store.release_front(n)
        for mirror in self._mirrors.values():
            kept = max(0, mirror.n - n)
            mirror.data[:kept] = mirror.data[n : mirror.n]
            mirror.n = kept
        if self._visible is not None:
            self._visible = max(0, self._visible - n)
        for listener in tuple(self._release_listeners):
            try:
                listener(n)
            except Exception:  # one broken pane must not leave the others pointing at the wrong rows
                log.exception("devtools release listener %r raised", listener)
        self.changed()
        return freed

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
                # a half more each time: the spare room is memory the rows do not use yet
                grown = np.zeros(max(total, len(mirror.data) * 3 // 2), mirror.data.dtype)
                grown[: mirror.n] = mirror.data[: mirror.n]
                mirror.data = grown
            view = np.frombuffer(source, dtype=mirror.data.dtype)  # released at once: the array may grow again
            mirror.data[mirror.n : total] = view[mirror.n : total]
            del view
            mirror.n = total
        n = len(self) if visible_only else total
        return mirror.data[:n]

    def column_bounds(self, name: str) -> tuple[float, float] | None:
        """The smallest and largest value of one column over all rows (None when empty), read in place: opening a
        big trace asks this before any pane needs the column itself, and copying a million rows for two numbers
        stalled the loop."""
        source = getattr(self.store, name)
        if not len(source):
            return None
        view = np.frombuffer(source, dtype=COLUMN_DTYPES[name])  # released at once: the array may grow again
        try:
            return float(view.min()), float(view.max())
        finally:
            del view

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
