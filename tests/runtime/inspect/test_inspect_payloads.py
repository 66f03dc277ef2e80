"""HELLO carries each module's actions with their payload types; a remote dispatch of the wrong type is refused in
its ack, with the reason, and applies nothing."""

from __future__ import annotations

import pytest
from inspect_wire import RawClient, has_event

from runtime import Module
from runtime.inspect import payload_problem


def typed() -> Module:
    m = Module("typed", initial={"n": 0, "tags": []})

    @m.reducer("add")
    def add(draft, by: int):
        draft["n"] += by

    @m.reducer("tag")
    def tag(draft, tags: list[str]):
        draft["tags"] = tags

    return m


@pytest.mark.asyncio
async def test_hello_offers_the_payload_types_and_a_remote_dispatch_of_the_wrong_type_is_refused(app, transport_schema):
    rt, _ = app
    inst = rt.mount(typed())
    client = await RawClient.open(rt.inspector.address, "s3cret")
    hello = client.frames[0]["payload"]
    transport_schema.validate(client.frames[0])
    actions = hello["actions"]["typed"]
    assert actions["add"]["payload"]["text"] == "int" and actions["tag"]["payload"]["text"] == "list[str]"
    assert hello["actions"]["counter"]["inc"] == {}  # untyped: any payload
    assert payload_problem(actions["tag"]["payload"], ["a", 1]) == "at [1]: expected str, got 1"
    assert payload_problem(actions["tag"]["payload"], ["a"]) is None

    await client.control("dispatch", instanceId=inst.instance_id, actionType="tag", payload=["a", 1])
    ack = await client.until(lambda f: f["type"] == "CONTROL_ACK")
    transport_schema.validate(ack)
    assert not ack["payload"]["accepted"]
    assert ack["payload"]["reason"] == ("action 'tag' of module 'typed' expects list[str]; got ['a', 1] "
                                        "(at [1]: expected str, got 1)")
    await client.until(has_event("action::payload_mismatch"))  # the application's own diagnostic, streamed
    assert inst.get_state()["tags"] == [] and inst.txn_seq == 0

    await client.control("dispatch", instanceId=inst.instance_id, actionType="add", payload=3)
    ack = await client.until(lambda f: f["type"] == "CONTROL_ACK")
    assert ack["payload"]["accepted"]
    await client.until(has_event("state:update"))
    assert inst.get_state()["n"] == 3
    await client.close()


@pytest.mark.asyncio
async def test_a_validator_that_fails_still_gets_the_command_an_answer(app):
    rt, _ = app
    m = Module("strict", initial={"x": 0})

    def broken(value):
        raise RuntimeError("validator bug " + "z" * 5000)

    m.reducer("set", payload=broken)(lambda draft, v: None)
    inst = rt.mount(m)
    client = await RawClient.open(rt.inspector.address, "s3cret", subscribe=False)
    await client.control("dispatch", instanceId=inst.instance_id, actionType="set", payload=1)
    ack = (await client.until(lambda f: f["type"] == "CONTROL_ACK"))["payload"]
    assert not ack["accepted"] and ack["reason"].startswith("the runtime could not check this command: RuntimeError")
    assert len(ack["reason"]) < 1100  # cut like every reason
    assert rt.inspector.client_stats()[0].commands_in_flight == 0
    await client.close()
