"""The Chrome Trace Event JSON export read by the rules of the viewers (tests/chrome_viewer_rules.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest
from chrome_viewer_rules import speedscope_read, viewer_problems
from trace_samples import record_rich

from runtime.trace import load_trace, write_chrome_trace
from runtime.trace.export_chrome import CHROME_SUFFIX, chrome_events
from runtime.trace.timeline import Lane, Run, Slice, Timeline


@pytest.fixture
def rich(tmp_path: Path):
    return load_trace(record_rich(tmp_path / "rich.jsonl"))


def test_every_viewer_reads_the_export_as_written(rich, tmp_path):
    out = tmp_path / f"rich{CHROME_SUFFIX}"
    count = write_chrome_trace(rich, out)
    raw = out.read_bytes()
    doc = orjson.loads(raw)
    assert len(doc["traceEvents"]) == count and doc["displayTimeUnit"] == "ms"
    assert viewer_problems(out.name, raw) == []
    events = doc["traceEvents"]
    thread_names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert thread_names == {"form#1", "ticks"}
    by_tid = sorted((e["tid"], e["args"]["name"]) for e in events if e["ph"] == "M" and e["name"] == "thread_name")
    assert [name for _, name in by_tid] == ["ticks", "form#1"]  # ticks first, in viewers that order by tid too
    frames = speedscope_read(events).frames
    by_cat = Counter(e["cat"] for e in events if e["ph"] == "B")
    assert by_cat["transaction"] == len(rich.index.state_rows()) and by_cat["tick"] == rich.index.tick_count()
    assert len(frames) == sum(by_cat.values())  # speedscope closes every slice it opens
    runs = {e["id2"]["local"]: e for e in events if e["ph"] == "b" and e["cat"] == "action-run"}
    statuses = [runs[k]["args"]["status"] for k in sorted(runs, key=lambda k: runs[k]["ts"])]
    assert statuses == ["success", "cancelled", "success", "success", "success", "unfinished"]
    assert {e["name"] for e in events if e["ph"] == "C"} >= {"dirty roots form#1", "queue depth"}
    assert any(e["ph"] == "s" for e in events)


def test_slices_are_named_by_what_they_are_with_sequence_numbers_in_args(rich, tmp_path):
    out = tmp_path / "rich.trace.json"
    write_chrome_trace(rich, out)
    events = orjson.loads(out.read_bytes())["traceEvents"]
    ends = [e for e in events if e["ph"] == "E"]
    ticks = [e for e in ends if e["cat"] == "tick"]
    assert {e["name"] for e in ticks} == {"tick"}
    assert [e["args"]["tickSeq"] for e in ticks] == sorted(e["args"]["tickSeq"] for e in ticks)
    txn_names = Counter(e["name"] for e in ends if e["cat"] == "transaction")
    assert txn_names == {"add_item": 5, "set_first": 4, "set_email": 1, "lifecycle:mount": 1}  # one name per cause
    assert all(isinstance(e["args"]["txnSeq"], int) for e in ends if e["cat"] == "transaction")
    assert all("args" not in e for e in events if e["ph"] == "B")
    assert len({f.key for f in speedscope_read(events).frames}) == len(txn_names) + 1


def test_the_rules_catch_what_the_old_export_did(rich, tmp_path):
    """The name speedscope misreads, and the checker failing on it (so passing it means something)."""
    out = tmp_path / "rich.trace.json"
    write_chrome_trace(rich, out)
    raw = out.read_bytes()
    assert any("by its name" in p for p in viewer_problems("rich.chrome.json", raw))


def test_a_zero_length_run_and_touching_slices_read_back_as_written():
    tl = Timeline(0.0, runtimes=["r"], lanes=[Lane(0, 0, "a#1", "a#1")])
    tl.slices += [Slice(0, 0, 10, "tick", "tick", {"tickSeq": 1}), Slice(0, 10, 0, "tick", "tick", {"tickSeq": 2}),
                  Slice(0, 10, 5, "set", "transaction", {})]
    tl.runs.append(Run(0, 0, "operation", "cmd-1", "save", 7, 7, {"commandId": "cmd-1"}))
    events = list(chrome_events(tl))
    reading = speedscope_read(events)
    assert reading.problems == []
    assert sorted((f.name, f.start, f.end) for f in reading.frames) == [("set", 10, 15), ("tick", 0, 10),
                                                                         ("tick", 10, 10)]
    run = [e["ph"] for e in events if e.get("cat") == "operation"]
    assert run == ["b", "e"]
