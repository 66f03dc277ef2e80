"""Chrome Trace Event JSON (object form): read by the Perfetto UI, chrome://tracing (Catapult) and speedscope.

`{"traceEvents": [...], "displayTimeUnit": "ms", "otherData": {...}}` with, per the timeline (timeline.py):
- `M` process_name / thread_name (and sort indexes): one process per runtime, one thread per instance lane and a
  `ticks` thread per runtime; every pid and tid used is named, and no tid equals a pid (a viewer would badge that
  lane "main thread").
- `B`/`E` pairs for transactions and ticks (nested per thread: each lane's slices never overlap). The begin has no
  args and the end carries them (Perfetto and Catapult merge an end's args into its slice): speedscope keys a frame
  by its begin's name and args, so args on the begin would make every slice a frame of its own.
- `b`/`e` async pairs with process-local ids (`id2.local`) for action runs (cat `action-run`) and operations (cat
  `operation`): they overlap, so they cannot be nested slices, and a global id would move them out of their
  runtime's process into Perfetto's "Global Legacy Events".
- `s`/`t`/`f` flows (cat `flow`, `f` binds to its enclosing slice) linking a linkId's transactions and ticks.
- `C` counters on the lane they describe: dirty roots per instance, queue depth per runtime. `i` instants:
  diagnostics and lifecycle events.
`ts` are whole microseconds since the first event; `otherData.baseTimestampMs` keeps the epoch of that origin.
speedscope picks its importer by file name first: a name ending in `.chrome.json` is read as a DevTools profile
and fails, so exports are named `*.trace.json` (see `CHROME_SUFFIX`).
The output is written in batches, so a large trace never sits in memory as one list of dicts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO, Any

import orjson

from runtime.trace.columnar import EventStore
from runtime.trace.timeline import Timeline, build_timeline

__all__ = ["CHROME_SUFFIX", "chrome_events", "write_chrome_trace"]

CHROME_SUFFIX = ".trace.json"
"""The file name ending every viewer reads as Trace Event JSON."""

_BATCH = 20_000


def chrome_events(tl: Timeline) -> Iterator[dict[str, Any]]:
    """The trace events of a timeline, metadata first."""
    pid, tids = tl.pid, tl.tids()
    for i, label in enumerate(tl.runtimes):
        yield {"ph": "M", "pid": pid(i), "tid": 0, "name": "process_name", "args": {"name": f"runtime {label}"}}
        yield {"ph": "M", "pid": pid(i), "tid": 0, "name": "process_sort_index", "args": {"sort_index": pid(i)}}
    for lane in tl.lanes:
        where = {"pid": pid(lane.runtime), "tid": tids[lane.index]}
        yield {"ph": "M", **where, "name": "thread_name", "args": {"name": lane.name}}
        yield {"ph": "M", **where, "name": "thread_sort_index",
               "args": {"sort_index": -1 if lane.instance_id is None else lane.index + 1}}
    lanes = tl.lanes
    for sl in tl.slices:
        common = {"pid": pid(lanes[sl.lane].runtime), "tid": tids[sl.lane], "name": sl.name, "cat": sl.cat}
        yield {"ph": "B", "ts": sl.start_us, **common}
        yield {"ph": "E", "ts": sl.start_us + sl.dur_us, **common, "args": sl.args}
    for run in tl.runs:
        common = {"pid": pid(run.runtime), "tid": tids[run.lane], "cat": run.cat, "id2": {"local": run.run_id},
                  "name": run.name}
        yield {"ph": "b", "ts": run.begin_us, "args": run.args, **common}
        yield {"ph": "e", "ts": max(run.end_us, run.begin_us), **common}
    for flow in tl.flows:
        last = len(flow.points) - 1
        for k, (lane_index, ts) in enumerate(flow.points):
            ev: dict[str, Any] = {"ph": "s" if k == 0 else ("f" if k == last else "t"), "id": flow.flow_id,
                                  "cat": "flow", "name": "link", "pid": pid(lanes[lane_index].runtime),
                                  "tid": tids[lane_index], "ts": ts, "args": {"linkId": flow.link_id}}
            if k == last:
                ev["bp"] = "e"
            yield ev
    for c in tl.counters:
        yield {"ph": "C", "pid": pid(c.runtime), "tid": tids[c.lane], "name": c.name, "ts": c.ts_us,
               "args": {"value": c.value}}
    for inst in tl.instants:
        yield {"ph": "i", "s": "t", "pid": pid(lanes[inst.lane].runtime), "tid": tids[inst.lane], "ts": inst.ts_us,
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
