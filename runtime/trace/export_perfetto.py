"""Perfetto protobuf (`.pftrace`) through the `perfetto` package's trace protos (optional extra `perfetto`).

The same timeline as the Chrome export (timeline.py), as TrackEvent packets:
- a process track per runtime, a thread track per instance lane and per runtime's ticks lane;
- transactions and ticks as SLICE_BEGIN/SLICE_END on their lane (they nest per lane);
- each action run and operation on its own child track of its process (they overlap), as a begin/end pair;
- flows as `flow_ids` on the slices they link (`terminating_flow_ids` on the last one);
- counters on counter tracks; diagnostics and lifecycle events as INSTANT events.
Every track is declared (TrackDescriptor) before its first event; timestamps are epoch nanoseconds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from runtime.errors import PerfettoUnavailable
from runtime.trace.columnar import EventStore
from runtime.trace.timeline import Timeline, build_timeline

__all__ = ["write_perfetto_trace"]

_SEQ = 1


def _protos() -> Any:
    try:
        from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb
    except ImportError as exc:
        raise PerfettoUnavailable(
            "the Perfetto export needs the optional package `perfetto`: pip install 'tickscope[perfetto]'"
        ) from exc
    return pb


def _annotate(event: Any, args: dict[str, Any]) -> None:
    for key, value in args.items():
        if value is None:
            continue
        ann = event.debug_annotations.add()
        ann.name = key
        if isinstance(value, bool):
            ann.bool_value = value
        elif isinstance(value, int):
            ann.int_value = value
        elif isinstance(value, float):
            ann.double_value = value
        else:
            ann.string_value = str(value)


def write_perfetto_trace(store: EventStore, path: str | os.PathLike[str]) -> int:
    """Write `store` as a Perfetto trace to `path`; returns the number of packets."""
    pb = _protos()
    tl = build_timeline(store)
    packets = _packets(pb, tl)
    with open(path, "wb") as out:
        trace = pb.Trace()
        for n, packet in enumerate(packets, start=1):
            trace.packet.append(packet)
            if n % 10_000 == 0:  # a Trace is a repeated field: concatenated serialisations are one valid Trace
                out.write(trace.SerializeToString())
                trace = pb.Trace()
        out.write(trace.SerializeToString())
    return len(packets)


def _descriptor(pb: Any, uuid: int, **fields: Any) -> Any:
    """A TrackDescriptor packet: `process=(pid, name)`, `thread=(pid, tid, name)`, `counter=True`, or plain
    descriptor fields (parent_uuid, name)."""
    packet = pb.TracePacket()
    packet.trusted_packet_sequence_id = _SEQ
    packet.track_descriptor.uuid = uuid
    for key, value in fields.items():
        if key == "process":
            packet.track_descriptor.process.pid, packet.track_descriptor.process.process_name = value
        elif key == "thread":
            t = packet.track_descriptor.thread
            t.pid, t.tid, t.thread_name = value
        elif key == "counter":
            packet.track_descriptor.counter.SetInParent()
        else:
            setattr(packet.track_descriptor, key, value)
    return packet


@dataclass(slots=True)
class _Tracks:
    """Every track of a timeline, declared: the descriptor packets and the uuid of each process, lane, run and
    counter."""

    packets: list[Any] = field(default_factory=list)
    process: list[int] = field(default_factory=list)
    lane: list[int] = field(default_factory=list)
    run: list[int] = field(default_factory=list)
    counter: dict[tuple[int, str], int] = field(default_factory=dict)


def _tracks(pb: Any, tl: Timeline) -> _Tracks:
    tracks = _Tracks()
    out = tracks.packets
    tracks.process = [1_000 + i for i in range(len(tl.runtimes))]
    for i, label in enumerate(tl.runtimes):
        out.append(_descriptor(pb, tracks.process[i], process=(i + 1, f"runtime {label}")))
    tracks.lane = [100_000 + lane.index for lane in tl.lanes]
    for lane in tl.lanes:
        out.append(_descriptor(pb, tracks.lane[lane.index], parent_uuid=tracks.process[lane.runtime],
                               thread=(lane.runtime + 1, lane.index + 1, lane.name)))
    tracks.run = [10_000_000 + k for k in range(len(tl.runs))]
    for k, run in enumerate(tl.runs):
        out.append(_descriptor(pb, tracks.run[k], parent_uuid=tracks.process[run.runtime],
                               name=f"{run.cat} {run.name}"))
    for c in tl.counters:
        key = (c.runtime, c.name)
        if key not in tracks.counter:
            tracks.counter[key] = 50_000_000 + len(tracks.counter)
            out.append(_descriptor(pb, tracks.counter[key], parent_uuid=tracks.process[c.runtime], name=c.name,
                                   counter=True))
    return tracks


def _packets(pb: Any, tl: Timeline) -> list[Any]:
    """Every packet of the trace: the track descriptors first, then the events in time order (ends sort before
    begins at equal times)."""
    base_ns = int(tl.base_ms * 1_000_000)

    def ns(us: float) -> int:
        return base_ns + int(round(us * 1000))

    tracks = _tracks(pb, tl)
    flows_of: dict[int, list[tuple[int, bool]]] = {}
    for flow in tl.flows:
        last = len(flow.slices) - 1
        for k, sidx in enumerate(flow.slices):
            flows_of.setdefault(sidx, []).append((flow.flow_id, k == last))

    timed: list[tuple[int, int, Any]] = []  # (ts, order, packet)

    def event(ts: int, order: int, etype: int, track: int, name: str | None = None, cat: str | None = None) -> Any:
        packet = pb.TracePacket()
        packet.timestamp = ts
        packet.trusted_packet_sequence_id = _SEQ
        te = packet.track_event
        te.type = etype
        te.track_uuid = track
        if name is not None:
            te.name = name
        if cat:
            te.categories.append(cat)
        timed.append((ts, order, packet))
        return te

    TE = pb.TrackEvent
    lane_uuid, run_uuid = tracks.lane, tracks.run
    for sidx, sl in enumerate(tl.slices):
        begin = event(ns(sl.start_us), 1, TE.TYPE_SLICE_BEGIN, lane_uuid[sl.lane], sl.name, sl.cat)
        _annotate(begin, sl.args)
        for flow_id, terminating in flows_of.get(sidx, ()):
            (begin.terminating_flow_ids if terminating else begin.flow_ids).append(flow_id)
        event(ns(sl.start_us + sl.dur_us), 0, TE.TYPE_SLICE_END, lane_uuid[sl.lane])
    for k, run in enumerate(tl.runs):
        begin = event(ns(run.begin_us), 1, TE.TYPE_SLICE_BEGIN, run_uuid[k], run.name, run.cat)
        _annotate(begin, {key: v for key, v in run.args.items() if not isinstance(v, list)})
        event(ns(max(run.end_us, run.begin_us)), 0, TE.TYPE_SLICE_END, run_uuid[k])
    for c in tl.counters:
        te = event(ns(c.ts_us), 2, TE.TYPE_COUNTER, tracks.counter[(c.runtime, c.name)])
        te.double_counter_value = c.value
    for inst in tl.instants:
        te = event(ns(inst.ts_us), 2, TE.TYPE_INSTANT, lane_uuid[inst.lane], inst.name, inst.cat)
        _annotate(te, inst.args)
    timed.sort(key=lambda item: (item[0], item[1]))
    return tracks.packets + [p for _, _, p in timed]
