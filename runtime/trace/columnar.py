"""The columnar event store: one row per exported debug event, as compact arrays, for loaded traces and live runs.

Why columns: a million events as dicts cost about 1.5 KB each; here a row costs about 80 bytes plus its dirty root
ids, and the payload stays as raw JSON bytes (in the trace file, or for live rows in zlib-compressed blocks of
memory, see payload_blocks.py: about a thirteenth of their size) until someone looks at it.

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
    Letting go (live stores only): release_front(n) lets the oldest n rows go (rows n.. become 0..) and returns the
      bytes no longer held; `released` counts the rows let go so far; nbytes() is what the rows hold now.

Thread use: one writer at a time (the loader's worker thread, or the loop thread for live appends). Readers on
another thread see a consistent prefix as long as they read only rows < the len() they saw.
"""

from __future__ import annotations

import os
from array import array
from collections import OrderedDict
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate
from operator import itemgetter
from typing import Any

import orjson

from runtime.trace.payload_blocks import PayloadBlocks

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
    "CONVERGE_DIRTY",
    "CONVERGE_FULL",
    "CONVERGE_DEGRADED",
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

CONVERGE_DIRTY = 1
CONVERGE_FULL = 2
CONVERGE_DEGRADED = 4
"""`converge` column bits of a trait:converge row (mode in the low two bits)."""

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
        """The code of `value`, or None when it never occurred (or was forgotten)."""
        return self.codes.get(value)

    def forget(self, codes: list[int]) -> None:
        """Let the strings of `codes` go (no row uses them any more); their codes are never given again, and their
        `values` entries become empty strings."""
        values, table = self.values, self.codes
        for c in codes:
            value = values[c]
            if table.get(value) == c:
                del table[value]
            values[c] = ""

    def __len__(self) -> int:
        return len(self.values)


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


def _decode(blobs: _Blobs, off: int, length: int) -> dict[str, Any]:
    """A row's payload: file ranges hold the whole envelope line, memory ranges the payload alone."""
    doc: dict[str, Any] = orjson.loads(blobs.read(off, length))
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
        self._dirty_end = array("I")
        self._dirty_ids = array("i")
        self._dirty_released = 0
        """Dirty root ids let go with released rows: `_dirty_end` counts every id ever kept, `_dirty_ids` starts
        after the released ones."""
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
        self.released = 0
        """Rows let go from the front since this store began (`release_front`): row r is the store's event number
        r + released, counting from 0."""
        self._buffer: list[tuple[Any, ...]] | None = None
        self._adder = self._make_adder()
        from runtime.trace.indexes import StoreIndexes  # the indexes read the columns; they live in their own file

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
        """Bytes held by the columns and the live payload blocks (not the interned tables or indexes)."""
        cols = (self.seq, self.ts, self.kind, self.label, self.module, self.instance, self.txn, self.link,
                self.command, self.tick, self.digest, self.flags, self.converge, self.converge_ms, self._dirty_end,
                self._dirty_ids, self._off, self._len)
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
        ids_cut = self._dirty_end[n - 1] - self._dirty_released
        for name in self._COLUMNS:
            del getattr(self, name)[:n]
        del self._dirty_ids[:ids_cut]
        self._dirty_released += ids_cut
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
        if envelope_type == "static-ir":
            self._add_static_ir(payload)
            self.version += 1
            return -1
        data = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
        self._live_seq += 1
        off = -self._blobs.keep_live(data) - 1
        if envelope_type == "debug:event":
            row = self._adder(payload, {"seq": self._live_seq, "timestamp": timestamp}, off, len(data))
            if row < 0:
                raise ValueError("a debug:event payload needs non-empty string kind, label, moduleId and instanceId")
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
        pending = self._buffer or ()
        side._add(len(self.ts) + len(pending), inst, txn if type(txn) is int else -1, off, length)

    _COLUMNS = ("seq", "ts", "kind", "label", "module", "instance", "txn", "link", "command", "tick", "digest",
                "flags", "converge", "converge_ms", "_dirty_end", "_off", "_len")

    def _make_adder(self, buffered: bool = False) -> Any:
        """The per-event ingest function, with every column and table bound once (it runs a million times).

        Buffered (the loader): values go to plain lists (twice as fast to append as arrays) and `_flush_buffer`
        moves them into the columns once per chunk; the function then returns 0 for a row instead of its index.
        Unbuffered (live appends): straight into the columns.
        """
        if buffered:
            self._buffer = []
            self._buffer_ids: list[int] = []
            row_a = self._buffer.append
            dirty_a = self._buffer_ids.append
        else:
            (seq_a, ts_a, kind_a, label_a, module_a, inst_a, txn_a, link_a, command_a, tick_a, digest_a, flags_a,
             conv_a, conv_ms_a, dirty_end_a, off_a, len_a) = [getattr(self, name).append for name in self._COLUMNS]
            dirty_ids = self._dirty_ids
            dirty_a = dirty_ids.append
            store = self  # live: the running end of every dirty id ever kept (see _dirty_released)

            def row_a(v: tuple[Any, ...]) -> None:
                # unrolled: a live runtime appends 20,000 rows a second on the GUI's loop
                seq_a(v[0]), ts_a(v[1]), kind_a(v[2]), label_a(v[3]), module_a(v[4]), inst_a(v[5]), txn_a(v[6])
                link_a(v[7]), command_a(v[8]), tick_a(v[9]), digest_a(v[10]), flags_a(v[11]), conv_a(v[12])
                conv_ms_a(v[13]), dirty_end_a(len(dirty_ids) + store._dirty_released), off_a(v[15]), len_a(v[16])
        kinds, labels, modules, instances = self.kinds, self.labels, self.modules, self.instances
        inst_codes = instances.codes
        links, commands, digests = self.links, self.commands, self.digests
        digest_codes = digests.codes
        link_codes = links.codes
        no_code = NO_CODE
        instance_runtime = self._instance_runtime
        ts_col = self.ts
        str_ = str
        int_ = int
        float_ = float
        dict_ = dict
        list_ = list
        end_phases = _TICK_END_PHASES
        core = itemgetter("kind", "label", "instanceId", "moduleId")
        combos: dict[tuple[str, str, str, str], tuple[int, int, int, int]] = {}
        """(kind, label, instanceId, moduleId) -> their codes: one lookup for four columns; a hit also means the
        four were already checked to be non-empty strings (no other value equals a str)."""

        def intern(p: dict[str, Any], key: tuple[Any, ...]) -> tuple[int, int, int, int] | None:
            kind, label, iid, mid = key
            if type(kind) is not str_ or type(label) is not str_ or type(iid) is not str_ or type(mid) is not str_ \
                    or not kind or not label or not iid or not mid:
                return None
            inst = inst_codes.get(iid)
            if inst is None:
                inst = instances.code(iid)
                rl = p.get("runtimeLabel")
                instance_runtime[inst] = rl if type(rl) is str_ else "runtime"
            codes = (kinds.code(kind), labels.code(label), inst, modules.code(mid))
            combos[key] = codes
            return codes

        def add(p: dict[str, Any], env: dict[str, Any] | None, off: int, length: int) -> int:
            """One event payload `p` (from envelope `env` when loaded); -1 when it cannot be a row."""
            try:
                key = core(p)
                codes = combos.get(key)
            except (KeyError, TypeError):  # a field missing, not a dict, or an unhashable value
                return -1
            if codes is None:
                codes = intern(p, key)
                if codes is None:
                    return -1
            kc, lc, inst, mc = codes
            kind = key[0]
            if env is None:
                seq = 0
            else:
                seq = env.get("seq")
                if type(seq) is not int_ or not 0 <= seq < 9223372036854775807:
                    seq = -1
            ts = p["timestamp"] if "timestamp" in p else None
            if type(ts) is not float_:
                if type(ts) is int_:
                    ts = float_(ts)
                else:
                    ts = env.get("timestamp") if env is not None else None
                    ts = float_(ts) if type(ts) in (int_, float_) else 0.0
            txn = p["txnSeq"] if "txnSeq" in p else 0
            if type(txn) is not int_ or not 0 <= txn < 4294967296:
                txn = 0
            link = -1
            if "linkId" in p:
                link_id = p["linkId"]
                if type(link_id) is str_:
                    link = link_codes.get(link_id)
                    if link is None:
                        link = links.code(link_id)
            flags = 0
            if "downgrade" in p:
                flags = 1  # FLAG_DOWNGRADE
            if "errorSummary" in p:
                flags |= 2  # FLAG_ERROR_SUMMARY
            meta = p["meta"] if "meta" in p else None
            command = -1
            tick = -1
            digest = no_code
            nd = 0
            conv = 0
            conv_ms = 0.0
            if type(meta) is dict_:
                if kind == "trait:converge":
                    mode = meta.get("executedMode")
                    conv = 2 if mode == "full" else 1 if mode == "dirty" else 0
                    if meta.get("outcome") == "Degraded":
                        conv |= 4  # CONVERGE_DEGRADED
                    for name in ("executionDurationMs", "decisionDurationMs"):
                        v = meta.get(name)
                        if type(v) is float_ or type(v) is int_:
                            conv_ms += v
                elif kind == "state":
                    dirty = meta.get("dirtySet")
                    if type(dirty) is dict_:
                        if dirty.get("dirtyAll") is True:
                            flags |= FLAG_DIRTY_ALL
                            dirty_a(DIRTY_ALL_ID)
                            nd = 1
                        else:
                            ids = dirty.get("rootIds")
                            if type(ids) is list_:
                                for i in ids:
                                    if type(i) is int_ and 0 <= i < 2147483648:
                                        dirty_a(i)
                                        nd += 1
                    d = meta.get("staticIrDigest")
                    if type(d) is str_:
                        digest = digest_codes.get(d)
                        if digest is None:
                            digest = digests.code(d)
                elif kind == "diagnostic":
                    sev = meta.get("severity")
                    if sev == "error":
                        flags |= FLAG_ERROR
                    elif sev == "warning":
                        flags |= FLAG_WARNING
                if "commandId" in meta:
                    cmd = meta["commandId"]
                    if type(cmd) is str_:
                        command = commands.code(cmd)
                if "tickSeq" in meta:
                    t = meta["tickSeq"]
                    if type(t) is int_ and -4611686018427387904 < t < 4611686018427387904:
                        tick = t
                        if key[1] == "trace:tick" and meta.get("phase") in end_phases:
                            flags |= FLAG_TICK_END
            row_a((seq, ts, kc, lc, mc, inst, txn, link, command, tick, digest, flags, conv, conv_ms, nd, off,
                   length))
            return 0 if buffered else len(ts_col) - 1

        return add

    def _flush_buffer(self) -> None:
        """Move the loader's buffered rows into the columns (once per chunk): one transpose, one fromlist each."""
        rows = self._buffer
        if not rows:
            return
        base = len(self._dirty_ids) + self._dirty_released
        self._dirty_ids.fromlist(self._buffer_ids)
        self._buffer_ids.clear()
        for name, values in zip(self._COLUMNS, zip(*rows, strict=False), strict=False):
            if name == "_dirty_end":  # per-row counts become running ends
                values = tuple(accumulate(values, initial=base))[1:]
            getattr(self, name).fromlist(list(values))
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
        base = self._dirty_released
        end = self._dirty_end[row] - base
        start = self._dirty_end[row - 1] - base if row else 0
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
