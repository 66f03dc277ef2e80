"""However a client leaves (it closes, resets the connection, is refused, breaks the protocol), the server closes its
side of the connection and nothing escapes to the server loop's log: a long-running application that viewers come
and go from holds no socket per viewer that left."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest
import orjson
from inspect_wire import RawClient, escaped, reset_connection
from test_inspect_bounds import clients_left


def open_descriptors() -> int:
    """This process's open file descriptors (Linux)."""
    return len(os.listdir("/proc/self/fd"))


async def descriptors_back_to(count: int, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while open_descriptors() > count:
        assert loop.time() < end, f"{open_descriptors() - count} sockets left open"
        await asyncio.sleep(0.01)


@pytest.mark.asyncio
async def test_every_client_that_leaves_has_its_server_side_socket_closed(app, caplog):
    rt, _inst = app
    caplog.set_level(logging.ERROR, logger="asyncio")
    auth = orjson.dumps({"type": "AUTH", "payload": {"token": "s3cret"}}) + b"\n"
    address = rt.inspector.address
    baseline = open_descriptors()
    for _ in range(3):
        viewer = await RawClient.open(address, "s3cret")  # subscribed, then closes
        await viewer.close()

        refused = await RawClient.open(address)
        await refused.send({"type": "AUTH", "payload": {"token": "guess"}})
        await refused.until(lambda f: f["type"] == "OBSERVATION_BATCH")  # the error frame
        await refused.close()

        rude = await RawClient.open(address, "s3cret")
        await rude.send(b"{not json}\n")
        await rude.until(lambda f: f["type"] == "OBSERVATION_BATCH" and f["payload"]["events"]
                         and f["payload"]["events"][0]["type"] == "inspect:error")
        await rude.close()

        await reset_connection(address, auth)
    await clients_left(rt, 0)
    await descriptors_back_to(baseline)
    assert escaped(caplog) == []
