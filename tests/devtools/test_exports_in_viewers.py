"""A recorded demo exported as a user does it (default names), then read by the viewers' rules: the Chrome JSON by
speedscope's, Perfetto's and Catapult's (tests/chrome_viewer_rules.py), the protobuf as the trace processor reads
it (tests/perfetto_reader.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest
from chrome_viewer_rules import viewer_problems
from perfetto_reader import read_pftrace

ROOT = Path(__file__).resolve().parents[2]


def tickscope(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "devtools.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """The demo recorded for 2 s (long enough for backend operations), exported to both formats without -o."""
    trace = tmp_path_factory.mktemp("viewers") / "demo.jsonl"
    assert tickscope("record", "--demo", "--seconds", "2", "-o", str(trace)).returncode == 0
    for fmt in ("chrome", "perfetto"):
        proc = tickscope("export", str(trace), "--to", fmt)
        assert proc.returncode == 0, proc.stderr
    return trace


def test_the_default_names_are_the_ones_viewers_read(exported):
    assert sorted(p.name for p in exported.parent.iterdir()) == ["demo.jsonl", "demo.pftrace", "demo.trace.json"]


def test_the_json_reads_as_written_in_every_viewer(exported):
    path = exported.with_name("demo.trace.json")
    raw = path.read_bytes()
    assert viewer_problems(path.name, raw) == []
    events = orjson.loads(raw)["traceEvents"]
    ops = [e for e in events if e["ph"] == "b" and e["cat"] == "operation"]
    assert ops and all(e["name"] == e["args"]["kind"] and e["args"]["stages"] for e in ops)
    names = Counter(e["name"] for e in events if e["ph"] == "E")
    assert names["tick"] == sum(e["cat"] == "tick" for e in events if e["ph"] == "E")
    assert not [n for n in names if any(ch.isdigit() for ch in n)]


def test_the_protobuf_reads_as_written_in_perfetto(exported):
    reading = read_pftrace(exported.with_name("demo.pftrace").read_bytes())
    assert reading.problems == [] and reading.literal_names == 0
    ops = [s for s in reading.slices if s.category == "operation"]
    assert ops
    for op in ops:
        assert reading.tracks[op.track].name == f"operation {op.args['kind']}" == f"operation {op.name}"
        assert op.args["stages"] and all(isinstance(stage, str) for stage in op.args["stages"])
    assert not [s.name for s in reading.slices if any(ch.isdigit() for ch in s.name)]


def test_a_name_speedscope_misreads_is_written_with_a_warning(exported, tmp_path):
    out = tmp_path / "demo.chrome.json"
    proc = tickscope("export", str(exported), "--to", "chrome", "-o", str(out))
    assert proc.returncode == 0 and out.exists()
    assert "speedscope reads a name ending in .chrome.json as a Chrome DevTools profile" in proc.stderr
    package = tmp_path / "demo.evidence.json"
    assert tickscope("export", str(exported), "--to", "evidence", "-o", str(package)).returncode == 0
    proc = tickscope("export", str(package), "--to", "evidence")
    assert proc.returncode == 1 and "is " + str(package) + " itself; pass -o" in proc.stderr
