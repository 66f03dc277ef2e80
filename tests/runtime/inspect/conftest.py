"""Fixtures for the inspector tests: the validator of the frames a server sends, and an inspected runtime."""

from __future__ import annotations

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
