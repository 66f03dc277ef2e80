"""The client library follows an application across a restart: same address, a new run, told so."""

from __future__ import annotations

import asyncio

import pytest
from ops_support import wait_until

from runtime.inspect import InspectClient, InspectError


async def next_batch(client: InspectClient, pred, timeout: float = 120.0):  # an upper bound: a restart under load
    async def find():
        async for batch in client.batches():
            if pred(batch):
                return batch
        raise AssertionError("the client ended")

    return await asyncio.wait_for(find(), timeout)


@pytest.mark.asyncio
async def test_client_reconnects_after_the_process_restarts(inspected_app):
    client = InspectClient("127.0.0.1", inspected_app.port, inspected_app.token, retry_delay=0.05)
    hello = await client.connect()
    first_run = hello["runId"]
    assert first_run == inspected_app.info["runId"]
    first = await next_batch(client, lambda b: any(e["type"] == "debug:event" for e in b.events))
    assert not first.new_run and first.run_id == first_run

    inspected_app.stop()
    await wait_until(lambda: not client.connected, what="the client to see the process go")
    with pytest.raises(InspectError, match="connection_lost"):
        await client.pause()  # no ack can come while the process is gone: said plainly, never assumed
    inspected_app.start()

    restarted = await next_batch(client, lambda b: b.new_run)
    assert restarted.run_id == inspected_app.info["runId"] != first_run
    assert restarted.events[0]["seq"] == 1  # the new run from its start
    assert client.reconnects == 1 and client.connected
    ack = await client.pause()
    assert ack.accepted
    await client.close()


@pytest.mark.asyncio
async def test_a_refused_token_ends_the_client_without_retrying(inspected_app):
    client = InspectClient("127.0.0.1", inspected_app.port, "not-the-token")
    with pytest.raises(InspectError) as caught:
        await client.connect()
    assert caught.value.code == "auth_failed"
    await client.close()
