"""The writer survives a crash of the recording process, and writes snapshots only at level full."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from trace_samples import sample_module

from runtime import Runtime
from runtime.trace import SNAPSHOT_TYPE, TraceWriter, load_trace

ROOT = Path(__file__).resolve().parents[3]

_RECORDER = """
import sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {here!r})
from runtime import Runtime
from runtime.trace import TraceWriter
from trace_samples import sample_module
rt = Runtime(diagnostics="light")
TraceWriter({path!r}).attach(rt.hub, runtime=rt)
inst = rt.mount(sample_module())
n = 0
while True:
    inst.dispatch("set_first", "n" * (n % 50))
    n += 1
    if n % 200 == 0:
        print(n, flush=True)
        time.sleep(0.01)
"""


def test_a_killed_recorder_leaves_a_loadable_trace(tmp_path, check_trace):
    path = tmp_path / "crash.jsonl"
    code = _RECORDER.format(root=str(ROOT), here=str(Path(__file__).parent), path=str(path))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(10):  # let it write a few thousand records
            assert proc.stdout.readline()
        # the writer flushes on its own interval: wait until records are on disk (not for a time past the interval)
        give_up = time.monotonic() + 60
        while not (path.exists() and path.read_bytes().count(b"\n") > 100):
            assert time.monotonic() < give_up, "the recorder never flushed its records to disk"
            time.sleep(0.02)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    store = load_trace(path)
    assert len(store) >= 2000  # everything but the last quarter second is there
    assert all(p.message.startswith("truncated") for p in store.problems) and len(store.problems) <= 1
    # The reference checker is slow (a JSON Schema per event): the head and the tail of the complete lines do.
    lines = complete.split(b"\n")[:-1]
    (tmp_path / "complete.jsonl").write_bytes(b"\n".join(lines[:150] + lines[-150:]) + b"\n")
    code, out = check_trace(tmp_path / "complete.jsonl", "state/state:update")
    assert code == 0, out


def test_snapshots_are_written_only_at_full_level(tmp_path):
    for level, expected in (("light", False), ("full", True)):
        rt = Runtime(diagnostics=level)
        with TraceWriter(tmp_path / f"{level}.jsonl") as writer:
            writer.attach(rt.hub, runtime=rt)
            inst = rt.mount(sample_module())
            inst.dispatch("set_first", "Eve")
        store = load_trace(tmp_path / f"{level}.jsonl")
        side = store.side(SNAPSHOT_TYPE)
        assert (len(side) > 0) is expected
        if expected:
            assert [side.txn[i] for i in range(len(side))] == [0, 1, 2]  # mount, mount converge, the dispatch
            assert side.payload(2)["state"]["first"] == "Eve"
