"""A store seen as a timeline: lanes, slices, overlapping runs, flows, counters and instants (shared by exporters).

- Lanes: one per instance (named by instance id), grouped by runtime label, plus one `ticks` lane per runtime.
- Slices (must nest per lane, so each lane's slices are kept in order and never overlap):
  transactions on their instance's lane, from the first event of the transaction (its action) to its
  `state:update`; ticks on the ticks lane, from the tick's `start` event (or the first row it published) to its end.
- Runs (overlap freely, so exporters write them as async pairs with ids): async action runs (`action/async-action`
  grouped by linkId, from trigger to settle; a run still open when the trace ends is closed there and marked
  `unfinished`), and operations (events naming a `commandId`, from the first to the last of them).
- Flows: for every linkId, its transactions in order and the ticks that published them.
- Counters: dirty roots per transaction (per instance; none for dirty-everything), queue depth from tick backlogs.
- Instants: diagnostics and lifecycle events on their instance's lane.
Times are microseconds since the first event (`base_ms` keeps the epoch of that origin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.trace.columnar import EventStore
from runtime.trace.row_codes import FLAG_DIRTY_ALL
from runtime.base.links import is_fallback_link

__all__ = ["Lane", "Slice", "Run", "Flow", "Counter", "Instant", "Timeline", "build_timeline"]


@dataclass(frozen=True, slots=True)
class Lane:
    index: int
    runtime: int
    """Index into Timeline.runtimes."""
    name: str
    instance_id: str | None
    """None for the runtime's ticks lane."""


@dataclass(frozen=True, slots=True)
class Slice:
    lane: int
    start_us: float
    dur_us: float
    name: str
    cat: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Run:
    runtime: int
    lane: int
    cat: str
    """action-run | operation."""
    run_id: str
    name: str
    begin_us: float
    end_us: float
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Flow:
    flow_id: int
    link_id: str
    points: tuple[tuple[int, float], ...]
    """(lane, ts_us) inside the slices it links, in time order."""
    slices: tuple[int, ...]
    """Index in Timeline.slices of the slice holding each point."""


@dataclass(frozen=True, slots=True)
class Counter:
    runtime: int
    name: str
    ts_us: float
    value: float


@dataclass(frozen=True, slots=True)
class Instant:
    lane: int
    ts_us: float
    name: str
    cat: str
    args: dict[str, Any]


@dataclass(slots=True)
class Timeline:
    base_ms: float
    runtimes: list[str] = field(default_factory=list)
    lanes: list[Lane] = field(default_factory=list)
    slices: list[Slice] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    counters: list[Counter] = field(default_factory=list)
    instants: list[Instant] = field(default_factory=list)


_MIN_DUR_US = 1.0


class _Builder:
    def __init__(self, store: EventStore) -> None:
        self.s = store
        self.base = store.ts[0] if len(store) else 0.0
        self.tl = Timeline(self.base)
        self._runtime_idx: dict[str, int] = {}
        self._lane_of_inst: dict[int, int] = {}
        self._tick_lane: dict[int, int] = {}
        self._lane_end: dict[int, float] = {}
        self._txn_point: dict[int, tuple[int, float, int]] = {}
        """state row -> (lane, middle of its slice, slice index)."""

    def us(self, ts_ms: float) -> float:
        return round((ts_ms - self.base) * 1000.0, 3)

    def runtime(self, label: str) -> int:
        idx = self._runtime_idx.get(label)
        if idx is None:
            idx = self._runtime_idx[label] = len(self.tl.runtimes)
            self.tl.runtimes.append(label)
        return idx

    def lane_of(self, inst_code: int) -> int:
        lane = self._lane_of_inst.get(inst_code)
        if lane is None:
            iid = self.s.instances.values[inst_code]
            lane = self._lane_of_inst[inst_code] = len(self.tl.lanes)
            self.tl.lanes.append(Lane(lane, self.runtime(self.s.runtime_of_instance(iid)), iid, iid))
        return lane

    def tick_lane(self, runtime: int) -> int:
        lane = self._tick_lane.get(runtime)
        if lane is None:
            lane = self._tick_lane[runtime] = len(self.tl.lanes)
            self.tl.lanes.append(Lane(lane, runtime, "ticks", None))
        return lane

    def add_slice(self, lane: int, start: float, end: float, name: str, cat: str, args: dict[str, Any]) -> Slice:
        start = max(start, self._lane_end.get(lane, start))  # keep slices of one lane from overlapping
        dur = max(end - start, _MIN_DUR_US)
        self._lane_end[lane] = start + dur
        sl = Slice(lane, start, dur, name, cat, args)
        self.tl.slices.append(sl)
        return sl

    def transactions_and_instants(self) -> None:
        s = self.s
        state_k, state_l = s.kinds.find("state"), s.labels.find("state:update")
        instant_kinds = (s.kinds.find("diagnostic"), s.kinds.find("lifecycle"))
        first: dict[int, tuple[float, int]] = {}
        kind, label, inst, txn, ts, flags = s.kind, s.label, s.instance, s.txn, s.ts, s.flags
        counters = self.tl.counters
        for row in range(len(s)):
            k = kind[row]
            t = txn[row]
            if t:
                key = inst[row] << 32 | t
                if k == state_k and label[row] == state_l:
                    start_ms, first_row = first.pop(key, (ts[row], row))
                    lane = self.lane_of(inst[row])
                    roots = s.dirty_roots(row)
                    dirty_all = bool(flags[row] & FLAG_DIRTY_ALL)
                    cause = s.label_of(first_row) if first_row != row else "commit"
                    sl = self.add_slice(lane, self.us(start_ms), self.us(ts[row]), f"txn {t} {cause}", "transaction",
                                        {"txnId": f"{s.instances.values[inst[row]]}::t{t}", "dirtyAll": dirty_all,
                                         "dirtyRoots": 0 if dirty_all else len(roots), "row": row})
                    self._txn_point[row] = (lane, sl.start_us + sl.dur_us / 2, len(self.tl.slices) - 1)
                    if not dirty_all:  # "everything" has no count; the slice's args say dirtyAll
                        counters.append(Counter(self.tl.lanes[lane].runtime, f"dirty roots {self.tl.lanes[lane].name}",
                                                sl.start_us + sl.dur_us, float(len(roots))))
                    continue
                if key not in first:
                    first[key] = (ts[row], row)
            if k in instant_kinds:
                self.tl.instants.append(Instant(self.lane_of(inst[row]), self.us(ts[row]), s.label_of(row),
                                                s.kinds.values[k], {"row": row, "txnSeq": t}))

    def ticks(self) -> None:
        s = self.s
        for tick in s.index.ticks():
            runtime = self.runtime(s.runtime_of_instance(s.instance_of(tick.end_row)))
            start_row = tick.start_row if tick.start_row >= 0 else tick.first_row
            meta = s.payload(tick.end_row).get("meta")
            meta = meta if isinstance(meta, dict) else {}
            args = {"tickSeq": tick.tick_seq, "phase": meta.get("phase"), "rows": tick.end_row - tick.first_row + 1}
            budget = meta.get("budget")
            if isinstance(budget, dict):
                args["txnCount"] = budget.get("txnCount")
            self.add_slice(self.tick_lane(runtime), self.us(s.ts[start_row]), self.us(s.ts[tick.end_row]),
                           f"tick {tick.tick_seq}", "tick", args)
            backlog = meta.get("backlog")
            if isinstance(backlog, dict):
                depth = sum(v for v in (backlog.get("pendingExternalInputs"), backlog.get("pendingDeferredWork"))
                            if isinstance(v, (int, float)))
                self.tl.counters.append(Counter(runtime, "queue depth", self.us(s.ts[tick.end_row]), float(depth)))

    def runs(self) -> None:
        s = self.s
        label_code = s.labels.find("async-action")
        end_us = self.us(s.ts[len(s) - 1]) if len(s) else 0.0
        open_runs: dict[str, dict[str, Any]] = {}
        if label_code is not None:
            action_k = s.kinds.find("action")
            for row in range(len(s)):
                if s.label[row] != label_code or s.kind[row] != action_k:
                    continue
                link = s.link_of(row)
                meta = s.payload(row).get("meta")
                if link is None or not isinstance(meta, dict):
                    continue
                run = open_runs.get(link)
                if run is None:
                    run = open_runs[link] = {"begin": self.us(s.ts[row]), "end": None, "row": row,
                                             "name": str(meta.get("actionId", link)), "status": None}
                if meta.get("phase") == "settle":
                    run["end"] = self.us(s.ts[row])
                    run["status"] = meta.get("status")
                    run["cancelReason"] = meta.get("cancelReason")
            for link, run in open_runs.items():
                lane = self.lane_of(s.instance[run["row"]])
                args = {"linkId": link, "status": run["status"] or "unfinished"}
                if run.get("cancelReason"):
                    args["cancelReason"] = run["cancelReason"]
                self.tl.runs.append(Run(self.tl.lanes[lane].runtime, lane, "action-run", link, run["name"],
                                        run["begin"], run["end"] if run["end"] is not None else end_us, args))
        rows_of = s.index.rows_of_command
        for cmd in s.commands.values:
            rows = rows_of(cmd)
            if not len(rows):
                continue
            lane = self.lane_of(s.instance[rows[0]])
            stages = [s.label_of(r) for r in rows]
            self.tl.runs.append(Run(self.tl.lanes[lane].runtime, lane, "operation", cmd, f"operation {cmd}",
                                    self.us(s.ts[rows[0]]), self.us(s.ts[rows[-1]]),
                                    {"commandId": cmd, "stages": stages[:32]}))

    def flows(self) -> None:
        s = self.s
        by_link: dict[int, list[int]] = {}
        for row in s.index.state_rows():
            code = s.link[row]
            if code >= 0:
                by_link.setdefault(code, []).append(row)
        tick_point: dict[int, tuple[int, float, int]] = {}
        for k, sl in enumerate(self.tl.slices):
            if sl.cat == "tick":
                tick_point[sl.args["tickSeq"]] = (sl.lane, sl.start_us + sl.dur_us / 2, k)
        for code, rows in by_link.items():
            if is_fallback_link(s.links.values[code]):
                continue  # a transaction's own link: nothing to tie together
            points = [self._txn_point[r] for r in rows if r in self._txn_point]
            seen_ticks: set[int] = set()
            for r in rows:
                t = s.index.tick_of(r)
                if t is not None and t not in seen_ticks and t in tick_point:
                    seen_ticks.add(t)
                    points.append(tick_point[t])
            if len(points) >= 2:
                points.sort(key=lambda p: p[1])
                self.tl.flows.append(Flow(len(self.tl.flows) + 1, s.links.values[code],
                                          tuple((p[0], p[1]) for p in points), tuple(p[2] for p in points)))


def build_timeline(store: EventStore) -> Timeline:
    """The timeline of everything in `store` (see the module docstring)."""
    b = _Builder(store)
    b.transactions_and_instants()
    b.ticks()
    b.runs()
    b.flows()
    return b.tl
