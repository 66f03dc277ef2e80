"""Commands waiting for the application, seen from a real socket client: each answer frees exactly one slot, a client
whose commands wait is not idle (the silence is the application's), and a viewer that stopped reading is dropped for
idling even while the application keeps producing events for it."""

from __future__ import annotations

import asyncio
import threading

import pytest
from inspect_wire import RawClient, StalledViewer, counter_module
from test_inspect_bounds import TOKEN, clients_left, errors_in, inspected

from runtime import Module


def gated_module(gate: threading.Semaphore) -> Module:
    """A counter whose payload check of each new value waits for one release of `gate` (the application is busy
    with that command until the test lets it go); the second check of a value (the dispatch itself) passes."""
    m = counter_module()
    checked: set[int] = set()

    def slow_check(value: object) -> bool:
        if isinstance(value, int) and value not in checked:
            checked.add(value)
            assert gate.acquire(timeout=30)
        return True

    m.reducer("slow", payload=slow_check)(lambda draft, by: None)
    return m


def run_in_thread(loop: asyncio.AbstractEventLoop) -> threading.Thread:
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    return thread


def stop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


async def in_flight_reaches(rt, count: int, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while rt.inspector.client_stats()[0].commands_in_flight != count:
        assert loop.time() < end, rt.inspector.client_stats()
        await asyncio.sleep(0.01)


@pytest.mark.asyncio
async def test_each_answer_frees_exactly_one_command_slot():
    gate = threading.Semaphore(0)
    rt, inst = inspected(gated_module(gate), max_commands_in_flight=4)
    app = asyncio.new_event_loop()
    rt.inspector.bind_loop(app)
    thread = run_in_thread(app)
    client = await RawClient.open(rt.inspector.address, TOKEN, subscribe=False)
    try:
        for value in (1, 2, 3):
            await client.control("dispatch", instanceId=inst.instance_id, actionType="slow", payload=value)
        await in_flight_reaches(rt, 3)
        for answered in (1, 2, 3):
            gate.release()  # the application gets through one command's check
            ack = await client.until(lambda f: f["type"] == "CONTROL_ACK")
            assert ack["payload"]["commandSeq"] == answered and ack["payload"]["accepted"]
            assert rt.inspector.client_stats()[0].commands_in_flight == 3 - answered
    finally:
        for _ in range(6):
            gate.release()
        stop(app, thread)
    await client.close()
    rt.dispose()


def dispatch_command(instance_id: str) -> dict:
    return {"type": "CONTROL", "payload": {"protocolVersion": "v1", "commandSeq": 1, "type": "dispatch",
                                           "instanceId": instance_id, "actionType": "inc", "payload": 1}}


def flood(inst, count: int = 200) -> None:
    """Events big enough to fill a stalled viewer's socket buffers: then it takes nothing more."""
    for i in range(count):
        inst.dispatch("note", f"{i} " + "x" * 2000)


@pytest.mark.asyncio
async def test_a_client_whose_command_waits_is_not_idle_until_it_is_answered():
    rt, inst = inspected(counter_module(), idle_timeout_s=0.3, keepalive_interval_s=0.05)
    app = asyncio.new_event_loop()  # the application's loop, not running yet: the command waits
    rt.inspector.bind_loop(app)
    waiting = await StalledViewer.open(rt.inspector.address, TOKEN)
    await waiting.send(dispatch_command(inst.instance_id))
    await in_flight_reaches(rt, 1)
    silent = await StalledViewer.open(rt.inspector.address, TOKEN)
    flood(inst)  # both stop taking anything; neither sends again

    await clients_left(rt, 1)  # the silent one is dropped; the one whose command waits is kept
    (stats,) = rt.inspector.client_stats()
    assert (stats.client_id, stats.commands_in_flight) == (1, 1)

    thread = run_in_thread(app)  # the application answers: from now on the silence is the client's
    try:
        await clients_left(rt, 0)
        frames = await waiting.frames_until_closed()
    finally:
        stop(app, thread)
    assert [a["payload"]["accepted"] for a in frames if a["type"] == "CONTROL_ACK"] == [True]
    (error,) = errors_in(frames)
    assert error["code"] == "idle_timeout"
    waiting.sock.close()
    silent.sock.close()
    rt.dispose()


@pytest.mark.asyncio
async def test_a_viewer_that_stopped_reading_is_dropped_while_events_keep_coming():
    rt, inst = inspected(counter_module(), idle_timeout_s=0.3, keepalive_interval_s=0.05)
    stalled = await StalledViewer.open(rt.inspector.address, TOKEN)
    flood(inst)
    largest_buffer = 0
    loop = asyncio.get_running_loop()
    end = loop.time() + 20
    # a steady trickle of small events: what the server writes grows, what the viewer takes does not
    while stats := rt.inspector.client_stats():
        assert loop.time() < end, stats
        largest_buffer = max(largest_buffer, stats[0].write_buffer_bytes)
        inst.dispatch("inc", 1)
        await asyncio.sleep(0.01)  # paces the producer (at most 100 events a second); not a wait
    # dropped for idling long before the socket's write buffer reached its 256 KiB high-water mark
    assert largest_buffer < 192 * 1024
    (error,) = errors_in(await stalled.frames_until_closed())
    assert error["code"] == "idle_timeout"
    stalled.sock.close()
    rt.dispose()
