"""Chrome Trace Event JSON (object form): readable by Perfetto, chrome://tracing, Tracy's importer, Qt Creator.

`{"traceEvents": [...], "displayTimeUnit": "ms", "otherData": {...}}` with, per the timeline (timeline.py):
- `M` process_name / thread_name (and sort indexes): one process per runtime, one thread per instance lane and a
  `ticks` thread per runtime; every pid and tid used is named.
- `X` complete events for transactions and ticks (nested per thread: each lane's slices never overlap).
- `b`/`e` async pairs with ids for action runs (cat `action-run`) and operations (cat `operation`): they overlap,
  so they cannot be nested slices.
- `s`/`t`/`f` flows (cat `flow`, `f` binds to its enclosing slice) linking a linkId's transactions and ticks.
- `C` counters: dirty roots per instance, queue depth per runtime. `i` instants: diagnostics and lifecycle events.
`ts`/`dur` are microseconds since the first event; `otherData.baseTimestampMs` keeps the epoch of that origin.
The output is written in batches, so a large trace never sits in memory as one list of dicts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO, Any

import orjson

from runtime.trace.columnar import EventStore
from runtime.trace.timeline import Timeline, build_timeline

__all__ = ["chrome_events", "write_chrome_trace"]

_BATCH = 20_000


def chrome_events(tl: Timeline) -> Iterator[dict[str, Any]]:
    """The trace events of a timeline, metadata first."""
    for i, label in enumerate(tl.runtimes):
        pid = i + 1
        yield {"ph": "M", "pid": pid, "tid": 0, "name": "process_name", "args": {"name": f"runtime {label}"}}
        yield {"ph": "M", "pid": pid, "tid": 0, "name": "process_sort_index", "args": {"sort_index": pid}}
    for lane in tl.lanes:
        pid, tid = lane.runtime + 1, lane.index + 1
        yield {"ph": "M", "pid": pid, "tid": tid, "name": "thread_name", "args": {"name": lane.name}}
        yield {"ph": "M", "pid": pid, "tid": tid, "name": "thread_sort_index",
               "args": {"sort_index": -1 if lane.instance_id is None else tid}}
    lanes = tl.lanes
    for sl in tl.slices:
        yield {"ph": "X", "pid": lanes[sl.lane].runtime + 1, "tid": sl.lane + 1, "ts": sl.start_us, "dur": sl.dur_us,
               "name": sl.name, "cat": sl.cat, "args": sl.args}
    for run in tl.runs:
        common = {"pid": run.runtime + 1, "tid": run.lane + 1, "cat": run.cat, "id": run.run_id, "name": run.name}
        yield {"ph": "b", "ts": run.begin_us, "args": run.args, **common}
        yield {"ph": "e", "ts": max(run.end_us, run.begin_us), **common}
    for flow in tl.flows:
        last = len(flow.points) - 1
        for k, (lane_index, ts) in enumerate(flow.points):
            ev: dict[str, Any] = {"ph": "s" if k == 0 else ("f" if k == last else "t"), "id": flow.flow_id,
                                  "cat": "flow", "name": f"link {flow.link_id}", "pid": lanes[lane_index].runtime + 1,
                                  "tid": lane_index + 1, "ts": ts}
            if k == last:
                ev["bp"] = "e"
            yield ev
    for c in tl.counters:
        yield {"ph": "C", "pid": c.runtime + 1, "tid": 0, "name": c.name, "ts": c.ts_us, "args": {"value": c.value}}
    for inst in tl.instants:
        yield {"ph": "i", "s": "t", "pid": lanes[inst.lane].runtime + 1, "tid": inst.lane + 1, "ts": inst.ts_us,
               "name": inst.name, "cat": inst.cat, "args": inst.args}


def _write(out: IO[bytes], tl: Timeline, other: dict[str, Any]) -> int:
    out.write(b'{"displayTimeUnit":"ms","otherData":' + orjson.dumps(other) + b',"traceEvents":[')
    count = 0
    batch: list[dict[str, Any]] = []
    for ev in chrome_events(tl):
        batch.append(ev)
        if len(batch) >= _BATCH:
            out.write((b"," if count else b"") + orjson.dumps(batch)[1:-1])
            count += len(batch)
            batch.clear()
    if batch:
        out.write((b"," if count else b"") + orjson.dumps(batch)[1:-1])
        count += len(batch)
    out.write(b"]}")
    return count


def write_chrome_trace(store: EventStore, path: str | os.PathLike[str]) -> int:
    """Write the Chrome Trace Event JSON of `store` to `path`; returns the number of trace events."""
    tl = build_timeline(store)
    header = store.header or {}
    other = {"tool": "tickscope", "runId": header.get("runId"), "baseTimestampMs": tl.base_ms,
             "events": len(store)}
    with open(path, "wb") as out:
        return _write(out, tl, other)
