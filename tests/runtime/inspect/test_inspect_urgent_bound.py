"""Frames that are never dropped (HELLO, acks) hold to the client's byte bound exactly: what fits to the byte is kept,
one byte more disconnects the client with `client_overflow`; and a client's stats count those frames and the
socket's write buffer.

The session is built alone on a real loopback connection (session_host.Host): nothing is written while the test
does not let it, so the queue is exactly what the session holds."""

from __future__ import annotations

import asyncio
import socket

import pytest
from inspect_wire import RawClient, counter_module
from session_host import Host
from test_inspect_bounds import TOKEN, errors_in, inspected

from runtime import Runtime
from runtime.inspect import InspectConfig
from runtime.inspect.session import ClientSession


@pytest.mark.asyncio
async def test_urgent_frames_fill_the_bound_to_the_byte_and_one_byte_more_disconnects(connection):
    reader, writer, _client_reader = connection
    host = Host(InspectConfig(token="s3cret", announce=False, client_queue_bytes=1000))
    session = ClientSession(host, 1, reader, writer)
    session.send_urgent(b"a" * 600)
    session.send_urgent(b"b" * 400)  # 1000 bytes held: exactly the bound, still kept
    stats = session.stats()
    assert (stats.queued_batches, stats.queued_bytes, stats.write_buffer_bytes) == (0, 1000, 0)
    assert host.lost == []

    session.send_urgent(b"c")  # 1001 bytes: over the bound
    assert host.lost == ["client_overflow"]
    assert session.stats().queued_bytes == 0  # what it held is let go at once


@pytest.mark.asyncio
async def test_the_stats_count_the_urgent_frames_and_the_batches_queued_together_and_every_batch_sent(connection):
    reader, writer, client_reader = connection
    session = ClientSession(Host(InspectConfig(token="s3cret", announce=False)), 1, reader, writer)
    session.subscribed = True
    session.send_urgent(b"u" * 299 + b"\n")
    batch = b"[" + b"1," * 99 + b"1]"
    session.offer(batch, 100)
    stats = session.stats()
    assert (stats.queued_batches, stats.queued_bytes, stats.sent_batches) == (1, 300 + len(batch), 0)

    session.write_now()
    assert await asyncio.wait_for(client_reader.readline(), 10) == b"u" * 299 + b"\n"  # urgent frames first
    await asyncio.wait_for(client_reader.readline(), 10)
    session.offer(batch, 100)
    session.write_now()
    await asyncio.wait_for(client_reader.readline(), 10)
    stats = session.stats()
    assert (stats.queued_batches, stats.queued_bytes, stats.sent_batches) == (0, 0, 2)


@pytest.mark.asyncio
async def test_the_stats_report_what_waits_in_the_socket_write_buffer_until_the_client_reads_it(connection):
    reader, writer, client_reader = connection
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    session = ClientSession(Host(InspectConfig(token="s3cret", announce=False, client_queue_bytes=8 << 20)), 1,
                            reader, writer)
    frame = b"x" * 1023 + b"\n"
    for _ in range(2048):  # 2 MB: far more than the kernel takes from a client that is not reading
        session.send_urgent(frame)
    session.write_now()
    stats = session.stats()
    assert stats.queued_bytes == 0 and stats.write_buffer_bytes > 0

    for _ in range(2048):  # the client reads everything
        assert await asyncio.wait_for(client_reader.readline(), 10) == frame
    assert session.stats().write_buffer_bytes == 0


@pytest.mark.asyncio
async def test_a_hello_exactly_at_the_bound_is_sent_and_one_byte_past_it_refuses_the_client():
    def runtime(bound: int) -> Runtime:
        rt, _inst = inspected(counter_module(), client_queue_bytes=bound)
        return rt

    probe = runtime(1 << 20)
    hello_size = len(probe.inspector.hello())  # the same for every runtime of this module (one run id length)
    probe.dispose()

    exact = runtime(hello_size)
    assert len(exact.inspector.hello()) == hello_size
    client = await RawClient.open(exact.inspector.address, TOKEN)  # asserts the HELLO came
    await client.close()
    exact.dispose()

    short = runtime(hello_size - 1)
    refused = await RawClient.open(short.inspector.address)
    await refused.send({"type": "AUTH", "payload": {"token": TOKEN}})
    frames = [f for f in [await refused.frame(), await refused.frame()] if f is not None]
    assert [e["code"] for e in errors_in(frames)] == ["client_overflow"]
    assert not [f for f in frames if f["type"] == "HELLO"]
    await refused.close()
    short.dispose()
