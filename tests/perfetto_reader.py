"""A Perfetto protobuf trace read as the trace processor reads TrackEvents, with the Perfetto protos.

Per sequence: incremental state must be cleared before a packet that needs it, and an interned id must be defined
(by this packet or an earlier one) before it is used. Events must name a declared track. Packets are sorted by
timestamp, stably (the order of one sequence's packets at equal times stays); then, per track, a begin opens a
slice and an end closes the innermost open one. An end with nothing open, or a slice still open at the end of the
trace (Perfetto shows it as never finishing), is a problem.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb

__all__ = ["PfSlice", "PfTrack", "Reading", "read_packets", "read_pftrace"]

_TABLES = ("event_names", "event_categories", "debug_annotation_names")


@dataclass(frozen=True, slots=True)
class PfTrack:
    uuid: int
    name: str
    parent: int
    rank: int
    pid: int | None = None
    tid: int | None = None
    child_ordering: int = 0


@dataclass(frozen=True, slots=True)
class PfSlice:
    track: int
    name: str
    category: str
    ts: int
    dur: int
    args: dict[str, Any]


@dataclass(slots=True)
class Reading:
    tracks: dict[int, PfTrack] = field(default_factory=dict)
    slices: list[PfSlice] = field(default_factory=list)
    counters: list[tuple[int, int, float]] = field(default_factory=list)
    instants: list[PfSlice] = field(default_factory=list)
    clocks: dict[int, int] = field(default_factory=dict)
    """clock id -> its timestamp in the clock snapshot."""
    literal_names: int = 0
    """Events naming themselves with a string instead of an interned id."""
    problems: list[str] = field(default_factory=list)


def read_pftrace(raw: bytes) -> Reading:
    return read_packets(list(pb.Trace.FromString(raw).packet))


def read_packets(packets: list[Any]) -> Reading:
    out = Reading()
    interned: dict[int, dict[str, dict[int, str]]] = {}
    decoded: list[tuple[int, int, Any, dict[str, Any]]] = []  # (ts, file order, packet, resolved names)
    for order, p in enumerate(packets):
        seq = p.trusted_packet_sequence_id
        if p.sequence_flags & pb.TracePacket.SEQ_INCREMENTAL_STATE_CLEARED:
            interned[seq] = {t: {} for t in _TABLES}
        tables = interned.get(seq)
        if p.HasField("interned_data"):
            if tables is None:
                out.problems.append(f"packet {order} interns data before its sequence cleared incremental state")
                continue
            for t in _TABLES:
                tables[t].update((e.iid, e.name) for e in getattr(p.interned_data, t))
        if p.HasField("clock_snapshot"):
            out.clocks.update((c.clock_id, c.timestamp) for c in p.clock_snapshot.clocks)
        if p.HasField("track_descriptor"):
            _declare(out, p.track_descriptor)
        if p.HasField("track_event"):
            if p.sequence_flags & pb.TracePacket.SEQ_NEEDS_INCREMENTAL_STATE and tables is None:
                out.problems.append(f"packet {order} needs incremental state that was never cleared")
                continue
            decoded.append((p.timestamp, order, p, _resolve(out, order, p.track_event, tables)))
    decoded.sort(key=lambda d: d[0])
    _slices(out, decoded)
    return out


def _declare(out: Reading, d: Any) -> None:
    name = d.name
    pid = tid = None
    if d.HasField("process"):
        name, pid = d.process.process_name, d.process.pid
    if d.HasField("thread"):
        name, pid, tid = d.thread.thread_name, d.thread.pid, d.thread.tid
    out.tracks[d.uuid] = PfTrack(d.uuid, name, d.parent_uuid, d.sibling_order_rank, pid, tid, d.child_ordering)


def _lookup(out: Reading, order: int, tables: dict[str, dict[int, str]] | None, table: str, iid: int) -> str:
    text = (tables or {}).get(table, {}).get(iid)
    if text is None:
        out.problems.append(f"packet {order} uses {table} iid {iid}, which is not defined before it")
        return "?"
    return text


def _value(ann: Any) -> Any:
    if ann.array_values:
        return [_value(a) for a in ann.array_values]
    kind = ann.WhichOneof("value")
    return getattr(ann, kind) if kind else None


def _resolve(out: Reading, order: int, te: Any, tables: dict[str, dict[int, str]] | None) -> dict[str, Any]:
    if te.HasField("name"):
        out.literal_names += 1
        name = te.name
    elif te.HasField("name_iid"):
        name = _lookup(out, order, tables, "event_names", te.name_iid)
    else:
        name = ""
    cats = list(te.categories) + [_lookup(out, order, tables, "event_categories", i) for i in te.category_iids]
    args = {}
    for ann in te.debug_annotations:
        key = ann.name if ann.HasField("name") else _lookup(out, order, tables, "debug_annotation_names",
                                                             ann.name_iid)
        args[key] = _value(ann)
    return {"name": name, "category": ",".join(cats), "args": args}


def _slices(out: Reading, decoded: list[tuple[int, int, Any, dict[str, Any]]]) -> None:
    TE = pb.TrackEvent
    open_: dict[int, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for ts, order, p, names in decoded:
        te = p.track_event
        track = te.track_uuid
        if track not in out.tracks:
            out.problems.append(f"packet {order} uses track {track} before it is declared")
            continue
        if te.type == TE.TYPE_SLICE_BEGIN:
            open_[track].append((ts, names))
        elif te.type == TE.TYPE_SLICE_END:
            if not open_[track]:
                out.problems.append(f"packet {order}: an end at {ts} on {out.tracks[track].name!r} with no open slice")
                continue
            begin_ts, b = open_[track].pop()
            out.slices.append(PfSlice(track, b["name"], b["category"], begin_ts, ts - begin_ts, b["args"]))
        elif te.type == TE.TYPE_INSTANT:
            out.instants.append(PfSlice(track, names["name"], names["category"], ts, 0, names["args"]))
        elif te.type == TE.TYPE_COUNTER:
            out.counters.append((track, ts, te.double_counter_value))
    for track, stack in open_.items():
        for ts, b in stack:
            out.problems.append(f"{b['name']!r} on {out.tracks[track].name!r} begins at {ts} and never finishes")
