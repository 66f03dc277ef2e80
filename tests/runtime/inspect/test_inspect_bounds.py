"""Every buffer the inspector keeps for a client is bounded, each bound driven by a real socket client: a flood of
commands whose answers are never read, a flood faster than the application answers, an oversized frame, values that
would be echoed whole, and a client that goes silent."""

from __future__ import annotations

import asyncio
import logging
import threading

import orjson
import pytest
from inspect_wire import RawClient, StalledViewer, counter_module, escaped

from runtime import Module, Runtime
from runtime.inspect import InspectConfig

TOKEN = "s3cret"


def inspected(module: Module, **config) -> tuple[Runtime, object]:
    rt = Runtime(label="app", diagnostics="light",
                 inspect=InspectConfig(token=TOKEN, announce=False, max_frame_bytes=4096, **config))
    return rt, rt.mount(module)


async def diagnostic(rt: Runtime, code: str, timeout: float = 10.0) -> dict:
    """Wait for the application's diagnostic `code` (posted to its loop by the server thread)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        found = [e for e in rt.hub.events() if e["kind"] == "diagnostic" and e["label"] == code]
        if found:
            return found[-1]
        await asyncio.sleep(0.01)
    raise AssertionError(f"no diagnostic {code}")


async def clients_left(rt: Runtime, count: int, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while len(rt.inspector.client_stats()) != count:
        assert loop.time() < end, rt.inspector.client_stats()
        await asyncio.sleep(0.01)


def errors_in(frames: list[dict]) -> list[dict]:
    return [e["payload"] for f in frames if f["type"] == "OBSERVATION_BATCH" for e in f["payload"]["events"]
            if e["type"] == "inspect:error"]


@pytest.mark.asyncio
async def test_a_client_that_never_reads_its_answers_is_disconnected_at_the_bound(transport_schema):
    # Forty long action names make every refusal's "known: ..." list long: a small command, a large answer.
    chatty = Module("chatty", {"n": 0},
                    reducers={f"an_action_with_a_rather_long_name_{i:03d}": (lambda d, p: None) for i in range(40)})
    rt, inst = inspected(chatty, client_queue_bytes=16384)
    flooder = await StalledViewer.open(rt.inspector.address, TOKEN, subscribe=False)
    command = orjson.dumps({"type": "CONTROL", "payload": {"protocolVersion": "v1", "commandSeq": 1,
                                                           "type": "dispatch", "instanceId": inst.instance_id,
                                                           "actionType": "nope"}}) + b"\n"
    sending = asyncio.ensure_future(flooder.send(command * 300))  # ~40 KB of commands, ~300 KB of answers

    diag = await diagnostic(rt, "inspect::client_overflow")
    assert "more than 16384 bytes unread" in diag["meta"]["message"]
    frames = await flooder.frames_until_closed()
    sending.cancel()
    (error,) = errors_in(frames)
    assert error["code"] == "client_overflow" and "16384 bytes" in error["message"]
    assert frames[-1]["payload"]["events"][0]["type"] == "inspect:error"  # the reason is the last thing it reads
    acks = [f["payload"] for f in frames if f["type"] == "CONTROL_ACK"]
    assert len(acks) < 300 and not any(a["accepted"] for a in acks)  # those queued at the cut were dropped
    for frame in (frames[0], frames[-1]):
        transport_schema.validate(frame)
    await clients_left(rt, 0)

    viewer = await RawClient.open(rt.inspector.address, TOKEN)  # the server and the application carry on
    await viewer.control("dispatch", instanceId=inst.instance_id, actionType="an_action_with_a_rather_long_name_000")
    ack = await viewer.until(lambda f: f["type"] == "CONTROL_ACK")
    assert ack["payload"]["accepted"]
    await viewer.close()
    rt.dispose()


@pytest.mark.asyncio
async def test_commands_faster_than_the_application_answers_are_throttled_not_queued():
    rt, inst = inspected(counter_module(), max_commands_in_flight=2)
    busy = asyncio.new_event_loop()  # the application's loop, not running yet: nothing it is handed is answered
    rt.inspector.bind_loop(busy)
    client = await RawClient.open(rt.inspector.address, TOKEN, subscribe=False)
    for _ in range(20):
        await client.control("dispatch", instanceId=inst.instance_id, actionType="inc", payload=1)

    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    while (stats := rt.inspector.client_stats()[0]).commands_in_flight < 2:
        assert loop.time() < end
        await asyncio.sleep(0.01)
    for _ in range(10):  # the server reads nothing more from it while two of its commands wait
        await asyncio.sleep(0.02)
        stats = rt.inspector.client_stats()[0]
        assert (stats.commands_in_flight, stats.frames_read) == (2, 3)  # AUTH and two commands

    thread = threading.Thread(target=busy.run_forever)
    thread.start()  # the application answers: the other 18 are read, handed over and answered in turn
    try:
        acks = [await client.until(lambda f: f["type"] == "CONTROL_ACK") for _ in range(20)]
        assert [a["payload"]["commandSeq"] for a in acks] == list(range(1, 21))
        assert all(a["payload"]["accepted"] for a in acks)
    finally:
        busy.call_soon_threadsafe(busy.stop)
        thread.join(10)
    assert inst.get_state()["n"] == 20
    assert rt.inspector.client_stats()[0].frames_read == 21
    await client.close()
    rt.dispose()
    busy.close()


@pytest.mark.asyncio
async def test_a_frame_past_the_limit_is_refused_before_it_ends(app):
    rt, inst = app
    client = await RawClient.open(rt.inspector.address, TOKEN)
    await client.send(b'{"type": "CONTROL", "payload": "' + b"x" * 65536)  # 16 times the limit, and no newline
    frame = await client.until(lambda f: bool(errors_in([f])))
    (error,) = errors_in([frame])
    assert error["code"] == "frame_too_large" and "4096 bytes" in error["message"]
    assert "xxxx" not in error["message"]
    assert await client.frame() is None


@pytest.mark.asyncio
async def test_a_frame_of_exactly_the_limit_is_read_and_one_byte_more_is_refused(app):
    rt, inst = app
    command = orjson.dumps({"type": "CONTROL", "payload": {"protocolVersion": "v1", "commandSeq": 1,
                                                           "type": "dispatch", "instanceId": inst.instance_id,
                                                           "actionType": "inc", "payload": 1}})
    client = await RawClient.open(rt.inspector.address, TOKEN, subscribe=False)
    await client.send(command + b" " * (4096 - len(command) - 1) + b"\n")  # 4096 bytes with its newline
    ack = await client.until(lambda f: f["type"] == "CONTROL_ACK")
    assert ack["payload"]["accepted"]
    await client.send(command + b" " * (4096 - len(command)) + b"\n")  # 4097
    (error,) = errors_in([await client.until(lambda f: bool(errors_in([f])))])
    assert (error["code"], error["message"]) == ("frame_too_large", "a frame is limited to 4096 bytes")
    assert await client.frame() is None


@pytest.mark.asyncio
async def test_acks_and_errors_quote_at_most_256_characters_of_the_input(app, transport_schema):
    rt, inst = app
    client = await RawClient.open(rt.inspector.address, TOKEN, subscribe=False)
    long_run, long_action = "r" * 3000, "a" * 3000
    await client.control("pause", runId=long_run)
    await client.control("dispatch", instanceId=inst.instance_id, actionType=long_action)
    await client.control("dispatch", instanceId="i" * 3000, actionType="inc")
    reasons = [(await client.until(lambda f: f["type"] == "CONTROL_ACK"))["payload"]["reason"] for _ in range(3)]
    for reason, quoted in zip(reasons, ("r", "a", "i"), strict=True):
        assert quoted * 255 in reason and quoted * 256 not in reason, reason  # 256 with the opening quote
        assert "(cut: 3002 characters)" in reason and len(reason) < 600
    for frame in client.frames:
        transport_schema.validate(frame)

    await client.send({"type": "T" * 3000, "payload": {}})
    (error,) = errors_in([await client.until(lambda f: bool(errors_in([f])))])
    assert error["code"] == "unknown_message"
    assert "T" * 255 in error["message"] and "T" * 256 not in error["message"] and "(cut:" in error["message"]
    await client.close()


@pytest.mark.asyncio
async def test_a_client_that_stopped_reading_and_then_sends_a_blank_line_is_closed_an_idle_time_later(caplog):
    caplog.set_level(logging.ERROR, logger="asyncio")
    rt, inst = inspected(counter_module(), idle_timeout_s=2.0, keepalive_interval_s=0.05)
    silent = await StalledViewer.open(rt.inspector.address, TOKEN)
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    i = 0
    while not rt.inspector.client_stats()[0].write_buffer_bytes:  # until its socket buffers are full
        assert loop.time() < end
        inst.dispatch("note", f"{i} " + "x" * 2000)
        i += 1
        await asyncio.sleep(0)
    await silent.send(b"\n")  # a frame (heard), that asks for nothing: then silence again
    diag = await diagnostic(rt, "inspect::idle_timeout")
    assert "neither read nor sent anything for 2 s" in diag["meta"]["message"]
    await clients_left(rt, 0)
    assert escaped(caplog) == []
    silent.sock.close()
    rt.dispose()


@pytest.mark.asyncio
async def test_a_silent_client_is_closed_and_a_quiet_reader_kept_open_by_keepalives(transport_schema):
    rt, inst = inspected(counter_module(), idle_timeout_s=0.5, keepalive_interval_s=0.05)
    server = rt.inspector
    reader = await RawClient.open(server.address, TOKEN)
    keepalives = 0

    async def read() -> None:
        nonlocal keepalives
        while (frame := await reader.frame(30)) is not None:
            if frame["type"] == "OBSERVATION_BATCH" and not frame["payload"]["events"]:
                transport_schema.validate(frame)
                keepalives += 1

    reading = asyncio.ensure_future(read())
    silent = await StalledViewer.open(server.address, TOKEN)  # subscribed, never reads, never sends again
    for i in range(200):  # enough to fill the silent one's socket buffers: then it takes nothing more
        inst.dispatch("note", f"{i} " + "x" * 2000)
        await asyncio.sleep(0)

    diag = await diagnostic(rt, "inspect::idle_timeout")
    assert "neither read nor sent anything for 0.5 s" in diag["meta"]["message"]
    await clients_left(rt, 1)

    start = keepalives
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    while keepalives < start + 20:  # a second of silence from the application: twice the idle time
        assert loop.time() < end and not reading.done()
        await asyncio.sleep(0.02)
    inst.dispatch("inc", 2)
    while not any(e["type"] == "debug:event" and e["payload"]["label"] == "state:update"
                  and e["payload"]["meta"]["state"]["n"] == 2 for e in reader.events()):
        assert loop.time() < end and not reading.done()
        await asyncio.sleep(0.02)
    (stats,) = server.client_stats()
    assert stats.subscribed
    reading.cancel()
    await reader.close()
    silent.sock.close()
    rt.dispose()
