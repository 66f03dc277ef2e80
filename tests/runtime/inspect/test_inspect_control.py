"""Control commands: acknowledged (accepted or refused with a reason), their effect seen only in the stream."""

from __future__ import annotations

import pytest
from inspect_wire import RawClient, has_event


def acks(client: RawClient):
    return {f["payload"]["commandSeq"]: f["payload"] for f in client.frames if f["type"] == "CONTROL_ACK"}


def is_ack(seq: int):
    return lambda f: f["type"] == "CONTROL_ACK" and f["payload"]["commandSeq"] == seq


def markers(client: RawClient, command: str):
    return [e for e in client.events() if e["type"] == "inspect:control" and e["payload"]["command"] == command]


@pytest.mark.asyncio
async def test_dispatch_is_acknowledged_then_observed_in_the_stream(app, transport_schema):
    rt, inst = app
    client = await RawClient.open(rt.inspector.address, "s3cret")
    await client.control("dispatch", instanceId="counter#1", actionType="inc", payload=41)
    ack = (await client.until(is_ack(1)))["payload"]
    assert ack["accepted"] is True and ack["runId"] == rt.inspector.run_id and "reason" not in ack
    update = await client.until(has_event("state:update"))
    (event,) = [e for e in update["payload"]["events"] if e["payload"]["label"] == "state:update"]
    assert inst.get_state()["n"] == 41
    assert event["payload"]["txnId"] == "counter#1::t1"
    of_t1 = [e["payload"]["label"] for e in client.events()
             if e["type"] == "debug:event" and e["payload"].get("txnId") == "counter#1::t1"]
    assert of_t1 == ["inc", "state:update"]  # the action announced, then its commit

    # a reducer that raises: accepted (it was queued), and the failure shows up as a diagnostic event
    await client.control("dispatch", instanceId="counter#1", actionType="boom")
    assert (await client.until(is_ack(2)))["payload"]["accepted"] is True
    diag = await client.until(lambda f: any(e["type"] == "debug:event" and e["payload"]["kind"] == "diagnostic"
                                            for e in f["payload"].get("events", [])))
    assert "reducer exploded" in str(diag)
    assert inst.get_state()["n"] == 41
    for frame in client.frames:
        transport_schema.validate(frame)


@pytest.mark.asyncio
@pytest.mark.parametrize("fields, reason", [
    ({"type": "dispatch", "instanceId": "counter#1", "actionType": "nope"}, "no reducer for action 'nope'"),
    ({"type": "dispatch", "instanceId": "ghost#1", "actionType": "inc"}, "no instance 'ghost#1'"),
    ({"type": "timeTravel", "instanceId": "counter#1", "txnId": "counter#1::t99", "mode": "before"},
     "counter#1::t99 is not in the history"),
    ({"type": "pause", "runId": "another-run"}, "command for run 'another-run'"),
])
async def test_refused_commands_say_why_and_change_nothing(app, transport_schema, fields, reason):
    rt, inst = app
    inst.dispatch("inc", 1)
    client = await RawClient.open(rt.inspector.address, "s3cret")
    await client.until(has_event("state:update"))
    kind, rest = fields["type"], {k: v for k, v in fields.items() if k != "type"}  # the parameter is shared: keep it
    await client.control(kind, **rest)
    ack = (await client.until(is_ack(1)))["payload"]
    assert ack["accepted"] is False and reason in ack["reason"], ack
    inst.dispatch("inc", 1)  # the connection stays usable after a refusal
    await client.until(has_event("state:update", 2))
    assert inst.get_state()["n"] == 2 and not markers(client, "pause")
    for frame in client.frames:
        transport_schema.validate(frame)


@pytest.mark.asyncio
async def test_time_travel_applies_a_past_state_as_a_devtools_transaction(app):
    rt, inst = app
    inst.dispatch("inc", 1)
    inst.dispatch("inc", 10)
    client = await RawClient.open(rt.inspector.address, "s3cret")
    await client.control("timeTravel", instanceId="counter#1", txnId="counter#1::t2", mode="before")
    assert (await client.until(is_ack(1)))["payload"]["accepted"] is True
    frame = await client.until(lambda f: any(e["type"] == "debug:event" and e["payload"]["txnSeq"] == 3
                                             and e["payload"]["label"] == "state:update"
                                             for e in f["payload"].get("events", [])))
    (update,) = [e["payload"] for e in frame["payload"]["events"] if e["payload"]["label"] == "state:update"]
    assert update["meta"]["originKind"] == "devtools" and update["meta"]["originName"] == "time-travel"
    assert inst.get_state()["n"] == 1


@pytest.mark.asyncio
async def test_pause_and_resume_affect_only_the_asking_client(app):
    rt, inst = app
    pauser = await RawClient.open(rt.inspector.address, "s3cret")
    watcher = await RawClient.open(rt.inspector.address, "s3cret")
    await pauser.control("pause")
    await pauser.until(lambda f: f["type"] == "OBSERVATION_BATCH" and markers(pauser, "pause"))
    inst.dispatch("inc", 1)
    inst.dispatch("inc", 2)
    await watcher.until(has_event("state:update", 2))
    await pauser.control("resume")
    await pauser.until(lambda f: bool(markers(pauser, "resume")))
    inst.dispatch("inc", 3)
    await pauser.until(has_event("state:update"))

    seen = [e["payload"]["txnSeq"] for e in pauser.events()
            if e["type"] == "debug:event" and e["payload"]["label"] == "state:update"]
    assert seen == [3]  # nothing between its pause and its resume
    assert acks(pauser)[1]["accepted"] and acks(pauser)[2]["accepted"]
    watched = [e["payload"]["txnSeq"] for e in watcher.events()
               if e["type"] == "debug:event" and e["payload"]["label"] == "state:update"]
    assert watched[:2] == [1, 2]
    (pause,) = markers(watcher, "pause")  # everyone sees the marker, naming the client and its command
    assert pause["payload"] == markers(pauser, "pause")[0]["payload"]
    assert pause["payload"]["commandSeq"] == 1


@pytest.mark.asyncio
async def test_clear_empties_the_runtime_ring_and_the_retained_history(app):
    rt, inst = app
    for _ in range(3):
        inst.dispatch("inc", 1)
    assert rt.hub.events()
    client = await RawClient.open(rt.inspector.address, "s3cret")
    await client.control("clear")
    await client.until(lambda f: bool(markers(client, "clear")))
    assert acks(client)[1]["accepted"] is True
    assert rt.hub.events() == []
    late = await RawClient.open(rt.inspector.address, "s3cret")  # a newcomer gets no pre-clear history
    await late.until(lambda f: bool(markers(late, "clear")))
    assert not [e for e in late.events() if e["type"] == "debug:event"]
    assert [e["type"] for e in late.events()] == ["static-ir", "static-ir:graph", "inspect:control"]


@pytest.mark.asyncio
async def test_highlight_updates_switches_the_runtime_and_its_marker_says_to_what(app, transport_schema):
    rt, _inst = app
    client = await RawClient.open(rt.inspector.address, "s3cret")
    await client.control("highlightUpdates", enabled=True)
    assert (await client.until(is_ack(1)))["payload"]["accepted"] is True
    await client.until(lambda f: bool(markers(client, "highlightUpdates")))
    assert rt.highlight.enabled is True
    assert markers(client, "highlightUpdates")[0]["payload"]["enabled"] is True
    await client.control("highlightUpdates", enabled=False)
    await client.until(lambda f: len(markers(client, "highlightUpdates")) == 2)
    assert rt.highlight.enabled is False
    await client.control("highlightUpdates", enabled="yes")  # not a boolean: refused before anything happens
    error = await client.until(lambda f: any(e["type"] == "inspect:error" for e in f["payload"].get("events", [])))
    assert "enabled" in str(error)
    assert rt.highlight.enabled is False
    for frame in client.frames:
        transport_schema.validate(frame)
