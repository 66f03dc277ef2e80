"""HELLO tells a viewer what it attached to: the runtime's diagnostics level and its modules' reducers."""

from __future__ import annotations

import pytest
from inspect_wire import RawClient

from runtime import Module


@pytest.mark.asyncio
async def test_hello_names_the_level_and_the_reducers(app, transport_schema):
    rt, inst = app
    client = await RawClient.open(rt.inspector.address, "s3cret", subscribe=False)
    hello = client.frames[0]
    transport_schema.validate(hello)  # the schema is closed: these fields are declared there
    assert hello["payload"]["diagnostics"] == "full"
    assert hello["payload"]["actionTypes"] == {"counter": ["boom", "inc", "note"]}

    later = Module("later", initial={"x": 0})
    later.reducer("bump")(lambda draft, _: None)
    rt.mount(later)
    rt.sink.set_level("light")
    again = await RawClient.open(rt.inspector.address, "s3cret", subscribe=False)
    assert again.frames[0]["payload"]["diagnostics"] == "light"
    assert again.frames[0]["payload"]["actionTypes"] == {"counter": ["boom", "inc", "note"], "later": ["bump"]}
    for c in (client, again):
        c.writer.close()
