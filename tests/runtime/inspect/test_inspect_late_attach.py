"""A client attaching late to a busy runtime at diagnostics full: its replay is larger than its queue bound, so it
loses the oldest events, but never the static IRs: every dirty set it receives still maps back to field paths.

The runtime runs in the test's thread, the inspector on its own thread, the client on the real loopback socket."""

from __future__ import annotations

import pytest
from inspect_wire import RawClient, counter_module

from runtime import Module, Runtime
from runtime.inspect import InspectConfig
from runtime.trace import EventStore

BOUND = 256 * 1024


def tally_module() -> Module:
    return Module("tally", initial={"total": 0})


@pytest.mark.asyncio
async def test_a_late_client_whose_replay_overflows_its_queue_still_gets_every_static_ir_first():
    rt = Runtime(label="app", diagnostics="full", inspect=InspectConfig(
        token="s3cret", announce=False, client_queue_bytes=BOUND, retain_events=2048))
    counter = rt.mount(counter_module())
    rt.mount(tally_module())
    for i in range(1500):  # ~2 KB per event at full: the retained history is several times the client's bound
        counter.dispatch("note", f"{i} " + "x" * 2000)
    server = rt.inspector

    late = await RawClient.open(server.address, "s3cret")
    while late.last_seq < server.stream.last_seq:
        assert await late.frame() is not None

    batches = [f["payload"] for f in late.frames if f["type"] == "OBSERVATION_BATCH"]
    dropped = sum(b.get("droppedCount", 0) for b in batches)
    events = late.events()
    assert dropped > 0  # the replay did not fit: the oldest events were lost, and the client was told
    assert len(events) + dropped == server.stream.last_seq  # every loss counted, nothing sent twice
    assert [e["seq"] for e in events] == sorted({e["seq"] for e in events})
    first = events[:4]
    assert sorted(e["type"] for e in first) == ["static-ir", "static-ir", "static-ir:graph", "static-ir:graph"]
    assert sorted(e["payload"]["moduleId"] for e in first if e["type"] == "static-ir") == ["counter", "tally"]

    store = EventStore()
    for e in events:
        store.append(e["type"], e["payload"])
    updates = [row for row in range(len(store)) if store.label_of(row) == "state:update"]
    assert updates  # the newest commits came through
    for row in updates:  # what the devtools shows: each dirty root as a field path, none as a bare id
        digest = store.digest_of(row)
        table = store.field_paths(digest) if digest else None
        assert table is not None, f"no static IR for {digest}"
        assert [table[pid] for pid in store.dirty_roots(row)] == [("name",)]
    stats = server.client_stats()[0]
    assert stats.queued_bytes + stats.write_buffer_bytes <= BOUND
    await late.close()
    rt.dispose()
