"""The columnar event store: one row per exported debug event, as compact arrays, for loaded traces and live runs.

Why columns: a million events as dicts cost about 1.5 KB each; here a row costs about 70 bytes plus its dirty root
ids, and the payload stays as raw JSON bytes (in the trace file, or in one in-memory buffer for live rows) until
someone looks at it.

API (row = 0-based index in recording order; every column is an `array.array` indexed by row)

    store = EventStore()                       # empty, for live use
    store.append("debug:event", payload)       # a hub tap: rt.hub.tap(store.append); returns the row or -1
    store.append("static-ir", export)          # kept by digest in store.static_irs, not a row
    store.append("state:snapshot", payload)    # any other envelope type: a side record (store.side(type))
    len(store); store.version                  # version changes on every append and every loaded batch

    Columns (read them, never write them):
      seq      'q' envelope seq (live: the store's own count)      ts       'd' timestamp, epoch ms (float64)
      kind     'I' code -> store.kinds.values                      label    'I' code -> store.labels.values
      module   'I' code -> store.modules.values                    instance 'I' code -> store.instances.values
      txn      'I' txnSeq (0 = outside a transaction)              link     'i' code -> store.links.values, -1 none
      command  'i' code -> store.commands.values (meta.commandId), -1 none
      tick     'q' meta.tickSeq when the event names one, else -1
      digest   'I' code -> store.digests.values (state:update's staticIrDigest), NO_CODE none
      flags    'B' FLAG_* bits (downgrade, errorSummary, dirtyAll, warning, error, tick end)
    Row helpers: kind_of(row), label_of(row), module_of(row), instance_of(row), link_of(row), command_of(row),
      txn_id_of(row) ("instanceId::t<txnSeq>" or None), event_id_of(row) (decodes), dirty_roots(row) -> list[int]
      (state:update rootIds; [-1] means dirtyAll), runtime_of_instance(instance_id).
    Payloads: payload(row) -> dict (the RuntimeDebugEventRef, decoded on demand, small cache); raw(row) -> bytes.
    Static IRs: static_irs {digest: ConvergeStaticIrExport}; field_paths(digest) -> tuple of path tuples | None.
    Side records (other envelope types, in order, anchored after the rows before them): side(type) -> SideRecords
      with .after_row (rows recorded before it), .instance (code, -1 none), .txn, payload(i).
    Indexes (built lazily, caught up incrementally after appends; see indexes.py): store.index.rows_of_instance(id),
      rows_of_txn(instance_id, txn_seq), rows_of_link(link_id), rows_of_command(command_id), state_rows(),
      ticks(), rows_of_tick(tick_seq), tick_of(row), txns_touching(path, instance_id=None).
    Load problems (bad lines skipped by the loader): store.problems, a list of LoadProblem(line, message).

Thread use: one writer at a time (the loader's worker thread, or the loop thread for live appends). Readers on
another thread see a consistent prefix as long as they read only rows < the len() they saw.
"""

from __future__ import annotations

import os
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = [
    "EventStore",
    "Interned",
    "SideRecords",
    "LoadProblem",
    "NO_CODE",
    "FLAG_DOWNGRADE",
    "FLAG_ERROR_SUMMARY",
    "FLAG_DIRTY_ALL",
    "FLAG_WARNING",
    "FLAG_ERROR",
    "FLAG_TICK_END",
    "DIRTY_ALL_ID",
]

NO_CODE = 0xFFFFFFFF
DIRTY_ALL_ID = -1
"""The one root id stored for a state:update that dirtied everything."""

FLAG_DOWNGRADE = 1
FLAG_ERROR_SUMMARY = 2
FLAG_DIRTY_ALL = 4
FLAG_WARNING = 8
FLAG_ERROR = 16
FLAG_TICK_END = 32
"""A trace:tick event whose phase ends the tick (settled or budgetExceeded)."""

_TICK_END_PHASES = frozenset(("settled", "budgetExceeded"))
_CACHE_SIZE = 512


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """A line the loader could not use (1-based line number in the file) and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class Interned:
    """A small table of distinct strings: `values[code]` and `code(value)`."""

    __slots__ = ("values", "codes")

    def __init__(self) -> None:
        self.values: list[str] = []
        self.codes: dict[str, int] = {}

    def code(self, value: str) -> int:
        c = self.codes.get(value)
        if c is None:
            c = self.codes[value] = len(self.values)
            self.values.append(value)
        return c

    def find(self, value: str) -> int | None:
        """The code of `value`, or None when it never occurred."""
        return self.codes.get(value)

    def __len__(self) -> int:
        return len(self.values)


class _Blobs:
    """Where raw payload bytes live: ranges of the trace file (offset >= 0) or of one memory buffer (offset < 0)."""

    __slots__ = ("fd", "path", "memory")

    def __init__(self) -> None:
        self.fd: int | None = None
        self.path: str | None = None
        self.memory = bytearray()

    def keep(self, data: bytes) -> int:
        off = -(len(self.memory) + 1)
        self.memory += data
        return off

    def read(self, off: int, length: int) -> bytes:
        if off < 0:
            start = -off - 1
            return bytes(self.memory[start : start + length])
        if self.fd is None:
            raise ValueError("the trace file behind this store is closed")
        return os.pread(self.fd, length, off)


def _decode(blobs: _Blobs, off: int, length: int) -> dict[str, Any]:
    """A row's payload: file ranges hold the whole envelope line, memory ranges the payload alone."""
    doc = orjson.loads(blobs.read(off, length))
    return doc["payload"] if off >= 0 else doc


class SideRecords:
    """Records of one non-event envelope type, in order; each is anchored after the `after_row` rows before it."""

    def __init__(self, envelope_type: str, blobs: _Blobs) -> None:
        self.type = envelope_type
        self._blobs = blobs
        self.after_row = array("q")
        self.instance = array("i")
        self.txn = array("q")
        self._off = array("q")
        self._len = array("I")

    def __len__(self) -> int:
        return len(self.after_row)

    def _add(self, after_row: int, instance: int, txn: int, off: int, length: int) -> None:
        self.after_row.append(after_row)
        self.instance.append(instance)
        self.txn.append(txn)
        self._off.append(off)
        self._len.append(length)

    def payload(self, i: int) -> dict[str, Any]:
        return _decode(self._blobs, self._off[i], self._len[i])


class EventStore:
    """Columns of exported debug events; see the module docstring for the API."""

    def __init__(self) -> None:
        self.header: dict[str, Any] | None = None
        self.source_path: str | None = None
        self.problems: list[LoadProblem] = []
        self.version = 0
        self.seq = array("q")
        self.ts = array("d")
        self.kind = array("I")
        self.label = array("I")
        self.module = array("I")
        self.instance = array("I")
        self.txn = array("I")
        self.link = array("i")
        self.command = array("i")
        self.tick = array("q")
        self.digest = array("I")
        self.flags = array("B")
        self._dirty_end = array("I")
        self._dirty_ids = array("i")
        self._off = array("q")
        self._len = array("I")
        self.kinds = Interned()
        self.labels = Interned()
        self.modules = Interned()
        self.instances = Interned()
        self.links = Interned()
        self.commands = Interned()
        self.digests = Interned()
        self.static_irs: dict[str, dict[str, Any]] = {}
        self._paths_cache: dict[str, tuple[tuple[str, ...], ...]] = {}
        self._instance_runtime: dict[int, str] = {}
        self._sides: dict[str, SideRecords] = {}
        self._blobs = _Blobs()
        self._cache: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._live_seq = 0
        from .indexes import StoreIndexes  # the indexes read the columns; they live in their own file

        self.index = StoreIndexes(self)

    # -- size and lifetime ------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.ts)

    def close(self) -> None:
        """Release the trace file; payloads of file rows can no longer be read."""
        if self._blobs.fd is not None:
            os.close(self._blobs.fd)
            self._blobs.fd = None

    def __del__(self) -> None:
        try:
            self.close()
        except OSError:
            pass

    def nbytes(self) -> int:
        """Bytes held by the columns and the live payload buffer (not the interned tables or indexes)."""
        cols = (self.seq, self.ts, self.kind, self.label, self.module, self.instance, self.txn, self.link,
                self.command, self.tick, self.digest, self.flags, self._dirty_end, self._dirty_ids, self._off,
                self._len)
        return sum(c.itemsize * len(c) for c in cols) + len(self._blobs.memory)

    # -- writing ----------------------------------------------------------------------------------------------------

    def append(self, envelope_type: str, payload: dict[str, Any], *, timestamp: float | None = None) -> int:
        """Add one record as a hub tap would hand it over; returns the new row, or -1 when it is not an event row."""
        if not isinstance(payload, dict):
            raise TypeError(f"a {envelope_type} payload must be a dict, not {type(payload).__name__}")
        if envelope_type == "static-ir":
            self._add_static_ir(payload)
            self.version += 1
            return -1
        data = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
        self._live_seq += 1
        off = self._blobs.keep(data)
        if envelope_type == "debug:event":
            row = self._add_event(payload, self._live_seq, timestamp, off, len(data))
        else:
            self._add_side(envelope_type, payload, off, len(data))
            row = -1
        self.version += 1
        return row

    __call__ = append  # so that `rt.hub.tap(store)` works

    def _attach_file(self, path: str) -> None:
        self._blobs.fd = os.open(path, os.O_RDONLY)
        self._blobs.path = path
        self.source_path = path

    def _add_static_ir(self, export: dict[str, Any]) -> None:
        digest = export.get("staticIrDigest")
        if isinstance(digest, str) and digest not in self.static_irs:
            self.static_irs[digest] = export

    def _add_side(self, envelope_type: str, payload: dict[str, Any], off: int, length: int) -> None:
        side = self._sides.get(envelope_type)
        if side is None:
            side = self._sides[envelope_type] = SideRecords(envelope_type, self._blobs)
        iid = payload.get("instanceId")
        inst = self.instances.code(iid) if isinstance(iid, str) else -1
        txn = payload.get("txnSeq")
        side._add(len(self.ts), inst, txn if type(txn) is int else -1, off, length)

    def _add_event(self, p: dict[str, Any], seq: int, timestamp: Any, off: int, length: int) -> int:
        """One RuntimeDebugEventRef (already checked to carry string kind/label/moduleId/instanceId)."""
        row = len(self.ts)
        ts = p.get("timestamp")
        if type(ts) is not float:
            ts = float(ts) if type(ts) is int else (float(timestamp) if isinstance(timestamp, (int, float)) else 0.0)
        kind = p["kind"]
        label = p["label"]
        iid = p["instanceId"]
        inst_codes = self.instances.codes
        inst = inst_codes.get(iid)
        if inst is None:
            inst = self.instances.code(iid)
            rl = p.get("runtimeLabel")
            self._instance_runtime[inst] = rl if isinstance(rl, str) else "runtime"
        kc = self.kinds.codes.get(kind)
        if kc is None:
            kc = self.kinds.code(kind)
        lc = self.labels.codes.get(label)
        if lc is None:
            lc = self.labels.code(label)
        mc = self.modules.codes.get(p["moduleId"])
        if mc is None:
            mc = self.modules.code(p["moduleId"])
        txn = p.get("txnSeq")
        if type(txn) is not int or not 0 <= txn < 2**32:
            txn = 0
        link_id = p.get("linkId")
        link = self.links.code(link_id) if type(link_id) is str else -1
        flags = 0
        if "downgrade" in p:
            flags = FLAG_DOWNGRADE
        if "errorSummary" in p:
            flags |= FLAG_ERROR_SUMMARY
        meta = p.get("meta")
        command = -1
        tick = -1
        digest = NO_CODE
        dirty_ids = self._dirty_ids
        if type(meta) is dict:
            if kind == "state":
                dirty = meta.get("dirtySet")
                if type(dirty) is dict:
                    if dirty.get("dirtyAll") is True:
                        flags |= FLAG_DIRTY_ALL
                        dirty_ids.append(DIRTY_ALL_ID)
                    else:
                        ids = dirty.get("rootIds")
                        if type(ids) is list:
                            for i in ids:
                                if type(i) is int and 0 <= i < 2**31:
                                    dirty_ids.append(i)
                d = meta.get("staticIrDigest")
                if type(d) is str:
                    digest = self.digests.code(d)
            elif kind == "diagnostic":
                sev = meta.get("severity")
                if sev == "error":
                    flags |= FLAG_ERROR
                elif sev == "warning":
                    flags |= FLAG_WARNING
            cmd = meta.get("commandId")
            if type(cmd) is str:
                command = self.commands.code(cmd)
            t = meta.get("tickSeq")
            if type(t) is int and -(2**62) < t < 2**62:
                tick = t
                if label == "trace:tick" and meta.get("phase") in _TICK_END_PHASES:
                    flags |= FLAG_TICK_END
        self.seq.append(seq)
        self.ts.append(ts)
        self.kind.append(kc)
        self.label.append(lc)
        self.module.append(mc)
        self.instance.append(inst)
        self.txn.append(txn)
        self.link.append(link)
        self.command.append(command)
        self.tick.append(tick)
        self.digest.append(digest)
        self.flags.append(flags)
        self._dirty_end.append(len(dirty_ids))
        self._off.append(off)
        self._len.append(length)
        return row

    # -- reading ----------------------------------------------------------------------------------------------------

    def payload(self, row: int) -> dict[str, Any]:
        """The RuntimeDebugEventRef of a row, decoded now (and kept in a small cache)."""
        cached = self._cache.get(row)
        if cached is not None:
            self._cache.move_to_end(row)
            return cached
        if not 0 <= row < len(self.ts):
            raise IndexError(f"row {row} is outside the store (0..{len(self.ts) - 1})")
        doc = _decode(self._blobs, self._off[row], self._len[row])
        self._cache[row] = doc
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return doc

    def raw(self, row: int) -> bytes:
        """The stored bytes of a row: its whole envelope line (loaded rows) or its payload JSON (live rows)."""
        return self._blobs.read(self._off[row], self._len[row])

    def kind_of(self, row: int) -> str:
        return self.kinds.values[self.kind[row]]

    def label_of(self, row: int) -> str:
        return self.labels.values[self.label[row]]

    def module_of(self, row: int) -> str:
        return self.modules.values[self.module[row]]

    def instance_of(self, row: int) -> str:
        return self.instances.values[self.instance[row]]

    def link_of(self, row: int) -> str | None:
        c = self.link[row]
        return None if c < 0 else self.links.values[c]

    def command_of(self, row: int) -> str | None:
        c = self.command[row]
        return None if c < 0 else self.commands.values[c]

    def digest_of(self, row: int) -> str | None:
        c = self.digest[row]
        return None if c == NO_CODE else self.digests.values[c]

    def txn_id_of(self, row: int) -> str | None:
        t = self.txn[row]
        return f"{self.instance_of(row)}::t{t}" if t else None

    def event_id_of(self, row: int) -> str:
        return str(self.payload(row).get("eventId", ""))

    def dirty_roots(self, row: int) -> list[int]:
        """The dirty root ids a state:update row recorded ([-1] when it dirtied everything, [] for other rows)."""
        end = self._dirty_end[row]
        start = self._dirty_end[row - 1] if row else 0
        return self._dirty_ids[start:end].tolist()

    def runtime_of_instance(self, instance_id: str) -> str:
        code = self.instances.find(instance_id)
        return self._instance_runtime.get(code, "runtime") if code is not None else "runtime"

    def field_paths(self, digest: str) -> tuple[tuple[str, ...], ...] | None:
        """The FieldPathId table of a static IR (id -> path), or None when the digest is unknown."""
        got = self._paths_cache.get(digest)
        if got is None:
            export = self.static_irs.get(digest)
            if export is None:
                return None
            raw = export.get("fieldPaths")
            if not isinstance(raw, list):
                return None
            got = tuple(tuple(str(s) for s in p) if isinstance(p, list) else (str(p),) for p in raw)
            self._paths_cache[digest] = got
        return got

    def side(self, envelope_type: str) -> SideRecords:
        """Records of a non-event envelope type (empty when none were seen)."""
        side = self._sides.get(envelope_type)
        return side if side is not None else SideRecords(envelope_type, self._blobs)

    def side_types(self) -> list[str]:
        return list(self._sides)
