"""Fixtures for the inspector tests: the validator of the frames a server sends, an inspected runtime, and a
loopback connection for a session built alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from inspect_wire import counter_module
from schema_check import validator

from runtime import Runtime
from runtime.inspect import InspectConfig


@pytest.fixture(scope="session")
def transport_schema():
    """A validator of resources/schemas/server-frame.schema.json: every frame a server sends must pass it."""
    return validator("server-frame")


@pytest_asyncio.fixture
async def app():
    """A runtime with an inspector on loopback (ephemeral port, fixed token), one counter instance mounted."""
    rt = Runtime(label="app", diagnostics="full",
                 inspect=InspectConfig(token="s3cret", announce=False, client_queue_batches=4, batch_max_events=8,
                                       auth_timeout_s=1.0, max_frame_bytes=4096))
    inst = rt.mount(counter_module())
    yield rt, inst
    rt.dispose()


@pytest_asyncio.fixture
async def connection() -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter, asyncio.StreamReader]]:
    """(server-side reader, server-side writer, client-side reader) of one loopback TCP connection, for a
    ClientSession built alone (session_host.Host)."""
    accepted: asyncio.Future = asyncio.get_running_loop().create_future()
    server = await asyncio.start_server(lambda r, w: accepted.set_result((r, w)), "127.0.0.1", 0)
    client_reader, client_writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
    reader, writer = await accepted
    yield reader, writer, client_reader
    writer.close()
    client_writer.close()
    server.close()
    await server.wait_closed()
