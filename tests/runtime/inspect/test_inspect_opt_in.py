"""Opting in: `Runtime(inspect=...)`, the TICKSCOPE_INSPECT variable, loopback and token defaults, bad specs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_wire import RawClient, has_event

from runtime import Runtime
from runtime.inspect import InspectConfig, parse_spec

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import json
from runtime import Runtime
first = Runtime(label="first")
second = Runtime(label="second")
opted_out = Runtime(label="third", inspect=False)
print(json.dumps({"first": first.inspector.address, "token": first.inspector.token, "level": first.sink.level,
                  "second": second.inspector, "third": opted_out.inspector}))
first.dispose()
"""


def run_script(env_value: str) -> tuple[dict, str]:
    env = dict(os.environ, TICKSCOPE_INSPECT=env_value, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def test_the_environment_variable_opens_an_inspector_for_the_first_runtime_only():
    out, stderr = run_script("127.0.0.1:0,given-token")
    assert out["first"][0] == "127.0.0.1" and out["first"][1] > 0
    assert out["token"] == "given-token" and "given-token" not in stderr  # a given token is never printed
    assert out["second"] is None and out["third"] is None
    assert out["level"] == "light"  # diagnostics off would export nothing to look at


def test_a_missing_token_is_generated_and_printed():
    out, stderr = run_script(":0")
    assert out["first"][0] == "127.0.0.1"
    assert len(out["token"]) >= 20
    assert f"--token {out['token']}" in stderr and f"127.0.0.1:{out['first'][1]}" in stderr


@pytest.mark.parametrize("spec, words", [
    ("localhost:http", "port 'http' is not a number"),
    ("127.0.0.1:70000", "out of range"),
])
def test_bad_specs_name_the_problem(spec, words):
    with pytest.raises(ValueError, match=words):
        Runtime(inspect=spec)


def test_spec_forms():
    assert parse_spec("7341") == InspectConfig(port=7341)
    assert parse_spec("0.0.0.0:9,tok") == InspectConfig(host="0.0.0.0", port=9, token="tok")
    assert parse_spec("[::1]:5") == InspectConfig(host="::1", port=5)
    with pytest.raises(TypeError, match="inspect= takes"):
        Runtime(inspect=3.5)


def test_a_port_in_use_fails_loudly_and_disposing_frees_it():
    rt = Runtime(label="a", inspect=InspectConfig(token="t", announce=False))
    port = rt.inspector.address[1]
    with pytest.raises(OSError):
        Runtime(label="b", inspect=InspectConfig(port=port, token="t", announce=False))
    rt.dispose()
    again = Runtime(label="c", inspect=InspectConfig(port=port, token="t", announce=False))
    assert again.inspector.address[1] == port
    again.dispose()


@pytest.mark.asyncio
async def test_an_inspector_that_stops_exporting_sends_nothing_new_and_resumes_densely(app):
    rt, inst = app
    client = await RawClient.open(rt.inspector.address, "s3cret")
    inst.dispatch("inc", 1)
    await client.until(has_event("state:update", 1))
    streamed = rt.inspector.stream.last_seq

    rt.inspector.set_exporting(False)
    inst.dispatch("inc", 1)  # not exported: the inspector never hears of txn 2
    assert not rt.inspector.exporting and rt.inspector.stream.last_seq == streamed
    rt.inspector.set_exporting(True)
    inst.dispatch("inc", 1)

    await client.until(has_event("state:update", 3))
    seqs = [e["seq"] for f in client.frames if f["type"] == "OBSERVATION_BATCH" for e in f["payload"]["events"]]
    assert seqs == list(range(1, len(seqs) + 1))  # no gap in seq: what was never exported is not a loss
    labels = [(e["payload"]["label"], e["payload"]["txnSeq"]) for f in client.frames
              if f["type"] == "OBSERVATION_BATCH" for e in f["payload"]["events"] if e["type"] == "debug:event"]
    assert ("state:update", 2) not in labels and ("state:update", 3) in labels
    assert inst.get_state()["n"] == 3


def _wakeups(thread_id: int) -> int:
    """How often a thread of this process has gone to sleep and been woken (Linux)."""
    status = Path(f"/proc/self/task/{thread_id}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("voluntary_ctxt_switches")))


@pytest.mark.asyncio
async def test_an_inspector_nobody_watches_never_wakes_and_a_subscriber_starts_its_polls(app):
    import asyncio

    rt, inst = app
    thread_id = rt.inspector.thread_id
    inst.dispatch("inc", 1)
    rt.flush_now()
    before = _wakeups(thread_id)
    # an observation window, not a wait: a thread that polls wakes about once per drain interval (10 ms) in it; one
    # that sleeps until a client comes does not wake at all, however slow the machine
    await asyncio.sleep(0.5)
    assert _wakeups(thread_id) - before <= 2

    client = await RawClient.open(rt.inspector.address, "s3cret")
    inst.dispatch("inc", 1)
    await client.until(has_event("state:update", 2))  # records flow at once: the subscription started the polls
    before = _wakeups(thread_id)
    for seq in range(3, 8):  # each commit reaches the viewer without the application flushing anything ...
        inst.dispatch("inc", 1)
        await client.until(has_event("state:update", seq))
    # ... so the server thread, idle between one delivery and the next commit, woke up for each of them
    assert _wakeups(thread_id) - before >= 4


@pytest.mark.asyncio
async def test_a_record_json_cannot_hold_reaches_the_viewer_marked_and_the_stream_goes_on(app, transport_schema):
    rt, inst = app
    client = await RawClient.open(rt.inspector.address, "s3cret")
    cyclic: dict = {"a": 1}
    cyclic["self"] = cyclic
    for label, meta in (("tuple-key", {("x", 1): 2}), ("cyclic", cyclic), ("int-key", {3: "three"})):
        # budget=None: the caller vouches for the meta, wrongly (the path a buggy emitter takes)
        rt.sink.emit(module_id="counter", instance_id=inst.instance_id, kind="devtools", label=label, meta=meta,
                     budget=None)
    inst.dispatch("inc", 1)
    await client.until(has_event("state:update", 1))

    frames = [f for f in client.frames if f["type"] == "OBSERVATION_BATCH"]
    for frame in frames:
        transport_schema.validate(frame)
    events = {e["payload"]["label"]: e["payload"] for f in frames for e in f["payload"]["events"]
              if e["type"] == "debug:event"}
    for label in ("tuple-key", "cyclic"):
        assert events[label]["downgrade"] == {"reason": "non_serializable"}
        assert events[label]["meta"].startswith("not exportable as JSON")
    assert events["int-key"]["meta"] == {"3": "three"}  # a key JSON can spell is spelled, not dropped
    seqs = [e["seq"] for f in frames for e in f["payload"]["events"]]
    assert seqs == list(range(1, len(seqs) + 1))
