"""A viewer that stops reading: its queue stays bounded, it loses the oldest batches and is told how many."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from inspect_wire import RawClient, StalledViewer, counter_module, has_event

from runtime import Runtime
from runtime.inspect import InspectConfig


@pytest.mark.asyncio
async def test_stalled_viewer_loses_oldest_batches_and_is_told(transport_schema):
    rt = Runtime(label="app", diagnostics="full", inspect=InspectConfig(
        token="s3cret", announce=False, client_queue_batches=16, batch_max_events=64))
    inst = rt.mount(counter_module())
    server = rt.inspector
    stalled = await StalledViewer.open(server.address, "s3cret")
    fast = await RawClient.open(server.address, "s3cret")

    async def caught_up():
        await asyncio.sleep(0)
        while fast.last_seq < server.stream.last_seq:
            await fast.frame()

    overflowed_at = None
    for i in range(5000):  # bursts small enough for the fast viewer's queue, until the stalled one overflows
        for j in range(4):
            inst.dispatch("note", f"{i}.{j} " + "x" * 2000)
        await caught_up()
        if overflowed_at is None and i % 20 == 0 and any(s.dropped_events for s in server.client_stats()):
            overflowed_at = i
        if overflowed_at is not None and i > overflowed_at + 50:
            break
    assert overflowed_at is not None, "the stalled viewer never overflowed"
    inst.dispatch("inc", 1)
    await fast.until(has_event("state:update", inst.txn_seq))  # the last commit reached the fast viewer
    await caught_up()
    last = server.stream.last_seq

    stats = {s.client_id: s for s in server.client_stats()}
    held = [s for s in stats.values() if s.dropped_events]
    assert len(held) == 1, stats  # only the stalled viewer lost anything
    (slow,) = held
    assert slow.queued_batches <= 16
    assert slow.queued_bytes <= 16 * 64 * 16384  # bounded by queue length x batch size, whatever the app did
    assert slow.write_buffer_bytes <= 256 * 1024 + 64 * 16384
    assert slow.queued_bytes + slow.write_buffer_bytes <= InspectConfig().client_queue_bytes  # the one bound

    # the fast viewer got every envelope once, in order, with no drop reported
    fast_seqs = [e["seq"] for e in fast.events()]
    assert fast_seqs == list(range(1, last + 1))
    assert not any(f["payload"].get("droppedCount") for f in fast.frames if f["type"] == "OBSERVATION_BATCH")

    # the stalled viewer resumes reading: what it gets plus what it was told it lost is everything
    got: list[int] = []
    dropped = 0
    while not got or got[-1] < last:
        frame = await stalled.frame(10)
        assert frame is not None
        if frame["type"] == "OBSERVATION_BATCH":
            payload = frame["payload"]
            if payload.get("droppedCount"):
                transport_schema.validate(frame)  # (validating every multi-KB frame would take most of a minute)
                assert payload["droppedReason"] == "buffer_overflow"
                dropped += payload["droppedCount"]
            got += [e["seq"] for e in payload["events"]]
    (now,) = [s for s in server.client_stats() if s.client_id == slow.client_id]
    assert dropped > 0 and dropped == now.dropped_events  # every loss it suffered, it was told about
    assert got == sorted(got) and len(set(got)) == len(got)
    assert len(got) + dropped == last
    assert inst.get_state()["n"] == 1
    stalled.sock.close()
    await fast.close()
    rt.dispose()


@pytest.mark.asyncio
async def test_reconnect_on_the_same_run_resumes_after_the_last_seq(app):
    rt, inst = app
    first = await RawClient.open(rt.inspector.address, "s3cret")
    inst.dispatch("inc", 1)
    await first.until(lambda f: f["type"] == "OBSERVATION_BATCH" and any(
        e["type"] == "debug:event" and e["payload"]["label"] == "state:update" for e in f["payload"]["events"]))
    seen = first.events()[-1]["seq"]
    await first.close()
    inst.dispatch("inc", 2)
    again = await RawClient.open(rt.inspector.address, "s3cret", subscribe=False)
    await again.send(orjson.dumps({"type": "SUBSCRIBE", "payload": {
        "protocolVersion": "v1", "runId": rt.inspector.run_id, "afterSeq": seen}}) + b"\n")
    frame = await again.until(lambda f: f["type"] == "OBSERVATION_BATCH")
    seqs = [e["seq"] for e in frame["payload"]["events"]]
    assert seqs[0] == seen + 1 and "droppedCount" not in frame["payload"]
    assert seqs == list(range(seen + 1, seen + 1 + len(seqs)))
    labels = [e["payload"]["label"] for e in frame["payload"]["events"]]
    assert labels.index("inc") < labels.index("state:update")  # what happened while it was away, in order
    await again.close()
