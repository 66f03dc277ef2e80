"""A refused client gets its error frame and a clean close, whatever it still sends, however long it keeps its side
open, and when it ends its side inside a frame; and the refusal ends inside the server: no error escapes to the
server loop's log."""

from __future__ import annotations

import logging

import pytest
from inspect_wire import RawClient, escaped
from test_inspect_bounds import clients_left, errors_in


async def served_a_command(rt, inst) -> None:
    """A fresh client authenticates and gets a command answered: the server carries on."""
    client = await RawClient.open(rt.inspector.address, "s3cret")
    await client.control("dispatch", instanceId=inst.instance_id, actionType="inc", payload=1)
    ack = await client.until(lambda f: f["type"] == "CONTROL_ACK")
    assert ack["payload"]["accepted"]
    await client.close()


@pytest.mark.asyncio
async def test_a_client_refused_while_it_keeps_sending_reads_the_reason_and_a_clean_close(app, caplog):
    rt, inst = app
    caplog.set_level(logging.ERROR, logger="asyncio")
    client = await RawClient.open(rt.inspector.address)
    # the refused AUTH and 200 KB more behind it: the server must read (and drop) them, or closing with input
    # unread resets the connection
    await client.send(b'{"type": "AUTH", "payload": {"token": "guess"}}\n' + b" " * 200_000)
    error = await client.frame()
    assert [e["code"] for e in errors_in([error])] == ["auth_failed"]
    assert await client.frame() is None  # an end of stream, not a reset
    await client.close()
    await clients_left(rt, 0)
    await served_a_command(rt, inst)
    assert escaped(caplog) == []


@pytest.mark.asyncio
async def test_a_refused_client_that_never_closes_is_closed_after_the_linger_and_nothing_escapes(app, caplog):
    rt, inst = app
    caplog.set_level(logging.ERROR, logger="asyncio")
    client = await RawClient.open(rt.inspector.address)
    await client.send({"type": "AUTH", "payload": {"token": "guess"}})
    assert [e["code"] for e in errors_in([await client.frame()])] == ["auth_failed"]
    assert await client.frame() is None
    # the client keeps its side open: the server waits for it a while (2 s), then closes anyway
    await clients_left(rt, 0)
    await served_a_command(rt, inst)
    assert escaped(caplog) == []
    await client.close()


@pytest.mark.asyncio
async def test_a_client_that_ends_its_side_inside_a_frame_is_told_so(app, caplog, transport_schema):
    rt, inst = app
    caplog.set_level(logging.ERROR, logger="asyncio")
    client = await RawClient.open(rt.inspector.address, "s3cret")
    await client.send(b'{"type": "CONTROL", "payload": {"protoc')
    client.writer.write_eof()  # half-closed: it can still read the answer
    error = await client.until(lambda f: f["type"] == "OBSERVATION_BATCH" and f["payload"]["events"]
                               and f["payload"]["events"][0]["type"] == "inspect:error")
    transport_schema.validate(error)
    (payload,) = errors_in([error])
    assert (payload["code"], payload["message"]) == ("malformed_json", "the connection ended inside a frame")
    assert await client.frame() is None
    await client.close()
    await served_a_command(rt, inst)
    assert escaped(caplog) == []
