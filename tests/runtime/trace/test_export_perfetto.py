"""The Perfetto protobuf export, read with the Perfetto protos as the trace processor reads it (perfetto_reader)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb
from perfetto_reader import read_packets, read_pftrace
from trace_samples import record_rich

from runtime.trace import load_trace, write_perfetto_trace
from runtime.trace.export_perfetto import perfetto_packets
from runtime.trace.timeline import Lane, Run, Slice, Timeline, build_timeline


@pytest.fixture
def rich(tmp_path: Path):
    return load_trace(record_rich(tmp_path / "rich.jsonl"))


def test_the_export_reads_back_whole(rich, tmp_path):
    out = tmp_path / "rich.pftrace"
    count = write_perfetto_trace(rich, out)
    raw = out.read_bytes()
    assert len(pb.Trace.FromString(raw).packet) == count
    reading = read_pftrace(raw)
    assert reading.problems == []
    cats = Counter(s.category for s in reading.slices)
    assert cats["transaction"] == len(rich.index.state_rows())
    assert cats["tick"] == rich.index.tick_count() and cats["action-run"] == 6
    threads = [t for t in reading.tracks.values() if t.tid is not None]
    assert {t.name for t in threads} == {"form#1", "ticks"}
    assert all(t.tid != t.pid for t in threads)  # no lane is badged the process's main thread
    trace = pb.Trace.FromString(raw)
    flow_ids = {f for p in trace.packet for f in p.track_event.flow_ids}
    terminating = {f for p in trace.packet for f in p.track_event.terminating_flow_ids}
    assert flow_ids and flow_ids == terminating  # every flow started is terminated


def test_names_are_interned_and_say_what_a_slice_is(rich, tmp_path):
    out = tmp_path / "rich.pftrace"
    write_perfetto_trace(rich, out)
    reading = read_pftrace(out.read_bytes())
    assert reading.literal_names == 0
    ticks = [s for s in reading.slices if s.category == "tick"]
    assert {s.name for s in ticks} == {"tick"} and all(isinstance(s.args["tickSeq"], int) for s in ticks)
    names = Counter(s.name for s in reading.slices if s.category == "transaction")
    assert names == {"add_item": 5, "set_first": 4, "set_email": 1, "lifecycle:mount": 1}  # one name per cause


def test_the_clock_snapshot_gives_the_recordings_real_time(rich, tmp_path):
    out = tmp_path / "rich.pftrace"
    write_perfetto_trace(rich, out)
    reading = read_pftrace(out.read_bytes())
    boot, real = reading.clocks[pb.BUILTIN_CLOCK_BOOTTIME], reading.clocks[pb.BUILTIN_CLOCK_REALTIME]
    assert boot == real == round(rich.ts[0] * 1000) * 1000
    assert min(s.ts for s in reading.slices) >= boot


def test_lanes_are_ordered_ticks_first_as_in_the_json(rich):
    reading = read_packets(perfetto_packets(build_timeline(rich)))
    process = next(t for t in reading.tracks.values() if t.pid is not None and t.tid is None)
    assert process.child_ordering == pb.TrackDescriptor.EXPLICIT
    children = sorted((t for t in reading.tracks.values() if t.parent == process.uuid), key=lambda t: t.rank)
    assert [t.name for t in children[:2]] == ["ticks", "form#1"]
    assert all(t.name.startswith("action-run ") for t in children[2:8])
    threads = sorted((t for t in children if t.tid is not None), key=lambda t: t.tid)
    assert [t.name for t in threads] == ["ticks", "form#1"]  # the UI orders threads by tid, whatever the ranks say


def zero_length_timeline() -> Timeline:
    tl = Timeline(1_000.0, runtimes=["r"], lanes=[Lane(0, 0, "a#1", "a#1")])
    tl.slices += [Slice(0, 0, 10, "tick", "tick", {}), Slice(0, 10, 0, "set", "transaction", {}),
                  Slice(0, 10, 5, "tick", "tick", {})]
    tl.runs.append(Run(0, 0, "operation", "cmd-1", "draft.save", 7, 7,
                       {"commandId": "cmd-1", "stages": ["operation:submitted"]}))
    return tl


def test_a_zero_length_slice_begins_before_it_ends():
    reading = read_packets(perfetto_packets(zero_length_timeline()))
    assert reading.problems == []
    got = sorted((s.name, s.ts - 1_000_000_000, s.dur) for s in reading.slices)
    assert got == [("draft.save", 7_000, 0), ("set", 10_000, 0), ("tick", 0, 10_000), ("tick", 10_000, 5_000)]


def test_the_reader_catches_an_end_written_before_its_begin():
    packets = perfetto_packets(zero_length_timeline())
    run = [i for i, p in enumerate(packets) if p.track_event.track_uuid >= 10_000_000]
    begin, end = run
    packets[begin], packets[end] = packets[end], packets[begin]
    problems = read_packets(packets).problems
    assert any("with no open slice" in p for p in problems) and any("never finishes" in p for p in problems)


def test_operations_keep_their_kind_and_stages():
    reading = read_packets(perfetto_packets(zero_length_timeline()))
    (op,) = [s for s in reading.slices if s.category == "operation"]
    assert reading.tracks[op.track].name == "operation draft.save"
    assert op.args["stages"] == ["operation:submitted"] and op.args["commandId"] == "cmd-1"
