"""A store seen as a timeline: lanes, slices, overlapping runs, flows, counters and instants (shared by exporters).

- Lanes: one per instance (named by instance id), grouped by runtime label, plus one `ticks` lane per runtime.
- Slices (must nest per lane, so each lane's slices are kept in order, never overlap and never touch):
  transactions on their instance's lane, from the first event of the transaction (its action) to its
  `state:update`, named by their origin (the action, `field-external-store:reading`, `operation:<kind>`); ticks
  (`tick`) on the ticks lane, from the tick's `start` event (or the first row it published) to its end.
- Runs (overlap freely, so exporters write them as async pairs with ids): async action runs (`action/async-action`
  grouped by linkId, from trigger to settle; a run still open when the trace ends is closed there and marked
  `unfinished`), and operations (events naming a `commandId`, from the first to the last of them).
- Flows: for every linkId, its transactions in order and the ticks that published them.
- Counters: dirty roots per transaction (per instance; none for dirty-everything), queue depth from tick backlogs;
  each on the lane it describes (the instance's, the ticks lane).
- Instants: diagnostics and lifecycle events on their instance's lane.
Names say what a thing is (the action, `tick`, the operation kind), so viewers that aggregate by name (speedscope's
Sandwich, Perfetto's slice aggregation) group them; sequence numbers and ids go in the args.
Times are whole microseconds (int) since the first event: the events carry microseconds, and integers keep the
exports free of float noise. `base_ms` keeps the epoch of that origin.
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
    start_us: int
    dur_us: int
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
    """What the run is: the action id, the operation kind."""
    begin_us: int
    end_us: int
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Flow:
    flow_id: int
    link_id: str
    points: tuple[tuple[int, int], ...]
    """(lane, ts_us) inside the slices it links, in time order."""
    slices: tuple[int, ...]
    """Index in Timeline.slices of the slice holding each point."""


@dataclass(frozen=True, slots=True)
class Counter:
    runtime: int
    lane: int
    name: str
    ts_us: int
    value: float


@dataclass(frozen=True, slots=True)
class Instant:
    lane: int
    ts_us: int
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

    def pid(self, runtime: int) -> int:
        """The process id of a runtime in the exports: 1, 2, ..."""
        return runtime + 1

    def tids(self) -> list[int]:
        """The thread id of each lane in the exports: above every pid, because viewers badge a thread whose id equals
        its process's as the main thread; ticks lanes lowest, because the Perfetto UI orders a process's threads by
        tid and ignores sort hints."""
        order = sorted(self.lanes, key=lambda lane: (lane.instance_id is not None, lane.index))
        tids = [0] * len(self.lanes)
        for rank, lane in enumerate(order):
            tids[lane.index] = len(self.runtimes) + 1 + rank
        return tids


_MIN_DUR_US = 1


class _Builder:
    def __init__(self, store: EventStore) -> None:
        self.s = store
        self.base = store.ts[0] if len(store) else 0.0
        self.tl = Timeline(self.base)
        self._runtime_idx: dict[str, int] = {}
        self._lane_of_inst: dict[int, int] = {}
        self._tick_lane: dict[int, int] = {}
        self._lane_end: dict[int, int] = {}
        self._txn_point: dict[int, tuple[int, int, int]] = {}
        """state row -> (lane, middle of its slice, slice index)."""

    def us(self, ts_ms: float) -> int:
        return round((ts_ms - self.base) * 1000.0)

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

    def add_slice(self, lane: int, start: int, end: int, name: str, cat: str, args: dict[str, Any]) -> Slice:
        # Slices of one lane never overlap nor touch: speedscope orders an end and a begin at the same time by name,
        # so a `tick` ending where the next `tick` begins would nest the next one inside it.
        previous_end = self._lane_end.get(lane)
        if previous_end is not None and start <= previous_end:
            start = previous_end + 1
        dur = max(end - start, _MIN_DUR_US)
        self._lane_end[lane] = start + dur
        sl = Slice(lane, start, dur, name, cat, args)
        self.tl.slices.append(sl)
        return sl

    def operation_kind(self, command_id: str) -> str | None:
        rows = self.s.index.rows_of_command(command_id)
        meta = self.s.payload(int(rows[0])).get("meta") if len(rows) else None
        kind = meta.get("kind") if isinstance(meta, dict) else None
        return kind if isinstance(kind, str) and kind else None

    def txn_name(self, origin: tuple[str | None, str | None]) -> str | None:
        """What caused a transaction, as a name shared by every transaction with that cause: the action (with its
        async phase), the operation's kind rather than its command id, else `originKind:originName`."""
        kind, name = origin
        if not kind or not name:
            return None
        if kind in ("action", "async-action"):
            return name
        if kind == "operation":
            op_kind = self.operation_kind(name.removeprefix("operation:"))
            return f"operation:{op_kind}" if op_kind else "operation"
        if kind == "optimistic":  # `apply:<token>` / `rollback:<token>`: the phase names it, the token is in args
            return f"optimistic:{name.split(':', 1)[0]}"
        return f"{kind}:{name}"

    def transactions_and_instants(self) -> None:
        s = self.s
        state_k, state_l = s.kinds.find("state"), s.labels.find("state:update")
        instant_kinds = (s.kinds.find("diagnostic"), s.kinds.find("lifecycle"))
        action_k = s.kinds.find("action")
        first: dict[int, tuple[float, int]] = {}
        action_of: dict[int, int] = {}
        """transaction -> its first action row: the slice is named by the action, not by whatever came first."""
        kind, label, inst, txn, ts, flags = s.kind, s.label, s.instance, s.txn, s.ts, s.flags
        counters = self.tl.counters
        for row in range(len(s)):
            k = kind[row]
            t = txn[row]
            if t:
                key = inst[row] << 32 | t
                if k == state_k and label[row] == state_l:
                    start_ms, first_row = first.pop(key, (ts[row], row))
                    named_by = action_of.pop(key, first_row)
                    lane = self.lane_of(inst[row])
                    roots = s.dirty_roots(row)
                    dirty_all = bool(flags[row] & FLAG_DIRTY_ALL)
                    meta = s.payload(row).get("meta")
                    origin = _origin(meta if isinstance(meta, dict) else {})
                    name = self.txn_name(origin) or (s.label_of(named_by) if named_by != row else "commit")
                    sl = self.add_slice(lane, self.us(start_ms), self.us(ts[row]), name, "transaction",
                                        {"txnSeq": t, "txnId": f"{s.instances.values[inst[row]]}::t{t}",
                                         "originKind": origin[0], "originName": origin[1], "dirtyAll": dirty_all,
                                         "dirtyRoots": 0 if dirty_all else len(roots), "row": row})
                    self._txn_point[row] = (lane, sl.start_us + sl.dur_us // 2, len(self.tl.slices) - 1)
                    if not dirty_all:  # "everything" has no count; the slice's args say dirtyAll
                        counters.append(Counter(self.tl.lanes[lane].runtime, lane,
                                                f"dirty roots {self.tl.lanes[lane].name}", sl.start_us + sl.dur_us,
                                                float(len(roots))))
                    continue
                if key not in first:
                    first[key] = (ts[row], row)
                if k == action_k and key not in action_of:
                    action_of[key] = row
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
            lane = self.tick_lane(runtime)
            self.add_slice(lane, self.us(s.ts[start_row]), self.us(s.ts[tick.end_row]), "tick", "tick", args)
            backlog = meta.get("backlog")
            if isinstance(backlog, dict):
                depth = sum(v for v in (backlog.get("pendingExternalInputs"), backlog.get("pendingDeferredWork"))
                            if isinstance(v, (int, float)))
                self.tl.counters.append(Counter(runtime, lane, "queue depth", self.us(s.ts[tick.end_row]),
                                                float(depth)))

    def runs(self) -> None:
        s = self.s
        label_code = s.labels.find("async-action")
        end_us = self.us(s.ts[len(s) - 1]) if len(s) else 0
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
            kind = self.operation_kind(cmd)
            self.tl.runs.append(Run(self.tl.lanes[lane].runtime, lane, "operation", cmd, kind or "operation",
                                    self.us(s.ts[rows[0]]), self.us(s.ts[rows[-1]]),
                                    {"commandId": cmd, "kind": kind, "stages": stages[:32]}))

    def flows(self) -> None:
        s = self.s
        by_link: dict[int, list[int]] = {}
        for row in s.index.state_rows():
            code = s.link[row]
            if code >= 0:
                by_link.setdefault(code, []).append(row)
        tick_point: dict[int, tuple[int, int, int]] = {}
        for k, sl in enumerate(self.tl.slices):
            if sl.cat == "tick":
                tick_point[sl.args["tickSeq"]] = (sl.lane, sl.start_us + sl.dur_us // 2, k)
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


def _origin(meta: dict[str, Any]) -> tuple[str | None, str | None]:
    kind, name = meta.get("originKind"), meta.get("originName")
    return (kind if isinstance(kind, str) else None, name if isinstance(name, str) else None)


def build_timeline(store: EventStore) -> Timeline:
    """The timeline of everything in `store` (see the module docstring)."""
    b = _Builder(store)
    b.transactions_and_instants()
    b.ticks()
    b.runs()
    b.flows()
    return b.tl
