"""Indexes over an EventStore's columns, built on first use and caught up incrementally after appends.

Each index remembers how many rows it has seen and reads only the new ones on the next query, so a live store
pays per query for what arrived since, and a loaded store pays once (`build()` does all of them up front, e.g. in
the loader's worker thread, so a GUI thread never waits).

- rows_of_instance(instance_id), rows_of_txn(instance_id, txn_seq), rows_of_link(link_id),
  rows_of_command(command_id): arrays of rows, in order (empty when unknown).
- state_rows(): the rows of `state/state:update` events, one per committed transaction.
- ticks() -> list[TickSpan]; rows_of_tick(tick_seq) -> range; tick_of(row) -> tick seq or None. Every event belongs
  to the first tick that ends (a `trace:tick` with phase settled or budgetExceeded) at or after it: the tick that
  published it. Rows after the last ended tick belong to no tick yet.
- txns_touching(path, instance_id=None) -> TouchResult: the state:update rows whose dirty roots overlap `path`
  (the path itself, one of its prefixes, or one of its extensions), mapping root ids through the field path table
  of the static IR whose digest the row names. Rows that dirtied everything match any path (listed apart too);
  rows whose digest has no static IR in the store cannot be mapped and are counted, not guessed.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias

from runtime.base.paths import normalize_path, parse_path
from runtime.trace.row_codes import FLAG_TICK_END, Interned
from runtime.trace.row_lists import RowList, drop_below, drop_released, rows_view

__all__ = ["IndexedStore", "StoreIndexes", "TickSpan", "TouchResult"]

Rows: TypeAlias = "array[int]"
"""Row numbers, in order."""

_EMPTY: Rows = array("q")


class IndexedStore(Protocol):
    """The columns and tables of an EventStore the indexes read (see columnar.py for what each holds)."""

    def __len__(self) -> int: ...

    @property
    def instance(self) -> array[int]: ...
    @property
    def txn(self) -> array[int]: ...
    @property
    def link(self) -> array[int]: ...
    @property
    def command(self) -> array[int]: ...
    @property
    def kind(self) -> array[int]: ...
    @property
    def label(self) -> array[int]: ...
    @property
    def digest(self) -> array[int]: ...
    @property
    def tick(self) -> array[int]: ...
    @property
    def flags(self) -> array[int]: ...
    @property
    def dirty_end(self) -> array[int]: ...
    @property
    def dirty_ids(self) -> array[int]: ...
    @property
    def instances(self) -> Interned: ...
    @property
    def links(self) -> Interned: ...
    @property
    def commands(self) -> Interned: ...
    @property
    def kinds(self) -> Interned: ...
    @property
    def labels(self) -> Interned: ...
    @property
    def digests(self) -> Interned: ...

    def field_paths(self, digest: str) -> tuple[tuple[str, ...], ...] | None: ...

    def dirty_roots(self, row: int) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class TickSpan:
    """One ended tick: its seq, the rows of its start and end events, and the first row it published."""

    tick_seq: int
    first_row: int
    start_row: int
    """Row of the `start` phase event, -1 when the trace has none for this tick."""
    end_row: int


@dataclass(frozen=True, slots=True)
class TouchResult:
    """Answer to "which transactions touched field path X"."""

    path: tuple[str, ...]
    rows: list[int]
    """state:update rows that touched the path, in order (dirty-everything rows included)."""
    dirty_all_rows: list[int]
    """The subset of rows that dirtied everything (they touch any path)."""
    unmapped_rows: int
    """state:update rows whose static IR digest is not in the store: their root ids cannot be read as paths."""


def _path_key(path: str | Sequence[str]) -> tuple[str, ...]:
    try:
        return normalize_path(parse_path(path))
    except ValueError as exc:
        raise ValueError(f"field path {path!r}: {exc}") from None


class StoreIndexes:
    """Lazy, incremental indexes of one store.

    Rows are kept absolute (see row_lists.py): `_base` rows were let go before the store's row 0, and every `*_upto`
    counts absolute rows seen, so `release_front` costs what it lets go and renumbers nothing.
    """

    def __init__(self, store: IndexedStore) -> None:
        self._s = store
        self._base = 0
        self._by_instance: dict[int, Rows] = {}
        self._instance_upto = 0
        # transactions, per instance: the rows with a txnSeq and their txnSeqs, in row order. The seqs only grow
        # (one instance commits one transaction after the other), so a transaction's rows are found by bisection;
        # an instance whose seqs ever went back is indexed by a dict instead (`_txn_dicts`).
        self._txn_rows: dict[int, Rows] = {}
        self._txn_seqs: dict[int, Rows] = {}
        self._txn_dicts: dict[int, dict[int, Rows]] = {}
        self._txn_upto = 0
        self._by_link: dict[int, Rows] = {}
        self._by_command: dict[int, Rows] = {}
        self._link_upto = 0
        self._state_rows: Rows = array("q")
        self._by_root: dict[int, Rows] = {}
        """(digest code << 32 | root id) -> state rows; root id -1 (dirty everything) is keyed per digest too."""
        self._state_upto = 0
        self._tick_seq = array("q")
        self._tick_first = array("q")
        self._tick_start = array("q")
        self._tick_end = array("q")
        self._tick_pos: dict[int, int] = {}
        """tick seq -> its position among every tick ever indexed (`_ticks_dropped` of them were let go)."""
        self._ticks_dropped = 0
        self._last_tick_end = -1
        self._open_starts: dict[int, int] = {}
        self._tick_upto = 0

    def build(self) -> None:
        """Bring every index up to date now."""
        self._catch_up_instances()
        self._catch_up_txns()
        self._catch_up_links()
        self._catch_up_states()
        self._catch_up_ticks()

    # -- letting rows go ----------------------------------------------------------------------------------------------

    def release_front(self, n: int) -> None:
        """The store is letting its oldest `n` rows go: forget them (called by the store before its columns move)."""
        first = self._base + n
        self._base = first
        for lists in (self._by_instance, self._txn_rows, self._by_root):
            emptied = drop_released(lists, first)
            if lists is self._txn_rows:
                self._forget_txns(first, emptied)
        drop_released(self._by_link, first)
        drop_released(self._by_command, first)
        drop_below(self._state_rows, first)
        self._forget_ticks(first)
        self._link_upto = max(self._link_upto, first)
        self._instance_upto = max(self._instance_upto, first)
        self._txn_upto = max(self._txn_upto, first)
        self._state_upto = max(self._state_upto, first)
        self._tick_upto = max(self._tick_upto, first)

    def _forget_txns(self, first: int, emptied: list[int]) -> None:
        for code in emptied:
            del self._txn_seqs[code]
            self._txn_dicts.pop(code, None)
        for code, rows in self._txn_rows.items():
            seqs = self._txn_seqs[code]
            cut = len(seqs) - len(rows)
            if cut:
                del seqs[:cut]
                by_seq = self._txn_dicts.get(code)
                if by_seq is not None:
                    drop_released(by_seq, first)

    def _forget_ticks(self, first: int) -> None:
        k = bisect_left(self._tick_end, first)
        if k:
            for seq in self._tick_seq[:k]:
                self._tick_pos.pop(seq, None)
            for col in (self._tick_seq, self._tick_first, self._tick_start, self._tick_end):
                del col[:k]
            self._ticks_dropped += k
        for seq in [s for s, row in self._open_starts.items() if row < first]:
            del self._open_starts[seq]

    # -- by instance and transaction -------------------------------------------------------------------------------

    def _catch_up_instances(self) -> None:
        s = self._s
        base = self._base
        n = len(s)
        by = self._by_instance
        col = s.instance
        for row in range(self._instance_upto - base, n):
            code = col[row]
            rows = by.get(code)
            if rows is None:
                rows = by[code] = array("q")
            rows.append(row + base)
        self._instance_upto = n + base

    def rows_of_instance(self, instance_id: str) -> RowList:
        self._catch_up_instances()
        code = self._s.instances.find(instance_id)
        return rows_view(self._by_instance.get(code, _EMPTY) if code is not None else _EMPTY, self._base)

    def _catch_up_txns(self) -> None:
        s = self._s
        base = self._base
        n = len(s)
        by_rows, by_seqs, dicts = self._txn_rows, self._txn_seqs, self._txn_dicts
        inst, txn = s.instance, s.txn
        for row in range(self._txn_upto - base, n):
            t = txn[row]
            if t:
                code = inst[row]
                rows = by_rows.get(code)
                if rows is None:
                    rows = by_rows[code] = array("q")
                    by_seqs[code] = array("I")
                seqs = by_seqs[code]
                if seqs and t < seqs[-1] and code not in dicts:
                    dicts[code] = _by_seq(rows, seqs)
                rows.append(row + base)
                seqs.append(t)
                by_seq = dicts.get(code)
                if by_seq is not None:
                    got = by_seq.get(t)
                    if got is None:
                        got = by_seq[t] = array("q")
                    got.append(row + base)
        self._txn_upto = n + base

    def rows_of_txn(self, instance_id: str, txn_seq: int) -> RowList:
        """Every event of one transaction (its action, converge, state:update, diagnostics...)."""
        self._catch_up_txns()
        code = self._s.instances.find(instance_id)
        if code is None or not txn_seq or code not in self._txn_rows:
            return _EMPTY
        by_seq = self._txn_dicts.get(code)
        if by_seq is not None:
            return rows_view(by_seq.get(txn_seq, _EMPTY), self._base)
        seqs = self._txn_seqs[code]
        lo = bisect_left(seqs, txn_seq)
        hi = bisect_right(seqs, txn_seq, lo)
        return rows_view(self._txn_rows[code][lo:hi], self._base)

    # -- by link id and command id ---------------------------------------------------------------------------------

    def _catch_up_links(self) -> None:
        s = self._s
        base = self._base
        n = len(s)
        lo = self._link_upto - base
        by_link, by_cmd = self._by_link, self._by_command
        # most rows name neither: walk both columns together and look up only the codes that are there
        for row, (lc, cc) in enumerate(zip(s.link[lo:n], s.command[lo:n], strict=True), lo + base):
            if lc >= 0:
                rows = by_link.get(lc)
                if rows is None:
                    rows = by_link[lc] = array("q")
                rows.append(row)
            if cc >= 0:
                rows = by_cmd.get(cc)
                if rows is None:
                    rows = by_cmd[cc] = array("q")
                rows.append(row)
        self._link_upto = n + base

    def rows_of_link(self, link_id: str) -> RowList:
        self._catch_up_links()
        code = self._s.links.find(link_id)
        return rows_view(self._by_link.get(code, _EMPTY) if code is not None else _EMPTY, self._base)

    def rows_of_command(self, command_id: str) -> RowList:
        self._catch_up_links()
        code = self._s.commands.find(command_id)
        return rows_view(self._by_command.get(code, _EMPTY) if code is not None else _EMPTY, self._base)

    # -- transactions and field paths ------------------------------------------------------------------------------

    def _catch_up_states(self) -> None:
        s = self._s
        base = self._base
        n = len(s)
        kc = s.kinds.find("state")
        lc = s.labels.find("state:update")
        if kc is None or lc is None:
            return  # nothing to index yet; rows seen later are read from where we stand
        kind, label, digest = s.kind, s.label, s.digest
        by_root = self._by_root
        states = self._state_rows
        for row in range(self._state_upto - base, n):
            if kind[row] != kc or label[row] != lc:
                continue
            states.append(row + base)
            key_base = digest[row] << 32
            for i in s.dirty_roots(row):
                key = key_base | (i & 0xFFFFFFFF)
                rows = by_root.get(key)
                if rows is None:
                    rows = by_root[key] = array("q")
                rows.append(row + base)
        self._state_upto = n + base

    def state_rows(self) -> RowList:
        """Rows of state:update events (one per committed transaction), in order."""
        self._catch_up_states()
        return rows_view(self._state_rows, self._base)

    def txns_touching(self, path: str | Sequence[str], instance_id: str | None = None) -> TouchResult:
        """state:update rows whose dirty set overlaps `path` (prefix-aware); see the module docstring."""
        target = _path_key(path)
        if not target:
            raise ValueError("give a field path with at least one field name (e.g. 'items.price')")
        self._catch_up_states()
        s = self._s
        inst_code = s.instances.find(instance_id) if instance_id is not None else None
        if instance_id is not None and inst_code is None:
            return TouchResult(target, [], [], 0)
        hits: set[int] = set()
        dirty_all: set[int] = set()
        unmapped: set[int] = set()
        n = len(target)
        known: set[int] = set()
        for dcode, digest in enumerate(s.digests.values):
            paths = s.field_paths(digest)
            if paths is None:
                continue
            known.add(dcode)
            key_base = dcode << 32
            for pid, p in enumerate(paths):
                m = min(n, len(p))
                if p[:m] == target[:m]:
                    hits.update(self._by_root.get(key_base | pid, _EMPTY))
        for key, rows in self._by_root.items():
            if key & 0xFFFFFFFF == 0xFFFFFFFF:
                dirty_all.update(rows)  # dirtied everything: touches any path, whatever its digest
            elif key >> 32 not in known:
                unmapped.update(rows)
        hits |= dirty_all
        unmapped -= dirty_all
        base = self._base
        if inst_code is not None:
            col = s.instance
            hits = {r for r in hits if col[r - base] == inst_code}
            dirty_all = {r for r in dirty_all if col[r - base] == inst_code}
            unmapped = {r for r in unmapped if col[r - base] == inst_code}
        return TouchResult(target, [r - base for r in sorted(hits)], [r - base for r in sorted(dirty_all)],
                           len(unmapped))

    # -- ticks -----------------------------------------------------------------------------------------------------

    def _catch_up_ticks(self) -> None:
        s = self._s
        base = self._base
        n = len(s)
        lc = s.labels.find("trace:tick")
        if lc is None:
            return
        label, tick, flags = s.label, s.tick, s.flags
        for row in range(self._tick_upto - base, n):
            if label[row] != lc or tick[row] < 0:
                continue
            seq = tick[row]
            if flags[row] & FLAG_TICK_END:
                if seq in self._tick_pos:
                    continue  # a second end event for one tick adds nothing
                self._tick_pos[seq] = len(self._tick_seq) + self._ticks_dropped
                self._tick_seq.append(seq)
                self._tick_first.append(self._last_tick_end + 1)
                self._tick_start.append(self._open_starts.pop(seq, -1))
                self._tick_end.append(row + base)
                self._last_tick_end = row + base
            else:
                self._open_starts.setdefault(seq, row + base)
        self._tick_upto = n + base

    def _tick_span(self, i: int) -> TickSpan:
        base = self._base
        start = self._tick_start[i]
        return TickSpan(self._tick_seq[i], max(0, self._tick_first[i] - base), start - base if start >= 0 else -1,
                        self._tick_end[i] - base)

    def ticks(self) -> list[TickSpan]:
        self._catch_up_ticks()
        return [self._tick_span(i) for i in range(len(self._tick_seq))]

    def tick_count(self) -> int:
        self._catch_up_ticks()
        return len(self._tick_seq)

    def rows_of_tick(self, tick_seq: int) -> range:
        """The rows the tick published (from the row after the previous tick's end to its own end event)."""
        self._catch_up_ticks()
        i = self._tick_pos.get(tick_seq)
        if i is None:
            return range(0)
        span = self._tick_span(i - self._ticks_dropped)
        return range(span.first_row, span.end_row + 1)

    def tick_of(self, row: int) -> int | None:
        """The tick that published `row`, or None when no tick has ended at or after it yet."""
        self._catch_up_ticks()
        i = bisect_left(self._tick_end, row + self._base)
        return self._tick_seq[i] if i < len(self._tick_end) else None


def _by_seq(rows: Rows, seqs: Rows) -> dict[int, Rows]:
    """The rows of each txnSeq, for an instance whose seqs did not only grow."""
    out: dict[int, Rows] = {}
    for row, seq in zip(rows, seqs, strict=True):
        got = out.get(seq)
        if got is None:
            got = out[seq] = array("q")
        got.append(row)
    return out
