"""The columnar event store: one row per exported debug event, as compact arrays, for loaded traces and live runs.

Why columns: a million events as dicts cost about 1.5 KB each; here a row costs about 80 bytes plus its dirty root
ids, and the payload stays as raw JSON bytes (in the trace file, or for live rows in zlib-compressed blocks of
memory, see payload_blocks.py: about a fourteenth of their size) until someone looks at it.

API (row = 0-based index in recording order; every column is an `array.array` indexed by row)

    store = EventStore()                       # empty, for live use
    store.append("debug:event", payload)       # a hub tap: rt.hub.tap(store.append); returns the row or -1
    store.append("static-ir", export)          # kept by digest in store.static_irs, not a row
    store.append("state:snapshot", payload)    # any other envelope type: a side record (store.side(type))
    len(store); store.version                  # version changes on every append and every loaded batch

    Columns (read them, never write them):
      seq      'q' envelope seq (live: the store's own count; -1 none)  ts 'd' timestamp, epoch ms (float64)
      kind     'I' code -> store.kinds.values                      label    'I' code -> store.labels.values
      module   'I' code -> store.modules.values                    instance 'I' code -> store.instances.values
      txn      'I' txnSeq (0 = outside a transaction)              link     'i' code -> store.links.values, -1 none
      command  'i' code -> store.commands.values (meta.commandId), -1 none
      tick     'q' meta.tickSeq when the event names one, else -1
      digest   'I' code -> store.digests.values (state:update's staticIrDigest), NO_CODE none
      flags    'B' FLAG_* bits (downgrade, errorSummary, dirtyAll, warning, error, tick end)
      converge 'B' trait:converge rows: executed mode (CONVERGE_DIRTY / CONVERGE_FULL, 0 none or unknown), plus
               CONVERGE_DEGRADED when the outcome was Degraded; 0 for other rows
      converge_ms 'f' trait:converge rows: executionDurationMs + decisionDurationMs (0.0 for other rows)
        (the timeline colours and sizes transactions from these two without decoding a payload per row)
      dirty_end 'I' per row, the end of its dirty root ids in dirty_ids 'i' (rows own consecutive ranges), counted
               from the first id the store ever kept: dirty_ids starts after `dirty_released` ids let go
    The codes and bits are in row_codes.py; how a payload becomes a row, in ingest.py.
    Row helpers: kind_of(row), label_of(row), module_of(row), instance_of(row), link_of(row), command_of(row),
      txn_id_of(row) ("instanceId::t<txnSeq>" or None), event_id_of(row) (decodes), dirty_roots(row) -> list[int]
      (state:update rootIds; [-1] means dirtyAll), runtime_of_instance(instance_id).
    Payloads: payload(row) -> dict (the RuntimeDebugEventRef, decoded on demand, small cache); raw(row) -> bytes.
    Static IRs: static_irs {digest: ConvergeStaticIrExport}; field_paths(digest) -> tuple of path tuples | None;
      ir_graphs {digest: the `static-ir:graph` record (each step's dependencies, the imports)}; static_records()
      yields both as (envelope type, payload), the IRs first (what a copy of the store writes first).
    Side records (other envelope types, in order, anchored after the rows before them): side(type) -> SideRecords
      with .after_row (rows recorded before it), .instance (code, -1 none), .txn, payload(i).
    Indexes (built lazily, caught up incrementally after appends; see indexes.py): store.index.rows_of_instance(id),
      rows_of_txn(instance_id, txn_seq), rows_of_link(link_id), rows_of_command(command_id), state_rows(),
      ticks(), rows_of_tick(tick_seq), tick_of(row), txns_touching(path, instance_id=None).
    Load problems (bad lines skipped by the loader): store.problems, a list of LoadProblem(line, message).
    Bulk loading (what a loader calls): attach_file(path), bulk_adder(), add_side(...), add_static_ir(...),
      flush_bulk() once per chunk.
    Letting go (live stores only): release_front(n) lets the oldest n rows go (rows n.. become 0..) and returns the
      bytes no longer held; `released` counts the rows let go so far; nbytes() is what the rows hold now.

Thread use: one writer at a time (the loader's worker thread, or the loop thread for live appends). Readers on
another thread see a consistent prefix as long as they read only rows < the len() they saw.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
from array import array
from collections import OrderedDict
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import orjson

from runtime.debug.hub import GRAPH_TYPE
from runtime.trace.payload_blocks import PayloadBlocks

from runtime.trace.event_fields import payload_fields
from runtime.trace.indexes import StoreIndexes
from runtime.trace.ingest import COLUMNS, EventAdder, event_adder
from runtime.trace.row_codes import NO_CODE, Interned

__all__ = ["EventStore", "LoadProblem", "SideRecords"]

_CACHE_SIZE = 512
_WIDTH = len(COLUMNS)


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """A line the loader could not use (1-based line number in the file) and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class _Blobs:
    """Where raw payload bytes live: ranges of the trace file (offset >= 0) or of the live payload blocks
    (offset < 0: -(position + 1) in the blocks' stream, see payload_blocks.py)."""

    __slots__ = ("fd", "path", "memory", "keep_live")

    def __init__(self) -> None:
        self.fd: int | None = None
        self.path: str | None = None
        self.memory = PayloadBlocks()
        self.keep_live = self.memory.keep
        """Keep a live row's bytes; returns their position (the row's offset is -(position + 1))."""

    def read(self, off: int, length: int) -> bytes:
        if off < 0:
            return self.memory.read(-off - 1, length)
        if self.fd is None:
            raise ValueError("the trace file behind this store is closed")
        return os.pread(self.fd, length, off)


def _codes_only_in(column: array[int], n: int) -> list[int]:
    """The codes (>= 0) of `column` that occur in its first `n` rows and nowhere after (sets of arrays: C loops)."""
    released = set(column[:n])
    if len(released) <= 1 and -1 in released:
        return []
    released.difference_update(column[n:])
    released.discard(-1)
    return sorted(released)


def _append_values(column: array[Any], values: list[Any]) -> None:
    """`column.fromlist(values)`, faster: fromlist converts each value through a format parse except for 'I', and
    struct's packing of the whole list costs about half of that (measured per value: 25 ns against 50)."""
    if column.typecode == "I":
        column.fromlist(values)
    else:
        column.frombytes(struct.pack(f"{len(values)}{column.typecode}", *values))


def _decode(blobs: _Blobs, off: int, length: int) -> dict[str, Any]:
    """A row's payload: file ranges hold the whole envelope line, memory ranges the payload alone."""
    data = blobs.read(off, length)
    try:
        doc: dict[str, Any] = orjson.loads(data)
    except orjson.JSONDecodeError:
        # The loader's typed decode lets one thing orjson refuses through: a number beyond a double (1e999) in a
        # field it skips. The standard library reads that as infinity; anything else it refuses, as orjson did.
        doc = json.loads(data)
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

    def add(self, after_row: int, instance: int, txn: int, off: int, length: int) -> None:
        """Keep one record whose payload bytes are at (`off`, `length`) of the store's blobs."""
        self.after_row.append(after_row)
        self.instance.append(instance)
        self.txn.append(txn)
        self._off.append(off)
        self._len.append(length)

    def payload(self, i: int) -> dict[str, Any]:
        return _decode(self._blobs, self._off[i], self._len[i])

    ROW_BYTES = 8 + 4 + 8 + 8 + 4

    def oldest_offset(self) -> int:
        """The payload offset of the first record (there must be one)."""
        return self._off[0]

    def release_before(self, n: int) -> None:
        """The store let its first `n` rows go: drop the records anchored before them, renumber the rest."""
        k = bisect_left(self.after_row, n)
        for col in (self.after_row, self.instance, self.txn, self._off, self._len):
            del col[:k]
        self.after_row = array("q", [max(0, r - n) for r in self.after_row])


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
        self.converge = array("B")
        self.converge_ms = array("f")
        self.dirty_end = array("I")
        self.dirty_ids = array("i")
        self.dirty_released = 0
        """Dirty root ids let go with released rows (`dirty_end` counts every id ever kept)."""
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
        self.ir_graphs: dict[str, dict[str, Any]] = {}
        self._paths_cache: dict[str, tuple[tuple[str, ...], ...]] = {}
        self._instance_runtime: dict[int, str] = {}
        self._sides: dict[str, SideRecords] = {}
        self._blobs = _Blobs()
        self._cache: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._live_seq = 0
        self.released = 0
        """Rows let go from the front since this store began (`release_front`): row r is the store's event number
        r + released, counting from 0."""
        self._buffer: list[Any] | None = None
        """The loader's rows until `flush_bulk`, flat: the values of row i are [i * _WIDTH:(i + 1) * _WIDTH]."""
        self._buffer_ids: list[int] = []
        self._adder = self._make_adder()
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
        with contextlib.suppress(OSError):
            self.close()

    def nbytes(self) -> int:
        """Bytes held by the columns and the live payload blocks (not the interned tables or indexes)."""
        cols = (self.seq, self.ts, self.kind, self.label, self.module, self.instance, self.txn, self.link,
                self.command, self.tick, self.digest, self.flags, self.converge, self.converge_ms, self.dirty_end,
                self.dirty_ids, self._off, self._len)
        sides = sum(len(side) * side.ROW_BYTES for side in self._sides.values())
        return sum(c.itemsize * len(c) for c in cols) + sides + self._blobs.memory.nbytes()

    def settle(self) -> None:
        """Wait until the payload blocks of live rows are compressed (benchmarks; readers never need to)."""
        self._blobs.memory.settle()

    # -- letting the oldest rows go ---------------------------------------------------------------------------------

    def release_front(self, n: int) -> int:
        """Let the oldest `n` rows of a live store go; returns the bytes the store no longer holds for them.

        Rows n.. become rows 0..; a row number held elsewhere moves down by n (below 0: that event was let go), and
        `released` grows by n. Side records anchored before row n go with them, and so do link and command ids no
        row uses any more. A loaded trace keeps its rows (its payloads are ranges of its file).
        """
        if self._blobs.fd is not None or self.source_path is not None:
            raise ValueError("a loaded trace keeps its rows; only a live store lets its oldest rows go")
        n = min(max(0, n), len(self))
        if not n:
            return 0
        before = self.nbytes()
        unused_links = _codes_only_in(self.link, n)
        unused_commands = _codes_only_in(self.command, n)
        self.index.release_front(n)
        ids_cut = self.dirty_end[n - 1] - self.dirty_released
        for name in self._COLUMN_ATTRS:
            del getattr(self, name)[:n]
        del self.dirty_ids[:ids_cut]
        self.dirty_released += ids_cut
        for side in self._sides.values():
            side.release_before(n)
        oldest = [self._off[0]] if len(self) else []
        oldest += [side.oldest_offset() for side in self._sides.values() if len(side)]
        kept_from = -max(oldest) - 1 if oldest else self._blobs.memory.end  # memory offsets count down from -1
        self._blobs.memory.release_before(kept_from)
        self._cache.clear()
        self.links.forget(unused_links)
        self.commands.forget(unused_commands)
        self.released += n
        self.version += 1
        return before - self.nbytes()

    # -- writing ----------------------------------------------------------------------------------------------------

    def append(self, envelope_type: str, payload: dict[str, Any], *, timestamp: float | None = None) -> int:
        """Add one record as a hub tap would hand it over; returns the new row, or -1 when it is not an event row."""
        if not isinstance(payload, dict):
            raise TypeError(f"a {envelope_type} payload must be a dict, not {type(payload).__name__}")
        if envelope_type in ("static-ir", GRAPH_TYPE):
            (self.add_static_ir if envelope_type == "static-ir" else self.add_ir_graph)(payload)
            self.version += 1
            return -1
        data = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
        self._live_seq += 1
        off = -self._blobs.keep_live(data) - 1
        if envelope_type == "debug:event":
            row = self._adder(payload_fields(payload), self._live_seq, timestamp, off, len(data))
            if row < 0:
                raise ValueError("a debug:event payload needs non-empty string kind, label, moduleId and instanceId")
        else:
            self.add_side(envelope_type, payload, off, len(data))
            row = -1
        self.version += 1
        return row

    __call__ = append  # so that `rt.hub.tap(store)` works

    def add_static_ir(self, export: dict[str, Any]) -> None:
        """Keep a static IR by its digest (the first one seen of a digest wins)."""
        digest = export.get("staticIrDigest")
        if isinstance(digest, str) and digest not in self.static_irs:
            self.static_irs[digest] = export

    def add_ir_graph(self, graph: dict[str, Any]) -> None:
        """Keep the dependency graph of a static IR by its digest (the first one seen of a digest wins)."""
        digest = graph.get("staticIrDigest")
        if isinstance(digest, str) and digest not in self.ir_graphs:
            self.ir_graphs[digest] = graph

    def static_records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every static IR as ("static-ir", export), then the graphs known of them as ("static-ir:graph", graph) (an
        evidence package wants every static IR before any other envelope)."""
        for export in self.static_irs.values():
            yield "static-ir", export
        for digest in self.static_irs:
            graph = self.ir_graphs.get(digest)
            if graph is not None:
                yield GRAPH_TYPE, graph

    def add_side(self, envelope_type: str, payload: dict[str, Any], off: int, length: int) -> None:
        """Keep a record of a non-event envelope type, anchored after the rows before it (buffered ones included)."""
        side = self._sides.get(envelope_type)
        if side is None:
            side = self._sides[envelope_type] = SideRecords(envelope_type, self._blobs)
        iid = payload.get("instanceId")
        inst = self.instances.code(iid) if isinstance(iid, str) else -1
        txn = payload.get("txnSeq")
        pending = len(self._buffer) // _WIDTH if self._buffer else 0
        side.add(len(self.ts) + pending, inst, txn if type(txn) is int else -1, off, length)

    _COLUMN_ATTRS = tuple("_" + name if name in ("off", "len") else name for name in COLUMNS)
    """The store attribute of each value of an ingested row (the payload ranges are private)."""

    def _make_adder(self, buffered: bool = False) -> EventAdder:
        """The per-event ingest function of this store (see ingest.py).

        Buffered (the loader): values go to one flat list (a row's tuple is extended onto it and freed at once) and
        `flush_bulk` moves them into the columns once per chunk, a strided slice per column (no per-row tuples to
        transpose); the function then returns 0 for a row instead of its index.
        Unbuffered (live appends): straight into the columns.
        """
        if buffered:
            self._buffer = []
            self._buffer_ids = []
            row_sink: Callable[[tuple[Any, ...]], None] = self._buffer.extend
            dirty_sink: Callable[[int], None] = self._buffer_ids.append
        else:
            row_sink = self._column_sink()
            dirty_sink = self.dirty_ids.append
        return event_adder(kinds=self.kinds, labels=self.labels, modules=self.modules, instances=self.instances,
                           links=self.links, commands=self.commands, digests=self.digests,
                           instance_runtime=self._instance_runtime, row_sink=row_sink, dirty_sink=dirty_sink,
                           rows=None if buffered else self.ts.__len__)

    def _column_sink(self) -> Callable[[tuple[Any, ...]], None]:
        """Appends one ingested row to the columns (live appends)."""
        (seq_a, ts_a, kind_a, label_a, module_a, inst_a, txn_a, link_a, command_a, tick_a, digest_a, flags_a,
         conv_a, conv_ms_a, dirty_end_a, off_a, len_a) = [getattr(self, name).append for name in self._COLUMN_ATTRS]
        dirty_ids = self.dirty_ids
        store = self  # live: the running end of every dirty id ever kept (see dirty_released)

        def row_a(v: tuple[Any, ...]) -> None:
            # unrolled: a live runtime appends 20,000 rows a second on the GUI's loop
            seq_a(v[0]), ts_a(v[1]), kind_a(v[2]), label_a(v[3]), module_a(v[4]), inst_a(v[5]), txn_a(v[6])
            link_a(v[7]), command_a(v[8]), tick_a(v[9]), digest_a(v[10]), flags_a(v[11]), conv_a(v[12])
            conv_ms_a(v[13]), dirty_end_a(len(dirty_ids) + store.dirty_released), off_a(v[15]), len_a(v[16])

        return row_a

    # -- bulk loading (the loader) ------------------------------------------------------------------------------------

    def attach_file(self, path: str) -> None:
        """Read the payloads of file rows from `path`, the trace being loaded into this store."""
        self._blobs.fd = os.open(path, os.O_RDONLY)
        self._blobs.path = path
        self.source_path = path

    def bulk_adder(self) -> EventAdder:
        """The buffered per-event ingest function a loader uses: rows reach the columns at `flush_bulk()`."""
        return self._make_adder(buffered=True)

    def flush_bulk(self) -> None:
        """Move the loader's buffered rows into the columns (once per chunk): one strided slice per column, and
        the values into the array in one C call (`_append_values`)."""
        rows = self._buffer
        if not rows:
            return
        base = len(self.dirty_ids) + self.dirty_released
        self.dirty_ids.fromlist(self._buffer_ids)
        self._buffer_ids.clear()
        for k, name in enumerate(self._COLUMN_ATTRS):
            values = rows[k::_WIDTH]
            if name == "dirty_end":  # per-row counts become running ends
                values = list(accumulate(values, initial=base))
                del values[0]
            _append_values(getattr(self, name), values)
        rows.clear()

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
        base = self.dirty_released
        end = self.dirty_end[row] - base
        start = self.dirty_end[row - 1] - base if row else 0
        return self.dirty_ids[start:end].tolist()

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
