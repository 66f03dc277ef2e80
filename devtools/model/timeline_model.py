"""The timeline's data: lanes of spans per runtime and instance, built from the event store in bounded slices.

Lanes, top to bottom:
- `ticks` per runtime: one span per tick (`trace:tick` start -> settled), outlined when the tick exceeded its budget;
- per instance, in the order instances first appear:
  - `txn`: one span per committed transaction (`state:update`), coloured by the executed converge mode of its
    `trait:converge` event (none / dirty / full), outlined when converge degraded;
  - `runs` (when the instance has any): async action runs from trigger to settle, coloured by status, in up to
    three sub-rows so concurrent runs do not hide each other;
  - `ops` (when it has any): backend operations, one span per stage reached (coloured by stage), deadlines as markers
    (each with the row that promised it, so a replay cursor shows only the deadlines of operations that exist then).

x is seconds since `origin_ms` (the first event's epoch ms): float64 keeps microseconds there, whereas raw epoch
milliseconds would lose precision in the view's float math.

`sync(store)` consumes new store rows within a time budget and says whether more remain, so loading a million
events never blocks the loop: the caller reschedules until it returns False. Rows of a loaded trace are JSON bytes;
only the rows a lane needs are decoded (converge, runs, operations, ticks), transactions are read from the columns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.ma  # noqa: F401  (np.unique/np.isin import it on first use: 35 ms, not mid-load)

from runtime.trace import EventStore

from .deadlines import DeadlineMarks
from .e2e_chains import E2E_SEGMENT_KINDS, E2EIndex
from .runs import RUN_STATUSES, STAGES, OperationIndex, RunIndex, meta_of
from .spans import FLAG_OUTLINED, SpanLane

__all__ = ["Lane", "LaneKind", "TimelineModel", "TXN_CATEGORIES", "RUN_CATEGORIES", "STAGE_CATEGORIES",
           "TICK_CATEGORIES", "MAX_SUBROWS"]

LaneKind = Literal["ticks", "txn", "runs", "ops", "e2e"]

TXN_CATEGORIES = ("no converge", "dirty", "full")
RUN_CATEGORIES = RUN_STATUSES
STAGE_CATEGORIES = STAGES
TICK_CATEGORIES = ("settled", "over budget", "open")
E2E_CATEGORIES = E2E_SEGMENT_KINDS
MAX_SUBROWS = 3
_DECODED_LABELS = ("async-action", "trace:tick", "trace:e2e")
"""Labels whose events sync decodes one by one (transactions are built in bulk)."""
_CHUNK = 4096
_PENDING_CONVERGE = 1024


@dataclass(slots=True, eq=False)
class Lane:
    """One horizontal band of the timeline."""

    key: str
    """`<runtime>/ticks`, `<instanceId>/txn`, `<instanceId>/runs`, `<instanceId>/ops`."""
    kind: LaneKind
    owner: str
    """The runtime label (ticks) or the instance id."""
    subrows: list[SpanLane]
    deadlines: DeadlineMarks = field(default_factory=DeadlineMarks)
    """Operation deadlines with the rows that promised them (ops lanes only)."""
    refs: list[str] = field(default_factory=list)
    """For runs/ops/e2e: the run linkId / operation commandId / run linkId of each span ref index."""
    ref_rows: list[int] = field(default_factory=list)
    """For e2e: the store row of each span's trace:e2e event (one span per segment)."""

    @property
    def title(self) -> str:
        return f"{self.owner} · {self.kind}"

    @property
    def version(self) -> int:
        return sum(s.version for s in self.subrows) + self.deadlines.version

    def span_count(self) -> int:
        return sum(len(s) for s in self.subrows)


class TimelineModel:
    """Lanes of a devtools window (one per event store); append-only while the store grows."""

    def __init__(self) -> None:
        self.listeners: list[Callable[[], None]] = []
        self._start_over()

    def _start_over(self) -> None:
        """Everything but the listeners back to empty (a new model, or the store was cleared or replaced)."""
        self.origin_ms: float | None = None
        self.lanes: list[Lane] = []
        self._by_key: dict[str, Lane] = {}
        self.runs = RunIndex()
        self.operations = OperationIndex()
        self.e2e = E2EIndex()
        """End-to-end chains of sampled runs (092); drawn on each instance's `e2e` lane."""
        self.rows_seen = 0
        self.end_s = 0.0
        """The latest event time seen (x of the newest event)."""
        self.version = 0
        self._converge: dict[tuple[str, int], tuple[int, int, float]] = {}
        self._open_ticks: dict[tuple[str, int], tuple[SpanLane, int]] = {}
        self.tick_backlog: tuple[list[float], list[float]] = ([], [])
        """(x, backlog) of each settled tick that reported one: pending external inputs plus deferred work, what
        the scheduler still held (the counter tracks draw it)."""
        self._run_spans: dict[str, tuple[SpanLane, int]] = {}
        self._op_spans: dict[str, tuple[SpanLane, int, str]] = {}
        self._op_deadlines: dict[str, float] = {}
        self._op_numbers: dict[str, int] = {}
        self._instance_order: list[str] = []

    # -- lanes ------------------------------------------------------------------------------------------------------

    def lane(self, key: str) -> Lane | None:
        return self._by_key.get(key)

    def _lane(self, kind: LaneKind, owner: str) -> Lane:
        key = f"{owner}/{kind}"
        lane = self._by_key.get(key)
        if lane is not None:
            return lane
        n_cat = {"ticks": len(TICK_CATEGORIES), "txn": len(TXN_CATEGORIES), "runs": len(RUN_CATEGORIES),
                 "ops": len(STAGE_CATEGORIES), "e2e": len(E2E_CATEGORIES)}[kind]
        subrows = [SpanLane(n_cat) for _ in range(1 if kind in ("ticks", "txn") else MAX_SUBROWS)]
        lane = Lane(key, kind, owner, subrows)
        self._by_key[key] = lane
        self.lanes.append(lane)
        self.lanes.sort(key=self._lane_order)
        return lane

    def _lane_order(self, lane: Lane) -> tuple[int, int, int]:
        if lane.kind == "ticks":
            return (0, 0, 0)
        if lane.owner not in self._instance_order:
            self._instance_order.append(lane.owner)
        return (1, self._instance_order.index(lane.owner), ("txn", "runs", "e2e", "ops").index(lane.kind))

    def _x(self, ts_ms: float) -> float:
        if self.origin_ms is None:
            self.origin_ms = ts_ms
        x = (ts_ms - self.origin_ms) / 1000.0
        if x > self.end_s:
            self.end_s = x
        return x

    # -- ingest -----------------------------------------------------------------------------------------------------

    def sync(self, store: EventStore, budget_s: float = 0.008) -> bool:
        """Consume new rows of `store` for up to `budget_s`; True when rows remain (call again on the next turn).

        Transactions, the bulk of any trace, are built with numpy over whole chunks from the store's columns (the
        converge mode and duration included, see `_bulk_txns`); only runs, operations and ticks, a few percent of
        the rows, are decoded one by one.
        """
        n = len(store)
        if n < self.rows_seen:  # the store was cleared or replaced
            self.reset()
        if self.origin_ms is None and n:
            self.origin_ms = float(store.ts[0])
        t_end = time.perf_counter() + budget_s
        row = before = self.rows_seen
        labels, kinds = store.labels.codes, store.kinds.codes
        while row < n:
            hi = min(n, row + _CHUNK)
            # slices of array.array are copies: no buffer export may pin the store's columns while it grows
            label_codes = np.frombuffer(store.label[row:hi], np.uint32)
            state = label_codes == labels.get("state:update", -1)
            converge = label_codes == labels.get("trace:trait:converge", -1)
            other = np.isin(label_codes, np.asarray([labels[name] for name in _DECODED_LABELS if name in labels],
                                                    np.uint32))
            op_code = kinds.get("operation")
            if op_code is not None:
                other |= np.frombuffer(store.kind[row:hi], np.uint32) == op_code
            other &= ~state & ~converge
            if state.any() or converge.any():
                self._order_new_instances(store, row, hi, state, other)
                self._bulk_txns(store, row, hi, state, converge)
            for r in (np.flatnonzero(other) + row).tolist():
                self._ingest_event(r, store.payload(r))
            row = hi
            if time.perf_counter() > t_end:
                break
        self.rows_seen = row
        if row != before:
            self.version += 1
            for listener in tuple(self.listeners):
                listener()
        return row < n

    def _order_new_instances(self, store: EventStore, lo: int, hi: int, state: np.ndarray,
                             other: np.ndarray) -> None:
        """Give instances first seen in this chunk their lane order by first appearance, as row by row would."""
        inst = np.frombuffer(store.instance[lo:hi], np.uint32)
        seen = state | other
        codes, first = np.unique(inst[seen], return_index=True)
        names = store.instances.values
        for i in np.argsort(first, kind="stable").tolist():
            owner = names[int(codes[i])]
            if owner not in self._instance_order:
                self._instance_order.append(owner)

    def _bulk_txns(self, store: EventStore, lo: int, hi: int, state: np.ndarray, converge: np.ndarray) -> None:
        """The transaction spans of rows lo..hi, vectorised: each state:update meets its trait:converge by key."""
        inst = np.frombuffer(store.instance[lo:hi], np.uint32).astype(np.int64)
        txn = np.frombuffer(store.txn[lo:hi], np.uint32).astype(np.int64)
        key = (inst << 32) | txn
        conv_rows = np.flatnonzero(converge)
        conv_keys = key[conv_rows]
        conv_bits = np.frombuffer(store.converge[lo:hi], np.uint8)[conv_rows]
        conv_ms = np.frombuffer(store.converge_ms[lo:hi], np.float32)[conv_rows].astype(np.float64)
        state_rows = np.flatnonzero(state)
        state_keys = key[state_rows]
        # the newest converge event of each key wins (as a dict filled in row order would keep it)
        order = np.argsort(conv_keys, kind="stable")
        sorted_keys = conv_keys[order]
        pos = np.searchsorted(sorted_keys, state_keys, side="right") - 1
        matched = (pos >= 0) & (sorted_keys[np.maximum(pos, 0)] == state_keys) if sorted_keys.size else \
            np.zeros(state_keys.size, np.bool_)
        src = order[np.maximum(pos, 0)] if sorted_keys.size else np.zeros(state_keys.size, np.int64)
        bits = np.where(matched, conv_bits[src] if conv_bits.size else 0, 0)
        cats = np.where(bits & 3 == 2, 2, np.where(bits & 3 == 1, 1, 0)).astype(np.uint8)
        flags = np.where(bits & 4, FLAG_OUTLINED, 0).astype(np.uint8)
        dur_s = np.where(matched, conv_ms[src] if conv_ms.size else 0.0, 0.0) / 1000.0
        if self._converge and not matched.all():  # evidence carried over from an earlier chunk
            names = store.instances.values
            for i in np.flatnonzero(~matched).tolist():
                k = (names[int(inst[state_rows[i]])], int(txn[state_rows[i]]))
                got = self._converge.pop(k, None)
                if got is not None:
                    cats[i], flags[i], dur_s[i] = got[0], got[1], got[2] / 1000.0
        # converge events whose transaction is not in this chunk wait for it (normally only the chunk's last few)
        used = np.isin(conv_keys, state_keys[matched])
        if not used.all():
            names = store.instances.values
            for i in np.flatnonzero(~used).tolist():
                b = int(conv_bits[i])
                self._converge[(names[int(conv_keys[i] >> 32)], int(conv_keys[i] & 0xFFFFFFFF))] = (
                    2 if b & 3 == 2 else 1 if b & 3 == 1 else 0, FLAG_OUTLINED if b & 4 else 0, float(conv_ms[i]))
        if not state_rows.size:
            return
        origin = self.origin_ms if self.origin_ms is not None else float(store.ts[lo])
        self.origin_ms = origin
        ends_all = (np.frombuffer(store.ts[lo:hi], np.float64)[state_rows] - origin) / 1000.0
        self.end_s = max(self.end_s, float(ends_all.max()))
        state_inst = inst[state_rows]
        names = store.instances.values
        for code in np.unique(state_inst).tolist():
            sel = np.flatnonzero(state_inst == code)
            sub = self._lane("txn", names[code]).subrows[0]
            ends = ends_all[sel]
            # transactions of one runtime never overlap: an estimated start never reaches back into the previous one
            prev_end = np.empty_like(ends)
            prev_end[0] = sub.last_end()
            prev_end[1:] = ends[:-1]
            starts = np.minimum(np.maximum(ends - dur_s[sel], prev_end), ends)
            starts = np.maximum.accumulate(np.maximum(starts, sub.last_start()))  # start order, as append clamps
            sub.extend(starts, ends, cats[sel], flags[sel], (state_rows[sel] + lo).astype(np.int64))
        links = np.frombuffer(store.link[lo:hi], np.int32)[state_rows]
        if (links >= 0).any():
            link_names = store.links.values
            for i in np.flatnonzero(links >= 0).tolist():
                self.runs.note_txn(link_names[int(links[i])], int(txn[state_rows[i]]))

    def reset(self) -> None:
        """Forget every lane; the listeners stay."""
        self._start_over()

    # -- letting rows go --------------------------------------------------------------------------------------------

    def release(self, n: int) -> None:
        """The store let its oldest `n` rows go: drop the spans only they held, move every row held down by n.

        Transactions and ticks go with their rows (a tick still open stays); a run or an operation goes once it is
        over and every event of it was let go. The time axis keeps its origin, so nothing on screen moves.
        """
        if n <= 0:
            return
        self.rows_seen = max(0, self.rows_seen - n)
        runs_gone = self.runs.release(n)
        ops_gone = self.operations.release(n)
        e2e_gone = self.e2e.release(n)
        moves: dict[int, np.ndarray] = {}
        """id(sub-row) -> each old span's new index there (-1: let go)."""
        for lane in self.lanes:
            if lane.kind in ("txn", "ticks"):
                for sub in lane.subrows:
                    moves[id(sub)] = sub.retain((sub.refs() >= n) | sub.open_mask(), ref_shift=-n)
            else:
                gone = {"runs": runs_gone, "ops": ops_gone}.get(lane.kind, e2e_gone)
                self._release_items(lane, gone, moves)
                lane.ref_rows = [row - n for row in lane.ref_rows]  # below 0: its event was let go
        _move_placed(self._open_ticks, set(), moves)
        _move_placed(self._run_spans, runs_gone, moves)
        _move_placed(self._op_spans, ops_gone, moves)
        gone_numbers = {self._op_numbers.pop(cid) for cid in ops_gone if cid in self._op_numbers}
        for cid in ops_gone:
            self._op_deadlines.pop(cid, None)
        for lane in self.lanes:
            if lane.kind == "ops":
                lane.deadlines.release(n, gone_numbers)
        while len(self._converge) > _PENDING_CONVERGE:  # evidence of transactions that never committed
            del self._converge[next(iter(self._converge))]
        self.version += 1
        for listener in tuple(self.listeners):
            listener()

    @staticmethod
    def _release_items(lane: Lane, gone: set[str], moves: dict[int, np.ndarray]) -> None:
        """Drop the spans of the runs or operations in `gone` from a runs/ops lane, renumber the refs kept, and
        note in `moves` where each span went."""
        if not gone:
            return
        kept_refs = np.fromiter((key not in gone for key in lane.refs), np.bool_, len(lane.refs))
        new_ref = np.cumsum(kept_refs) - 1
        lane.refs = [key for key, kept in zip(lane.refs, kept_refs.tolist(), strict=True) if kept]
        if lane.ref_rows:
            lane.ref_rows = [row for row, kept in zip(lane.ref_rows, kept_refs.tolist(), strict=True) if kept]
        for sub in lane.subrows:
            refs = sub.refs()
            keep = kept_refs[refs] if len(refs) else np.zeros(0, np.bool_)
            new_refs = new_ref[refs[keep]] if len(refs) else refs
            moves[id(sub)] = sub.retain(keep)
            sub.refs()[:] = new_refs

    def ingest(self, row: int, event: dict[str, Any]) -> None:
        """Take one event directly (callers without a store); rows must be increasing."""
        self._ingest_event(row, event)
        self.rows_seen = max(self.rows_seen, row + 1)
        self.version += 1

    def _ingest_event(self, row: int, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        label = event.get("label")
        if label == "state:update":
            self._txn(str(event.get("instanceId", "")), int(event.get("txnSeq") or 0),
                      float(event.get("timestamp") or 0.0), row, event.get("linkId"))
        elif label == "trace:trait:converge" or kind == "trait:converge":
            self._note_converge(event)
        elif kind == "action" and label == "async-action":
            self._run(row, event)
        elif kind == "operation":
            self._operation(row, event)
        elif label == "trace:tick":
            self._tick(row, event)
        elif label == "trace:e2e":
            self._e2e(row, event)

    def _note_converge(self, event: dict[str, Any]) -> None:
        meta = meta_of(event)
        mode = meta.get("executedMode")
        cat = 2 if mode == "full" else 1 if mode == "dirty" else 0
        flags = FLAG_OUTLINED if meta.get("outcome") == "Degraded" else 0
        dur = 0.0
        for name in ("executionDurationMs", "decisionDurationMs"):
            v = meta.get(name)
            if isinstance(v, (int, float)):
                dur += float(v)
        self._converge[(str(event.get("instanceId", "")), int(event.get("txnSeq") or 0))] = (cat, flags, dur)

    def _txn(self, instance: str, txn_seq: int, ts: float, row: int, link_id: Any) -> None:
        cat, flags, dur_ms = self._converge.pop((instance, txn_seq), (0, 0, 0.0))
        end = self._x(ts)
        sub = self._lane("txn", instance).subrows[0]
        # transactions of one runtime never overlap: an estimated start never reaches back into the previous one
        start = max(end - dur_ms / 1000.0, sub.last_end() if len(sub) else end - dur_ms / 1000.0)
        sub.append(min(start, end), end, cat, flags, row)
        if isinstance(link_id, str):
            self.runs.note_txn(link_id, txn_seq)

    def _run(self, row: int, event: dict[str, Any]) -> None:
        run = self.runs.feed(row, event)
        if run is None:
            return
        cat = RUN_CATEGORIES.index(run.status) if run.status in RUN_CATEGORIES else 0
        flags = FLAG_OUTLINED if run.status == "failure" else 0
        placed = self._run_spans.get(run.link_id)
        if placed is None:
            lane = self._lane("runs", run.instance_id)
            start = self._x(run.started_ms)
            sub = _free_subrow(lane, start)
            lane.refs.append(run.link_id)
            idx = sub.append(start, np.inf, cat, flags, len(lane.refs) - 1)
            self._run_spans[run.link_id] = (sub, idx)
            placed = (sub, idx)
        if run.settled_ms is not None:
            sub, idx = placed
            sub.close(idx, self._x(run.settled_ms), cat, flags)

    def _operation(self, row: int, event: dict[str, Any]) -> None:
        op = self.operations.feed(row, event)
        if op is None:
            return
        if op.link_id:
            self.runs.note_operation(op.link_id, op.command_id)
        lane = self._lane("ops", op.instance_id)
        at = self._x(op.facts[-1].at_ms)
        placed = self._op_spans.get(op.command_id)
        if placed is None or placed[2] != op.stage:
            # the operation entered a new stage: the previous stage's span ends here
            if placed is None:
                sub = _free_subrow(lane, at)
            else:
                sub = placed[0]
                sub.close(placed[1], at)
            lane.refs.append(op.command_id)
            flags = FLAG_OUTLINED if op.stage in ("rejected", "failed", "timed_out") else 0
            idx = sub.append(at, at if op.terminal else np.inf, STAGE_CATEGORIES.index(op.stage), flags,
                             len(lane.refs) - 1)
            self._op_spans[op.command_id] = (sub, idx, op.stage)
        deadline = op.deadline_ms
        if deadline is not None and self._op_deadlines.get(op.command_id) != deadline:
            self._op_deadlines[op.command_id] = deadline
            number = self._op_numbers.setdefault(op.command_id, len(self._op_numbers))
            # not _x: a future deadline is not the newest event
            lane.deadlines.add(x=self.x_of(deadline), row=row, op=number)

    def _tick(self, row: int, event: dict[str, Any]) -> None:
        meta = meta_of(event)
        seq = meta.get("tickSeq")
        if not isinstance(seq, int):
            return
        owner = str(event.get("runtimeLabel") or "runtime")
        x = self._x(float(event.get("timestamp") or 0.0))
        phase = meta.get("phase")
        key = (owner, seq)
        if phase == "start":
            sub = self._lane("ticks", owner).subrows[0]
            self._open_ticks[key] = (sub, sub.append(x, np.inf, 2, 0, row))
        else:
            backlog = meta.get("backlog")
            if isinstance(backlog, dict):
                self.tick_backlog[0].append(x)
                self.tick_backlog[1].append(float(sum(v for v in backlog.values() if isinstance(v, (int, float)))))
            placed = self._open_ticks.pop(key, None)
            over = phase == "budgetExceeded"
            if placed is None:  # a settle without its start (the ring dropped it): a zero-length tick
                sub = self._lane("ticks", owner).subrows[0]
                sub.append(x, x, 1 if over else 0, FLAG_OUTLINED if over else 0, row)
            else:
                placed[0].close(placed[1], x, 1 if over else 0, FLAG_OUTLINED if over else 0)

    def _e2e(self, row: int, event: dict[str, Any]) -> None:
        """One segment of a run's chain, drawn once on the lane of the event's instance (events are emitted when
        their segment ends, so the span ends at the event's time and starts its duration earlier)."""
        chains = self.e2e.feed(row, event)
        if not chains:
            return
        meta = meta_of(event)
        kind = str(meta.get("segmentKind"))
        end = self._x(float(event.get("timestamp") or 0.0))
        start = end - float(meta.get("durationMs") or 0.0) / 1000.0
        lane = self._lane("e2e", str(event.get("instanceId", "")))
        lane.refs.append(chains[0].link_id)
        lane.ref_rows.append(row)
        sub = _free_subrow(lane, start)
        sub.append(start, end, E2E_CATEGORIES.index(kind) if kind in E2E_CATEGORIES else 0, 0, len(lane.refs) - 1)

    # -- reading ----------------------------------------------------------------------------------------------------

    def x_of(self, ts_ms: float) -> float:
        return 0.0 if self.origin_ms is None else (ts_ms - self.origin_ms) / 1000.0

    def total_spans(self) -> int:
        return sum(lane.span_count() for lane in self.lanes)


def _move_placed(placed: dict[Any, Any], gone: set[str], moves: dict[int, np.ndarray]) -> None:
    """Point the (sub-row, span index, ...) entries of `placed` at where `moves` put their spans; drop the entries
    of items in `gone` and of spans let go."""
    lists: dict[int, list[int]] = {}  # list indexing: no numpy scalar per entry (only of the sub-rows met)
    for key, entry in list(placed.items()):
        sub = id(entry[0])
        moved = lists.get(sub)
        if moved is None:
            got = moves.get(sub)
            if got is None:
                continue  # its sub-row kept every span where it was
            moved = lists[sub] = got.tolist()
        at = moved[entry[1]]
        if key in gone or at < 0:
            del placed[key]
        else:
            placed[key] = (entry[0], at, *entry[2:])


def _free_subrow(lane: Lane, start: float) -> SpanLane:
    """The first sub-row whose last span ended by `start` (greedy interval colouring), else the least busy one."""
    for sub in lane.subrows:
        if not len(sub) or sub.last_end() <= start:
            return sub
    return min(lane.subrows, key=lambda s: s.last_end())
