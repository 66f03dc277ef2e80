"""The inspector refuses what it must (no token, bad frames) with one error frame, and nothing else is harmed."""

from __future__ import annotations


import pytest
from ops_support import wait_until
from inspect_wire import RawClient, has_event


def error_of(frame):
    assert frame is not None and frame["type"] == "OBSERVATION_BATCH", frame
    (event,) = frame["payload"]["events"]
    assert event["type"] == "inspect:error"
    return event["payload"]


async def expect_refused(client: RawClient, code: str) -> str:
    """One error frame with `code`, then the server closes the connection."""
    error = error_of(await client.frame())
    assert error["code"] == code, error
    assert await client.frame() is None
    return error["message"]


@pytest.mark.asyncio
async def test_wrong_or_missing_token_gets_one_error_frame_and_is_closed(app, transport_schema):
    rt, inst = app
    address = rt.inspector.address
    assert address[0] == "127.0.0.1"  # loopback unless told otherwise

    wrong = await RawClient.open(address)
    await wrong.send({"type": "AUTH", "payload": {"token": "guess"}})
    assert "wrong token" in await expect_refused(wrong, "auth_failed")

    skipped = await RawClient.open(address)
    await skipped.send({"type": "SUBSCRIBE", "payload": {"protocolVersion": "v1"}})
    assert "first frame must be AUTH" in await expect_refused(skipped, "auth_failed")

    garbled = await RawClient.open(address)
    await garbled.send(b"{not json}\n")
    assert (await expect_refused(garbled, "auth_failed")).startswith("the first frame must be AUTH with the token (")

    silent = await RawClient.open(address)  # says nothing: closed after the auth timeout (1 s here)
    assert "no AUTH frame" in await expect_refused(silent, "auth_timeout")

    for client in (wrong, skipped, garbled, silent):
        assert not [e for e in client.events() if e["type"] == "debug:event"]  # nothing leaked before auth
        for frame in client.frames:
            transport_schema.validate(frame)


@pytest.mark.asyncio
@pytest.mark.parametrize("bad, code, words", [
    (b"{not json}\n", "malformed_json", "not JSON"),
    (b'{"type": "GOSSIP", "payload": {}}\n', "unknown_message", "'GOSSIP'"),
    (b'{"type": "HELLO", "payload": {}}\n', "unknown_message", "only the server sends HELLO"),
    (b'{"type": "CONTROL", "payload": {"protocolVersion": "v1", "commandSeq": 1, "type": "explode"}}\n',
     "invalid_message", "'explode'"),
    (b'{"type": "SUBSCRIBE", "payload": {"protocolVersion": "v9"}}\n', "protocol_version", "'v9'"),
    (b'{"type": "CONTROL", "payload": {"protocolVersion": "v1", "commandSeq": 1, "type": "dispatch"}}\n',
     "invalid_message", "instanceId"),
    (b'{"type": "SUBSCRIBE", "payload": {"protocolVersion": "v1", "afterSeq": "x"}}\n',
     "invalid_message", "afterSeq"),
    (b'{"pad": "' + b"x" * 5000 + b'"}\n', "frame_too_large", "4096 bytes"),
    (b'{"type": "AUTH", "payload": {"token": "s3cret"}}\n', "invalid_message",
     "AUTH was already accepted; send SUBSCRIBE or CONTROL"),
])
async def test_bad_frames_close_only_that_client(app, transport_schema, bad, code, words):
    rt, inst = app
    good = await RawClient.open(rt.inspector.address, "s3cret")
    culprit = await RawClient.open(rt.inspector.address, "s3cret")

    await culprit.send(bad)
    while True:  # events may arrive before the error frame; the error frame is the last thing it gets
        frame = await culprit.frame()
        assert frame is not None, "closed without an error frame"
        events = frame["payload"].get("events", [])
        if frame["type"] == "OBSERVATION_BATCH" and events and events[0]["type"] == "inspect:error":
            break
    error = error_of(frame)
    assert error["code"] == code and words in error["message"], error
    assert await culprit.frame() is None

    # the app and the other client carry on
    inst.dispatch("inc", 5)
    await good.until(has_event("state:update"))
    assert inst.get_state()["n"] == 5
    third = await RawClient.open(rt.inspector.address, "s3cret")
    await third.until(has_event("state:update"))
    for client in (good, culprit, third):
        for f in client.frames:
            transport_schema.validate(f)
        await client.close()


@pytest.mark.asyncio
async def test_several_clients_see_the_same_stream(app, transport_schema):
    rt, inst = app
    clients = [await RawClient.open(rt.inspector.address, "s3cret") for _ in range(3)]
    for i in range(4):
        inst.dispatch("inc", i + 1)
    for client in clients:  # each got the last commit ...
        await client.until(has_event("state:update", inst.txn_seq))
    last = rt.inspector.stream.last_seq  # ... and reads on to whatever the stream holds now
    for client in clients:
        while client.last_seq < last:
            await client.frame()
    streams = [[(e["seq"], e["type"]) for e in c.events()] for c in clients]
    assert streams[0] == streams[1] == streams[2]
    seqs = [s for s, _ in streams[0]]
    assert seqs == list(range(1, len(seqs) + 1))  # dense, ordered, no duplicates
    assert sum(1 for _, t in streams[0] if t == "static-ir") == 1
    for client in clients:
        for f in client.frames:
            transport_schema.validate(f)
        await client.close()
    await wait_until(lambda: rt.inspector.client_stats() == [], what="the server to forget the closed clients")


@pytest.mark.asyncio
@pytest.mark.parametrize("token", ["", "s", "s3cre", "3cret", "s3cretX", "s3cret ", " s3cret", "S3CRET", "s3cret\n",
                                   "s3cret" * 2])
async def test_only_the_exact_token_is_accepted(app, transport_schema, token):
    """A prefix, a suffix, the empty string, the token with something around it or in another case: all refused."""
    rt, inst = app
    client = await RawClient.open(rt.inspector.address)
    await client.send({"type": "AUTH", "payload": {"token": token}})
    message = await expect_refused(client, "auth_failed")
    assert "token" in message
    assert not [e for e in client.events() if e["type"] == "debug:event"]
    for frame in client.frames:
        transport_schema.validate(frame)
    exact = await RawClient.open(rt.inspector.address, token="s3cret")  # and the exact one still gets in
    inst.dispatch("inc", 1)
    await exact.until(has_event("state:update"))
    await exact.close()
