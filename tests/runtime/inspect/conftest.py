"""Fixtures for the inspector tests: the transport message schema validator and an inspected runtime."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytest_asyncio
from inspect_wire import counter_module

from runtime import Runtime
from runtime.inspect import InspectConfig

SCHEMAS = Path(__file__).resolve().parents[4] / "shared" / "reference" / "schemas"
TRANSPORT = "005-unify-observability-protocol/contracts/schemas/transport-message.schema.json"


@pytest.fixture(scope="session")
def transport_schema():
    """A validator of TransportMessage (every frame a server sends must pass it)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    if not SCHEMAS.is_dir():
        pytest.fail(f"the reference schemas are missing at {SCHEMAS}")
    registry = Registry().with_resources(
        (p.resolve().as_uri(), Resource.from_contents(json.loads(p.read_text()))) for p in SCHEMAS.rglob("*.json"))
    path = (SCHEMAS / TRANSPORT).resolve()
    schema = dict(json.loads(path.read_text()), **{"$id": path.as_uri()})
    return Draft202012Validator(schema, registry=registry)


@pytest_asyncio.fixture
async def app():
    """A runtime with an inspector on loopback (ephemeral port, fixed token), one counter instance mounted."""
    rt = Runtime(label="app", diagnostics="full",
                 inspect=InspectConfig(token="s3cret", announce=False, client_queue_batches=4, batch_max_events=8,
                                       auth_timeout_s=1.0, max_frame_bytes=4096))
    inst = rt.mount(counter_module())
    yield rt, inst
    rt.dispose()
