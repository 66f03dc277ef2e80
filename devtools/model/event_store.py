"""The event store the devtools panes read: columnar, append-only, shared by live sessions and loaded traces.

Columns are numpy arrays grown by doubling (time, kind, label, instance, txnSeq, tickSeq); strings are interned
into small tables and stored as codes, so filtering millions of rows by kind or instance is one vectorised compare.
Each row's full event is kept as it arrived (a dict from a live hub, raw JSON bytes from a file) and decoded only
when someone looks at it.

It is an ExternalStore: `get_snapshot()` is the row count and `subscribe(listener)` hears about new rows (and
`clear`). Listeners are told synchronously; the Binder coalesces them into one repaint per tick.

>>> store = EventStore()
>>> store.append({"kind": "state", "label": "state:update", "instanceId": "a#1", "moduleId": "a",
...               "txnSeq": 1, "timestamp": 5.0, "eventSeq": 1, "eventId": "a#1::e1"})
0
>>> store.kind_name(0), store.txn_id(0), len(store)
('state', 'a#1::t1', 1)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import orjson

__all__ = ["EventStore", "TXN_KIND"]

TXN_KIND = "state"
"""The kind of the one event every committed transaction exports (`state:update`)."""
_INITIAL_CAPACITY = 4096


class _Interner:
    __slots__ = ("names", "codes")

    def __init__(self) -> None:
        self.names: list[str] = []
        self.codes: dict[str, int] = {}

    def code(self, name: str) -> int:
        c = self.codes.get(name)
        if c is None:
            c = self.codes[name] = len(self.names)
            self.names.append(name)
        return c


class EventStore:
    """Rows of RuntimeDebugEventRef, in arrival order."""

    def __init__(self) -> None:
        self._n = 0
        self._cap = _INITIAL_CAPACITY
        self._ts = np.zeros(self._cap, np.float64)
        self._kind = np.zeros(self._cap, np.int16)
        self._label = np.zeros(self._cap, np.int32)
        self._inst = np.zeros(self._cap, np.int32)
        self._txn = np.zeros(self._cap, np.int64)
        self._tick = np.full(self._cap, -1, np.int64)
        self._payloads: list[Any] = []
        self.kinds = _Interner()
        self.labels = _Interner()
        self.instances = _Interner()
        self.module_of_instance: dict[str, str] = {}
        self.runtime_of_instance: dict[str, str] = {}
        self.static_irs: dict[str, dict[str, Any]] = {}
        """ConvergeStaticIrExport by staticIrDigest (root ids map back to field paths through these)."""
        self.version = 0
        self._listeners: list[Callable[[], None]] = []
        self._last_tick = -1

    # -- ExternalStore ----------------------------------------------------------------------------------------------

    def get_snapshot(self) -> int:
        return self._n

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self) -> None:
        self.version += 1
        for listener in tuple(self._listeners):
            listener()

    # -- writing ----------------------------------------------------------------------------------------------------

    def _grow(self) -> None:
        self._cap *= 2
        for name in ("_ts", "_kind", "_label", "_inst", "_txn"):
            old = getattr(self, name)
            new = np.zeros(self._cap, old.dtype)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)
        tick = np.full(self._cap, -1, np.int64)
        tick[: self._n] = self._tick[: self._n]
        self._tick = tick

    def append(self, event: dict[str, Any], raw: bytes | None = None, *, notify: bool = True) -> int:
        """Add one RuntimeDebugEventRef; returns its row. `raw` (its JSON) is kept instead of the dict when given."""
        i = self._n
        if i == self._cap:
            self._grow()
        iid = str(event.get("instanceId", ""))
        self._ts[i] = float(event.get("timestamp") or 0.0)
        self._kind[i] = self.kinds.code(str(event.get("kind", "")))
        label = str(event.get("label", ""))
        self._label[i] = self.labels.code(label)
        self._inst[i] = self.instances.code(iid)
        self._txn[i] = int(event.get("txnSeq") or 0)
        if label == "trace:tick":
            meta = event.get("meta")
            if isinstance(meta, dict) and isinstance(meta.get("tickSeq"), int):
                self._last_tick = meta["tickSeq"]
        self._tick[i] = self._last_tick
        if iid not in self.module_of_instance:
            self.module_of_instance[iid] = str(event.get("moduleId", ""))
            self.runtime_of_instance[iid] = str(event.get("runtimeLabel", ""))
        self._payloads.append(raw if raw is not None else event)
        self._n = i + 1
        if notify:
            self._changed()
        return i

    def extend(self, events: Iterable[tuple[dict[str, Any], bytes | None]]) -> None:
        """Append many rows and notify once."""
        for event, raw in events:
            self.append(event, raw, notify=False)
        self._changed()

    def add_static_ir(self, export: dict[str, Any]) -> None:
        digest = export.get("staticIrDigest")
        if isinstance(digest, str):
            self.static_irs[digest] = export

    def tap(self, kind: str, payload: dict[str, Any]) -> None:
        """A DebugHub tap: `rt.hub.tap(store.tap)` streams a live runtime into the store."""
        if kind == "static-ir":
            self.add_static_ir(payload)
        elif kind == "debug:event":
            self.append(payload)

    def clear(self) -> None:
        self._n = 0
        self._payloads.clear()
        self._last_tick = -1
        self._changed()

    # -- reading ----------------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._n

    @property
    def ts(self) -> np.ndarray:
        """Epoch milliseconds per row (a view; valid until the next append)."""
        return self._ts[: self._n]

    @property
    def kind_codes(self) -> np.ndarray:
        return self._kind[: self._n]

    @property
    def label_codes(self) -> np.ndarray:
        return self._label[: self._n]

    @property
    def instance_codes(self) -> np.ndarray:
        return self._inst[: self._n]

    @property
    def txn_seqs(self) -> np.ndarray:
        return self._txn[: self._n]

    @property
    def tick_seqs(self) -> np.ndarray:
        """The tickSeq of the latest `trace:tick` at or before each row (-1 before the first)."""
        return self._tick[: self._n]

    def kind_name(self, row: int) -> str:
        return self.kinds.names[self._kind[row]]

    def label(self, row: int) -> str:
        return self.labels.names[self._label[row]]

    def instance_id(self, row: int) -> str:
        return self.instances.names[self._inst[row]]

    def txn_seq(self, row: int) -> int:
        return int(self._txn[row])

    def txn_id(self, row: int) -> str | None:
        seq = int(self._txn[row])
        return f"{self.instance_id(row)}::t{seq}" if seq else None

    def timestamp(self, row: int) -> float:
        return float(self._ts[row])

    def event(self, row: int) -> dict[str, Any]:
        """The full event of a row (decoded on demand)."""
        payload = self._payloads[row]
        if isinstance(payload, (bytes, bytearray, memoryview)):
            return orjson.loads(payload)  # type: ignore[no-any-return]
        return payload  # type: ignore[no-any-return]

    def rows_where(self, *, kind: str | None = None, instance: str | None = None) -> np.ndarray:
        """Row numbers matching a kind and/or an instance (vectorised)."""
        mask = np.ones(self._n, bool)
        if kind is not None:
            code = self.kinds.codes.get(kind)
            mask &= False if code is None else (self.kind_codes == code)
        if instance is not None:
            code = self.instances.codes.get(instance)
            mask &= False if code is None else (self.instance_codes == code)
        return np.flatnonzero(mask)

    def txn_rows(self, instance: str, txn_seq: int) -> np.ndarray:
        """Every row of one transaction (its action, converge, state and diagnostic events)."""
        code = self.instances.codes.get(instance)
        if code is None:
            return np.zeros(0, np.int64)
        return np.flatnonzero((self.instance_codes == code) & (self.txn_seqs == txn_seq))

    def instance_counts(self) -> dict[str, int]:
        counts = np.bincount(self.instance_codes, minlength=len(self.instances.names))
        return {name: int(counts[c]) for c, name in enumerate(self.instances.names) if counts[c]}
