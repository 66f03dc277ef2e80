"""A viewer's batch queue holds to its byte budget (`client_queue_bytes`) as well as to its length
(`client_queue_batches`): a stalled viewer loses its oldest batches, is told how many events it lost, and what it
gets plus what it lost is everything offered, in order.

The session is built alone on a real loopback connection, with the small host it needs (SessionHost): nothing is
written while the test does not let it, so the queue is exactly what the session holds for a stalled client."""

from __future__ import annotations

import asyncio
import socket

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from session_host import Host

from runtime.inspect import InspectConfig
from runtime.inspect.session import ClientSession


def events_json(first_seq: int, count: int, pad: int) -> bytes:
    return orjson.dumps([{"seq": first_seq + i, "pad": "x" * pad} for i in range(count)])


async def read_batches(client_reader: asyncio.StreamReader, frames: int) -> list[dict]:
    return [orjson.loads(await asyncio.wait_for(client_reader.readline(), 10)) for _ in range(frames)]


@pytest.mark.asyncio
async def test_the_byte_budget_drops_the_oldest_batches_and_the_next_batch_says_how_many_events(connection):
    reader, writer, client_reader = connection
    config = InspectConfig(token="s3cret", announce=False, client_queue_batches=1000, client_queue_bytes=10_000)
    session = ClientSession(Host(config), 1, reader, writer)
    session.subscribed = True
    seq = 1
    sizes = []
    for _ in range(12):  # 12 batches of 4 events, ~4 KB each: far fewer than the batch limit, far over the bytes
        batch = events_json(seq, 4, 1000)
        sizes.append(len(batch))
        session.offer(batch, 4)
        seq += 4
        assert session.stats().queued_bytes <= 10_000
    stats = session.stats()
    kept = 10_000 // sizes[0]  # the batches are the same size: as many as fit the budget are kept
    assert stats.queued_batches == kept and stats.queued_bytes == sum(sizes[-kept:])
    assert stats.dropped_events == (12 - kept) * 4

    session.write_now()  # the viewer reads again
    frames = await read_batches(client_reader, kept)
    assert frames[0]["payload"]["droppedCount"] == (12 - kept) * 4
    assert frames[0]["payload"]["droppedReason"] == "buffer_overflow"
    assert all("droppedCount" not in f["payload"] for f in frames[1:])
    got = [e["seq"] for f in frames for e in f["payload"]["events"]]
    assert got == list(range((12 - kept) * 4 + 1, seq))  # the newest batches, whole and in order
    assert session.stats().queued_bytes == 0


@pytest.mark.asyncio
async def test_one_batch_larger_than_the_budget_is_still_delivered_alone(connection):
    reader, writer, client_reader = connection
    config = InspectConfig(token="s3cret", announce=False, client_queue_bytes=5_000)
    session = ClientSession(Host(config), 1, reader, writer)
    session.subscribed = True
    session.offer(events_json(1, 2, 100), 2)
    big = events_json(3, 2, 4000)
    session.offer(big, 2)  # over the budget on its own: the queue holds it, and nothing else
    assert (session.stats().queued_batches, session.stats().queued_bytes) == (1, len(big))
    session.write_now()
    (frame,) = await read_batches(client_reader, 1)
    assert [e["seq"] for e in frame["payload"]["events"]] == [3, 4] and frame["payload"]["droppedCount"] == 2


@pytest.mark.asyncio
async def test_batches_that_fill_the_budget_to_the_byte_are_all_kept(connection):
    reader, writer, _client_reader = connection
    first, second = events_json(1, 1, 400), events_json(2, 1, 400)
    config = InspectConfig(token="s3cret", announce=False, client_queue_bytes=len(first) + len(second))
    session = ClientSession(Host(config), 1, reader, writer)
    session.subscribed = True
    session.offer(first, 1)
    session.offer(second, 1)
    assert (session.stats().queued_batches, session.stats().dropped_events) == (2, 0)
    session.offer(events_json(3, 1, 0), 1)  # one byte more than fits: the oldest goes
    assert (session.stats().queued_batches, session.stats().dropped_events) == (2, 1)


@pytest.mark.asyncio
async def test_the_budget_counts_what_waits_in_the_socket_write_buffer(connection):
    reader, writer, _client_reader = connection
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    budget = 1 << 20
    session = ClientSession(Host(InspectConfig(token="s3cret", announce=False, client_queue_bytes=budget)), 1,
                            reader, writer)
    session.subscribed = True
    seq = 1
    for _ in range(80):  # 800 KB written to a client that does not read: most of it waits in the write buffer
        session.offer(events_json(seq, 1, 10_000), 1)
        seq += 1
    session.write_now()
    buffered = session.stats().write_buffer_bytes
    assert buffered > budget // 2
    for _ in range(80):  # as much again: only what fits next to the write buffer is kept
        session.offer(events_json(seq, 1, 10_000), 1)
        seq += 1
        stats = session.stats()
        assert stats.queued_bytes + stats.write_buffer_bytes <= budget
    assert session.stats().dropped_events > 0


@settings(max_examples=80, deadline=None)
@given(budget=st.integers(200, 20_000), limit=st.integers(1, 40),
       batches=st.lists(st.tuples(st.integers(1, 6), st.integers(0, 800), st.booleans() | st.just(False)),
                        min_size=1, max_size=60))
def test_queue_bounds_hold_essential_batches_stay_and_nothing_is_lost_unreported(budget, limit, batches):
    async def run() -> None:
        server_side: asyncio.Future = asyncio.get_running_loop().create_future()
        server = await asyncio.start_server(lambda r, w: server_side.set_result((r, w)), "127.0.0.1", 0)
        client_reader, client_writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
        reader, writer = await server_side
        try:
            config = InspectConfig(token="s3cret", announce=False, client_queue_batches=limit,
                                   client_queue_bytes=budget)
            host = Host(config)
            session = ClientSession(host, 1, reader, writer)
            session.subscribed = True
            seq, offered = 1, 0
            essential: list[bytes] = []
            for count, pad, must_keep in batches:
                batch = events_json(seq, count, pad)
                session.offer(batch, count, must_keep)
                seq += count
                offered += count
                if host.lost:  # essential batches passed the bound: the client is let go, and all it held
                    assert must_keep and host.lost == ["client_overflow"]
                    assert sum(map(len, essential)) + len(batch) > budget
                    assert session.stats().queued_bytes == 0
                    return
                essential += [batch] if must_keep else []
                stats = session.stats()
                droppable = stats.queued_batches - len(essential)
                assert droppable >= 0  # an essential batch is never dropped
                assert stats.queued_batches <= max(limit, len(essential) + 1)
                # the bytes stay in the budget; past it only the newest batch, or one essential batch alone
                assert stats.queued_bytes <= budget or droppable <= 1 and (
                    len(essential) <= 1 or stats.queued_bytes - len(batch) <= budget)
                assert droppable >= 1 or must_keep  # the newest batch is always kept
            queued = session.stats().queued_batches
            session.write_now()  # the client reads again: what it gets plus what it was told it lost is everything
            frames = [f["payload"] for f in await read_batches(client_reader, queued)]
            got = [e["seq"] for f in frames for e in f["events"]]
            told = sum(f.get("droppedCount", 0) for f in frames)
            assert got == sorted(got) and len(got) + told == offered == len(got) + session.stats().dropped_events
            assert {e["seq"] for batch in essential for e in orjson.loads(batch)} <= set(got)
        finally:
            writer.close()
            client_writer.close()
            server.close()
            await server.wait_closed()

    asyncio.run(run())


@pytest.mark.asyncio
async def test_the_stats_say_who_the_client_is_and_nothing_is_queued_unless_it_is_subscribed_and_not_paused(
        connection):
    reader, writer, client_reader = connection
    session = ClientSession(Host(InspectConfig(token="s3cret", announce=False)), 7, reader, writer)
    host, port = writer.get_extra_info("peername")[:2]
    batch = events_json(1, 1, 10)
    session.offer(batch, 1)  # not subscribed yet: nothing is kept for it
    stats = session.stats()
    assert (stats.client_id, stats.peer, stats.subscribed, stats.paused) == (7, f"{host}:{port}", False, False)
    assert (stats.queued_batches, stats.queued_bytes, stats.dropped_events, stats.sent_batches) == (0, 0, 0, 0)
    session.subscribed, session.paused = True, True
    session.offer(batch, 1)  # paused: not kept either
    assert (session.stats().subscribed, session.stats().paused, session.stats().queued_batches) == (True, True, 0)
    session.paused = False
    session.offer(batch, 1)
    assert (session.stats().queued_batches, session.stats().queued_bytes) == (1, len(batch))
    session.write_now()
    (frame,) = await read_batches(client_reader, 1)
    assert [e["seq"] for e in frame["payload"]["events"]] == [1] and "droppedCount" not in frame["payload"]
    assert (session.stats().sent_batches, session.stats().queued_batches) == (1, 0)


@pytest.mark.asyncio
async def test_essential_batches_outlive_the_budget_until_they_alone_pass_it_which_disconnects_the_client(
        connection):
    reader, writer, client_reader = connection
    host = Host(InspectConfig(token="s3cret", announce=False, client_queue_bytes=3_000))
    session = ClientSession(host, 1, reader, writer)
    session.subscribed = True
    ir = events_json(1, 1, 1000)
    session.offer(ir, 1, True)  # a static IR
    for seq in range(2, 8):  # ordinary batches: only what fits beside the IR is kept
        session.offer(events_json(seq, 1, 500), 1)
    stats = session.stats()
    assert stats.queued_bytes <= 3_000 and stats.dropped_events > 0 and host.lost == []
    session.write_now()
    frames = await read_batches(client_reader, stats.queued_batches)
    got = [e["seq"] for f in frames for e in f["payload"]["events"]]
    assert got[0] == 1 and got == sorted(got)  # the IR first, the newest batches after it
    assert frames[1]["payload"]["droppedCount"] == stats.dropped_events  # told right after the gap
    assert len(got) + stats.dropped_events == 7

    big = events_json(8, 1, 5_000)
    session.offer(big, 1, True)  # larger than the budget, but nothing else is held: it is kept
    assert (session.stats().queued_bytes, host.lost) == (len(big), [])
    session.offer(events_json(9, 1, 10), 1, True)  # a second essential batch cannot fit: the client is let go
    assert host.lost == ["client_overflow"] and session.stats().queued_bytes == 0
