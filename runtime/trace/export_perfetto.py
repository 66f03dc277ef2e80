"""Perfetto protobuf (`.pftrace`) through the `perfetto` package's trace protos (optional extra `perfetto`).

The same timeline as the Chrome export (timeline.py), as TrackEvent packets on one sequence:
- a clock snapshot first: the timestamps are epoch nanoseconds on the boot clock, and the snapshot says that boot
  time equals real time, so the UI shows the recording's real date rather than a boot-clock one;
- a process track per runtime; a thread track per instance lane and per runtime's ticks lane (no tid equals a
  pid, and the ticks lane has the lowest: the UI orders threads by tid);
  each action run and operation on its own child track of its process (they overlap), named `action-run <action>`
  or `operation <kind>`; counters on counter tracks. The process orders its children explicitly: ticks first,
  then the instance lanes, then runs and counters, as the Chrome export's sort indexes do;
- transactions and ticks as SLICE_BEGIN/SLICE_END on their lane (they nest per lane), runs as a begin/end pair;
  per track, events are written in the order they open and close, so a zero-length slice begins before it ends;
- flows as `flow_ids` on the slices they link (`terminating_flow_ids` on the last one); diagnostics and
  lifecycle events as INSTANT events; args as debug annotations (lists as arrays);
- event names, categories and annotation names interned (`interned_data`, defined by the first packet using them).
Every track is declared (TrackDescriptor) before its first event.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from runtime.errors import PerfettoUnavailable
from runtime.trace.columnar import EventStore
from runtime.trace.timeline import Timeline, build_timeline

__all__ = ["PERFETTO_SUFFIX", "perfetto_packets", "write_perfetto_trace"]

PERFETTO_SUFFIX = ".pftrace"
_SEQ = 1
_RUN_RANK = 1_000_000
"""Runs and counters rank after every lane of their process."""


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
        _set_value(ann, value)


def _set_value(ann: Any, value: Any) -> None:
    if isinstance(value, bool):
        ann.bool_value = value
    elif isinstance(value, int):
        ann.int_value = value
    elif isinstance(value, float):
        ann.double_value = value
    elif isinstance(value, (list, tuple)) and value:
        for item in value:
            _set_value(ann.array_values.add(), item)
    else:
        ann.string_value = str(value)


def write_perfetto_trace(store: EventStore, path: str | os.PathLike[str]) -> int:
    """Write `store` as a Perfetto trace to `path`; returns the number of packets."""
    pb = _protos()
    tl = build_timeline(store)
    packets = perfetto_packets(tl)
    with open(path, "wb") as out:
        trace = pb.Trace()
        for n, packet in enumerate(packets, start=1):
            trace.packet.append(packet)
            if n % 10_000 == 0:  # a Trace is a repeated field: concatenated serialisations are one valid Trace
                out.write(trace.SerializeToString())
                trace = pb.Trace()
        out.write(trace.SerializeToString())
    return len(packets)


def _clock_snapshot(pb: Any, base_ns: int) -> Any:
    packet = pb.TracePacket()
    packet.trusted_packet_sequence_id = _SEQ
    packet.first_packet_on_sequence = True
    packet.sequence_flags = pb.TracePacket.SEQ_INCREMENTAL_STATE_CLEARED
    snapshot = packet.clock_snapshot
    for clock in (pb.BUILTIN_CLOCK_BOOTTIME, pb.BUILTIN_CLOCK_REALTIME):
        c = snapshot.clocks.add()
        c.clock_id, c.timestamp = clock, base_ns
    snapshot.primary_trace_clock = pb.BUILTIN_CLOCK_BOOTTIME
    return packet


def _descriptor(pb: Any, uuid: int, **fields: Any) -> Any:
    """A TrackDescriptor packet: `process=(pid, name)`, `thread=(pid, tid, name)`, `counter=True`, or plain
    descriptor fields (parent_uuid, name, sibling_order_rank, child_ordering)."""
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
    explicit = pb.TrackDescriptor.EXPLICIT
    tracks.process = [1_000 + i for i in range(len(tl.runtimes))]
    for i, label in enumerate(tl.runtimes):
        out.append(_descriptor(pb, tracks.process[i], process=(tl.pid(i), f"runtime {label}"),
                               child_ordering=explicit))
    tracks.lane = [100_000 + lane.index for lane in tl.lanes]
    tids = tl.tids()
    for lane in tl.lanes:
        out.append(_descriptor(pb, tracks.lane[lane.index], parent_uuid=tracks.process[lane.runtime],
                               thread=(tl.pid(lane.runtime), tids[lane.index], lane.name),
                               sibling_order_rank=0 if lane.instance_id is None else lane.index + 1))
    tracks.run = [10_000_000 + k for k in range(len(tl.runs))]
    for k, run in enumerate(tl.runs):
        out.append(_descriptor(pb, tracks.run[k], parent_uuid=tracks.process[run.runtime],
                               name=f"{run.cat} {run.name}", sibling_order_rank=_RUN_RANK + k))
    for c in tl.counters:
        key = (c.runtime, c.name)
        if key not in tracks.counter:
            tracks.counter[key] = 50_000_000 + len(tracks.counter)
            out.append(_descriptor(pb, tracks.counter[key], parent_uuid=tracks.process[c.runtime], name=c.name,
                                   counter=True, sibling_order_rank=2 * _RUN_RANK + len(tracks.counter)))
    return tracks


def perfetto_packets(tl: Timeline) -> list[Any]:
    """Every TracePacket of a timeline: the clock snapshot, the track descriptors, then the events in time order."""
    pb = _protos()
    base_ns = round(tl.base_ms * 1000) * 1000  # whole microseconds: what the events carry, and exact in a float

    tracks = _tracks(pb, tl)
    flows_of: dict[int, list[tuple[int, bool]]] = {}
    for flow in tl.flows:
        last = len(flow.slices) - 1
        for k, sidx in enumerate(flow.slices):
            flows_of.setdefault(sidx, []).append((flow.flow_id, k == last))

    timed: list[tuple[int, Any]] = []
    """(ts, packet), each track's events in the order they open and close; a stable sort by time keeps that order
    among a track's events at equal times (an end before the next begin, a zero-length slice's begin before its
    end)."""

    def event(ts_us: int, etype: int, track: int, name: str | None = None, cat: str | None = None) -> Any:
        packet = pb.TracePacket()
        packet.timestamp = base_ns + ts_us * 1000
        packet.trusted_packet_sequence_id = _SEQ
        packet.sequence_flags = pb.TracePacket.SEQ_NEEDS_INCREMENTAL_STATE
        te = packet.track_event
        te.type = etype
        te.track_uuid = track
        if name is not None:
            te.name = name
        if cat:
            te.categories.append(cat)
        timed.append((ts_us, packet))
        return te

    TE = pb.TrackEvent
    lane_uuid, run_uuid = tracks.lane, tracks.run
    for sidx, sl in enumerate(tl.slices):
        begin = event(sl.start_us, TE.TYPE_SLICE_BEGIN, lane_uuid[sl.lane], sl.name, sl.cat)
        _annotate(begin, sl.args)
        for flow_id, terminating in flows_of.get(sidx, ()):
            (begin.terminating_flow_ids if terminating else begin.flow_ids).append(flow_id)
        event(sl.start_us + sl.dur_us, TE.TYPE_SLICE_END, lane_uuid[sl.lane])
    for k, run in enumerate(tl.runs):
        begin = event(run.begin_us, TE.TYPE_SLICE_BEGIN, run_uuid[k], run.name, run.cat)
        _annotate(begin, run.args)
        event(max(run.end_us, run.begin_us), TE.TYPE_SLICE_END, run_uuid[k])
    for c in tl.counters:
        te = event(c.ts_us, TE.TYPE_COUNTER, tracks.counter[(c.runtime, c.name)])
        te.double_counter_value = c.value
    for inst in tl.instants:
        te = event(inst.ts_us, TE.TYPE_INSTANT, lane_uuid[inst.lane], inst.name, inst.cat)
        _annotate(te, inst.args)
    timed.sort(key=lambda item: item[0])
    events = [p for _, p in timed]
    _intern(events)
    return [_clock_snapshot(pb, base_ns), *tracks.packets, *events]


def _intern(packets: Iterable[Any]) -> None:
    """Replace names, categories and annotation names by interned ids, each defined in the first packet (in
    file order) that uses it."""
    tables: dict[str, dict[str, int]] = {"event_names": {}, "event_categories": {}, "debug_annotation_names": {}}

    def iid(packet: Any, table: str, text: str) -> int:
        ids = tables[table]
        found = ids.get(text)
        if found is None:
            found = ids[text] = len(ids) + 1
            entry = getattr(packet.interned_data, table).add()
            entry.iid, entry.name = found, text
        return found

    for packet in packets:
        te = packet.track_event
        if te.HasField("name"):
            te.name_iid = iid(packet, "event_names", te.name)  # setting the iid clears the name (a oneof)
        if te.categories:
            cats = list(te.categories)
            del te.categories[:]
            te.category_iids.extend(iid(packet, "event_categories", c) for c in cats)
        for ann in te.debug_annotations:
            if ann.HasField("name"):
                ann.name_iid = iid(packet, "debug_annotation_names", ann.name)
