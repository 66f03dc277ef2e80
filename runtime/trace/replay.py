"""Replay: each instance's state at any event of a recorded trace, a cursor that steps and seeks, and a pacer.

    replay = Replay(store)
    replay.state_at("form#1", row)   -> ReplayState(state, status, txn_seq, source, reason)
    replay.states_at(row)            -> {instance_id: ReplayState} for every instance seen by then
    replay.seek(row); replay.seek_time(ts_ms); replay.step(+1 | -1, unit="event" | "txn" | "tick", instance_id=None)
    replay.cursor                    -> the current row (-1: before the first event)
    replay.capability()              -> "exact" (state:snapshot records present) | "projected" | "none"

"State at row i" is the state after event i happened. Sources, best first:
- a `state:snapshot` side record (written at diagnostics level full): the whole state, exact;
- the `state` of the instance's latest `state:update` event: exact unless the event carries a `downgrade` (the
  4 KB event budget cut something: at light/sampled level big states are cut), then status `cut`, with the reason;
- nothing recorded yet for the instance: status `unknown`, state None.
A `cut` state is returned for display but marked; the replay never fills gaps by guessing. States are the recorded
JSON values (tuples as `{"$tuple": [...]}`, sets as `{"$set": [...]}`; `untag()` turns them back into Python).
Same file, same answers: everything is computed from the rows alone.

ReplayPlayer drives the cursor in recorded time (or `speed` times faster) on an asyncio loop, calling back at most
about 60 times a second with the newest row due, so a million fast events never become a million callbacks. Idle
gaps longer than `skip_idle_ms` (recorded time) are skipped.
"""

from __future__ import annotations

import asyncio
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runtime.trace.columnar import EventStore
from runtime.trace.format import SNAPSHOT_TYPE
from runtime.trace.row_codes import FLAG_DOWNGRADE

__all__ = ["Replay", "ReplayState", "ReplayPlayer", "untag", "UNITS"]

UNITS = ("event", "txn", "tick")
_CACHE = 256


@dataclass(frozen=True, slots=True)
class ReplayState:
    """One instance's state at one row, and how far it can be trusted."""

    instance_id: str
    state: Any
    status: str
    """exact | cut | unknown."""
    txn_seq: int
    """The transaction whose committed state this is (0: the state at mount)."""
    source: str
    """snapshot | state:update | none."""
    reason: str | None = None
    """Why the state is not exact (None when it is)."""

    @property
    def exact(self) -> bool:
        return self.status == "exact"


def untag(value: Any) -> Any:
    """Recorded JSON back to Python values: `{"$tuple": [...]}` -> tuple, `{"$set": [...]}` -> set."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, inner),) = value.items()
            if key == "$tuple" and isinstance(inner, list):
                return tuple(untag(v) for v in inner)
            if key == "$set" and isinstance(inner, list):
                items = [untag(v) for v in inner]
                try:
                    return set(items)
                except TypeError:
                    return items  # unhashable members: keep them listed
        return {k: untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [untag(v) for v in value]
    return value


class _InstanceHistory:
    """Where one instance's states were recorded: state:update rows and snapshot records, in order."""

    __slots__ = ("state_rows", "state_txns", "snap_after", "snap_txns", "snap_index")

    def __init__(self) -> None:
        self.state_rows = array("q")
        self.state_txns = array("q")
        self.snap_after = array("q")
        self.snap_txns = array("q")
        self.snap_index = array("q")


class Replay:
    """States and a cursor over one store (see the module docstring)."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.cursor = -1
        self._hist: dict[int, _InstanceHistory] = {}
        self._states_upto = 0
        self._snaps_upto = 0
        self._cache: OrderedDict[tuple[str, int], Any] = OrderedDict()

    # -- what was recorded -----------------------------------------------------------------------------------------

    def _catch_up(self) -> None:
        s = self.store
        rows = s.index.state_rows()
        for k in range(self._states_upto, len(rows)):
            row = rows[k]
            h = self._hist.setdefault(s.instance[row], _InstanceHistory())
            h.state_rows.append(row)
            h.state_txns.append(s.txn[row])
        self._states_upto = len(rows)
        side = s.side(SNAPSHOT_TYPE)
        for k in range(self._snaps_upto, len(side)):
            inst = side.instance[k]
            if inst < 0 or side.txn[k] < 0:
                continue
            h = self._hist.setdefault(inst, _InstanceHistory())
            h.snap_after.append(side.after_row[k])
            h.snap_txns.append(side.txn[k])
            h.snap_index.append(k)
        self._snaps_upto = len(side)

    def capability(self) -> str:
        """exact: full-state snapshots were recorded; projected: only event states (may be cut); none: no states."""
        self._catch_up()
        if len(self.store.side(SNAPSHOT_TYPE)):
            return "exact"
        return "projected" if len(self.store.index.state_rows()) else "none"

    def instances(self) -> list[str]:
        return list(self.store.instances.values)

    # -- states ----------------------------------------------------------------------------------------------------

    def state_at(self, instance_id: str, row: int) -> ReplayState:
        """The state of `instance_id` after event `row` (row -1: before the first event)."""
        self._catch_up()
        s = self.store
        code = s.instances.find(instance_id)
        h = self._hist.get(code) if code is not None else None
        if h is None:
            return ReplayState(instance_id, None, "unknown", 0, "none",
                               f"the trace records no state of {instance_id}")
        i = bisect_right(h.state_rows, row) - 1
        j = bisect_right(h.snap_after, row + 1) - 1
        state_txn = h.state_txns[i] if i >= 0 else -1
        if j >= 0 and h.snap_txns[j] >= state_txn:
            k = h.snap_index[j]
            payload = self._decoded(("snap", k), lambda: s.side(SNAPSHOT_TYPE).payload(k))
            down = payload.get("downgrade")
            reason = None
            if isinstance(down, dict):
                reason = f"values JSON cannot hold were recorded as text ({down.get('reason')})"
            return ReplayState(instance_id, payload.get("state"), "exact", h.snap_txns[j], "snapshot", reason)
        if i < 0:
            return ReplayState(instance_id, None, "unknown", 0, "none",
                               f"no state of {instance_id} was recorded up to row {row}")
        srow = h.state_rows[i]
        meta = self._decoded(("row", srow), lambda: s.payload(srow).get("meta"))
        state = meta.get("state") if isinstance(meta, dict) else None
        if s.flags[srow] & FLAG_DOWNGRADE:
            down = s.payload(srow).get("downgrade", {})
            why = down.get("reason") if isinstance(down, dict) else None
            return ReplayState(instance_id, state, "cut", state_txn, "state:update",
                               f"the state:update event was cut to its 4 KB budget ({why or 'unknown'}); "
                               "record at diagnostics level full for exact states")
        return ReplayState(instance_id, state, "exact", state_txn, "state:update")

    def states_at(self, row: int) -> dict[str, ReplayState]:
        """Every instance that has a recorded state by `row`."""
        self._catch_up()
        out = {}
        for code, h in self._hist.items():
            if (h.state_rows and h.state_rows[0] <= row) or (h.snap_after and h.snap_after[0] <= row + 1):
                iid = self.store.instances.values[code]
                out[iid] = self.state_at(iid, row)
        return out

    def _decoded(self, key: tuple[str, int], load: Callable[[], Any]) -> Any:
        got = self._cache.get(key)
        if got is None:
            got = load()
            self._cache[key] = got
            if len(self._cache) > _CACHE:
                self._cache.popitem(last=False)
        return got

    # -- the cursor ------------------------------------------------------------------------------------------------

    def seek(self, row: int) -> int:
        """Move the cursor to `row` (clamped to -1 .. len-1); returns it."""
        self.cursor = max(-1, min(int(row), len(self.store) - 1))
        return self.cursor

    def seek_time(self, ts_ms: float) -> int:
        """Move to the last event at or before `ts_ms` (timestamps rise within one runtime)."""
        return self.seek(bisect_right(self.store.ts, ts_ms) - 1)

    def step(self, delta: int = 1, unit: str = "event", *, instance_id: str | None = None) -> int:
        """Move `delta` events, transactions (state:update rows) or ticks (tick end rows) forward or back."""
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
        if unit == "event" and instance_id is None:
            return self.seek(self.cursor + delta)
        marks = self._marks(unit, instance_id)
        pos = self.cursor
        for _ in range(abs(delta)):
            if delta > 0:
                k = bisect_right(marks, pos)
                if k >= len(marks):
                    break
            else:
                k = bisect_left(marks, pos) - 1
                if k < 0:
                    pos = -1
                    break
            pos = marks[k]
        return self.seek(pos)

    def _marks(self, unit: str, instance_id: str | None) -> Any:
        s = self.store
        if unit == "event":
            return s.index.rows_of_instance(instance_id or "")
        if unit == "txn":
            rows = s.index.state_rows()
            if instance_id is None:
                return rows
            code = s.instances.find(instance_id)
            return [r for r in rows if s.instance[r] == code]
        return [t.end_row for t in s.index.ticks()]


class ReplayPlayer:
    """Plays a Replay's cursor forward in recorded time on the running asyncio loop."""

    def __init__(self, replay: Replay, on_cursor: Callable[[int], None], *, speed: float = 1.0,
                 frame_s: float = 1 / 60, skip_idle_ms: float = 1000.0) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, not {speed}")
        self.replay = replay
        self.on_cursor = on_cursor
        self.speed = speed
        self.frame_s = frame_s
        self.skip_idle_ms = skip_idle_ms
        self._task: asyncio.Task[None] | None = None

    @property
    def playing(self) -> bool:
        return self._task is not None and not self._task.done()

    def play(self, until_row: int | None = None) -> asyncio.Task[None]:
        """Start playing from the cursor (to `until_row` or the end); returns the task (done when it stops)."""
        self.pause()
        self._task = asyncio.get_running_loop().create_task(self._run(until_row))
        return self._task

    def pause(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    async def _run(self, until_row: int | None) -> None:
        r = self.replay
        ts = r.store.ts
        last = len(r.store) - 1 if until_row is None else min(until_row, len(r.store) - 1)
        loop = asyncio.get_running_loop()
        if r.cursor >= last:
            return
        base_rec = ts[r.cursor + 1] if r.cursor + 1 <= last else ts[last]
        base_wall = loop.time()
        while r.cursor < last:
            now_rec = base_rec + (loop.time() - base_wall) * 1000.0 * self.speed
            nxt = ts[r.cursor + 1]
            if nxt - now_rec > self.skip_idle_ms:  # an idle stretch: jump over it
                base_rec, base_wall, now_rec = nxt, loop.time(), nxt
            target = min(bisect_right(ts, now_rec, r.cursor + 1, last + 1) - 1, last)
            if target > r.cursor:
                r.seek(target)
                self.on_cursor(target)
            if r.cursor >= last:
                break
            due = (ts[r.cursor + 1] - now_rec) / (1000.0 * self.speed)
            await asyncio.sleep(min(max(due, self.frame_s), 0.25))
