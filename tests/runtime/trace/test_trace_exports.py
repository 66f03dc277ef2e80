"""Exports: Chrome Trace Event JSON structure, Perfetto protobuf read back, EvidencePackage round trip."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import orjson
import pytest
from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb
from trace_samples import record_rich

from runtime.trace import (
    evidence_package,
    evidence_to_trace,
    load_evidence,
    load_trace,
    write_chrome_trace,
    write_evidence,
    write_perfetto_trace,
)


@pytest.fixture
def rich(tmp_path: Path):
    return load_trace(record_rich(tmp_path / "rich.jsonl"))


def chrome_structure_problems(doc: dict) -> list[str]:
    """Independent structure check of a Chrome trace: lanes named, X nested per thread, pairs and flows matched."""
    events = doc["traceEvents"]
    per_thread = defaultdict(list)
    for e in events:
        if e["ph"] == "X":
            per_thread[(e["pid"], e["tid"])].append(e)
    return (_naming_problems(events) + _nesting_problems(per_thread) + _pair_problems(events)
            + _flow_problems(events, per_thread))


def _naming_problems(events: list[dict]) -> list[str]:
    problems = []
    named_pids = {e["pid"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    named_tids = {(e["pid"], e["tid"]) for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    for e in events:
        if e["ph"] == "M":
            continue
        if e["pid"] not in named_pids:
            problems.append(f"pid {e['pid']} has no process_name")
        if e["ph"] in "Xbestfi" and (e["pid"], e["tid"]) not in named_tids:
            problems.append(f"tid {e['pid']}/{e['tid']} has no thread_name")
    return problems


def _nesting_problems(per_thread: dict[tuple, list[dict]]) -> list[str]:
    problems = []
    for key, xs in per_thread.items():
        stack: list[float] = []
        for e in sorted(xs, key=lambda e: (e["ts"], -e["dur"])):
            while stack and e["ts"] >= stack[-1]:
                stack.pop()
            if stack and e["ts"] + e["dur"] > stack[-1]:
                problems.append(f"X {e['name']} on {key} overlaps its parent without nesting")
            stack.append(e["ts"] + e["dur"])
    return problems


def _pair_problems(events: list[dict]) -> list[str]:
    pairs = defaultdict(list)
    for e in events:
        if e["ph"] in "be":
            pairs[(e["cat"], e["id"])].append(e)
    problems = []
    for key, evs in pairs.items():
        phases = [e["ph"] for e in sorted(evs, key=lambda e: (e["ts"], e["ph"] == "e"))]
        if phases != ["b", "e"]:
            problems.append(f"async {key} is not one b/e pair: {phases}")
    return problems


def _flow_problems(events: list[dict], per_thread: dict[tuple, list[dict]]) -> list[str]:
    flows = defaultdict(list)
    for e in events:
        if e["ph"] in "stf":
            flows[e["id"]].append(e)
    problems = []
    for fid, evs in flows.items():
        kinds = Counter(e["ph"] for e in evs)
        if kinds["s"] != 1 or kinds["f"] != 1:
            problems.append(f"flow {fid} has {dict(kinds)}")
        for e in evs:  # a flow point binds to a slice that encloses it on its thread
            if not any(x["ts"] <= e["ts"] <= x["ts"] + x["dur"] for x in per_thread[(e["pid"], e["tid"])]):
                problems.append(f"flow {fid} point at {e['ts']} is in no slice")
    return problems


def test_chrome_export_has_the_structure_the_viewers_need(rich, tmp_path):
    out = tmp_path / "rich.json"
    count = write_chrome_trace(rich, out)
    doc = orjson.loads(out.read_bytes())
    assert len(doc["traceEvents"]) == count and doc["displayTimeUnit"] == "ms"
    assert chrome_structure_problems(doc) == []
    events = doc["traceEvents"]
    thread_names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert thread_names == {"form#1", "ticks"}
    txns = [e for e in events if e["ph"] == "X" and e["cat"] == "transaction"]
    ticks = [e for e in events if e["ph"] == "X" and e["cat"] == "tick"]
    assert len(txns) == len(rich.index.state_rows()) and len(ticks) == rich.index.tick_count()
    runs = {e["id"]: e for e in events if e["ph"] == "b" and e["cat"] == "action-run"}
    assert len(runs) == 6
    statuses = [runs[k]["args"]["status"] for k in sorted(runs, key=lambda k: runs[k]["ts"])]
    assert statuses == ["success", "cancelled", "success", "success", "success", "unfinished"]
    begins = sorted((e["ts"], e["id"]) for e in events if e["ph"] == "b")
    ends = {e["id"]: e["ts"] for e in events if e["ph"] == "e"}
    assert any(ends[a] > b_ts for (_, a), (b_ts, _) in zip(begins, begins[1:], strict=False))  # the runs do overlap
    assert {e["name"] for e in events if e["ph"] == "C"} >= {"dirty roots form#1", "queue depth"}
    assert any(e["ph"] == "s" for e in events)


def test_chrome_structure_check_catches_broken_traces():
    """The checker used above fails on what it must reject (so passing it means something)."""
    base = [{"ph": "M", "pid": 1, "tid": 0, "name": "process_name", "args": {"name": "p"}},
            {"ph": "M", "pid": 1, "tid": 1, "name": "thread_name", "args": {"name": "t"}}]
    overlapping = base + [{"ph": "X", "pid": 1, "tid": 1, "ts": 0, "dur": 10, "name": "a"},
                          {"ph": "X", "pid": 1, "tid": 1, "ts": 5, "dur": 10, "name": "b"}]
    unpaired = base + [{"ph": "b", "pid": 1, "tid": 1, "ts": 0, "cat": "r", "id": "x", "name": "r"}]
    unnamed = base + [{"ph": "X", "pid": 1, "tid": 2, "ts": 0, "dur": 1, "name": "a"}]
    for doc in (overlapping, unpaired, unnamed):
        assert chrome_structure_problems({"traceEvents": doc})


def test_perfetto_export_reads_back_with_the_trace_protos(rich, tmp_path):
    out = tmp_path / "rich.pftrace"
    count = write_perfetto_trace(rich, out)
    trace = pb.Trace.FromString(out.read_bytes())
    assert len(trace.packet) == count
    declared: set[int] = set()
    open_slices: dict[int, int] = defaultdict(int)
    names = Counter()
    flow_ids, terminating = set(), set()
    TE = pb.TrackEvent
    for packet in trace.packet:
        if packet.HasField("track_descriptor"):
            declared.add(packet.track_descriptor.uuid)
            continue
        te = packet.track_event
        assert te.track_uuid in declared, "a track is used before it is declared"
        if te.type == TE.TYPE_SLICE_BEGIN:
            open_slices[te.track_uuid] += 1
            names[te.categories[0]] += 1
            flow_ids.update(te.flow_ids)
            terminating.update(te.terminating_flow_ids)
        elif te.type == TE.TYPE_SLICE_END:
            open_slices[te.track_uuid] -= 1
            assert open_slices[te.track_uuid] >= 0
    assert all(v == 0 for v in open_slices.values())
    assert names["transaction"] == len(rich.index.state_rows())
    assert names["tick"] == rich.index.tick_count() and names["action-run"] == 6
    assert flow_ids and flow_ids == terminating  # every flow started is terminated
    thread_names = {p.track_descriptor.thread.thread_name for p in trace.packet
                    if p.HasField("track_descriptor") and p.track_descriptor.HasField("thread")}
    assert thread_names == {"form#1", "ticks"}


def test_evidence_package_passes_the_checker_and_imports_back(rich, tmp_path, check_trace):
    path = tmp_path / "evidence.json"
    write_evidence(rich, path)
    code, out = check_trace(path, "state/state:update", "action/async-action", "devtools/trace:tick")
    assert code == 0, out
    doc = orjson.loads(path.read_bytes())
    by_digest = doc["summary"]["converge"]["staticIrByDigest"]
    assert set(by_digest) == set(rich.static_irs)
    assert all(list(entry) == ["fieldPaths"] for entry in by_digest.values())  # light level: paths only
    back = load_evidence(path)
    assert back.problems == []
    assert [back.payload(r) for r in range(len(back))] == [rich.payload(r) for r in range(len(rich))]
    assert back.index.txns_touching("items").rows == rich.index.txns_touching("items").rows
    trace = tmp_path / "back.jsonl"
    assert evidence_to_trace(path, trace) == []
    code, out = check_trace(trace, "state/state:update", "devtools/trace:tick")
    assert code == 0, out
    assert len(load_trace(trace)) == len(rich)
    assert len(load_trace(path)) == len(rich)  # the loader recognises an evidence package by itself


def test_full_level_evidence_carries_whole_static_irs(full_trace):
    doc = evidence_package(load_trace(full_trace))
    entries = list(doc["summary"]["converge"]["staticIrByDigest"].values())
    assert entries and all("stepOutFieldPathIdByStepId" in e for e in entries)
    assert any(e["type"] == "state:snapshot" for e in doc["events"])


def test_evidence_import_refuses_what_is_not_a_package(tmp_path):
    from runtime.trace import TraceFormatError

    path = tmp_path / "x.json"
    path.write_bytes(b'{"protocolVersion": "v1", "runId": "r"}')
    with pytest.raises(TraceFormatError, match="not an evidence package"):
        load_evidence(path)
    path.write_bytes(b'{"protocolVersion": "v1", "runId": "r", "events": [1, {"type": "debug:event", "payload": {}}]}')
    store = load_evidence(path)
    assert [p.line for p in store.problems] == [1, 2] and len(store) == 0
