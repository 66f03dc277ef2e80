"""Against the real loopback backend: an event stream that sends `observed` before `committed` leaves, on the
operation's record and in its exported events, an inferred `committed` and a ready-policy `ready`, each naming the
operation, its source, the observer's attempt and the version, at the moment the observation was applied."""

from __future__ import annotations

import pytest

from runtime.operations import FactEntry, KindPolicy, Stage, StageFact


@pytest.mark.asyncio
async def test_an_observation_ahead_of_its_commit_records_the_inferred_and_ready_facts(runtime_ops, backend):
    rt, tracker = runtime_ops
    tracker.kinds["ahead"] = KindPolicy(observers=("sse",))
    backend.faults.set(kind="ahead", sse_reorder=True, commit_delay_s=0.05)
    heard = []
    tracker.subscribe(lambda event, state: heard.append(event))
    receipt = await tracker.submit("ahead", "a1", {}, wait_for=Stage.READY)
    cid = receipt.command_id
    op = tracker.get(cid)
    observed = next(e for e in op.facts if e.fact.stage is Stage.OBSERVED and e.disposition == "applied")
    assert observed.fact.source == "sse" and observed.fact.version == 1
    at, attempt = observed.at, observed.fact.attempt
    progress = [e for e in op.facts if e.disposition in ("applied", "inferred") and e.fact.stage is not Stage.ACCEPTED]
    assert progress == [
        FactEntry(StageFact(cid, Stage.COMMITTED, "inferred", version=1), at, "inferred"),
        observed,
        FactEntry(StageFact(cid, Stage.READY, "ready-policy", "sse", attempt, 1), at, "applied"),
    ]
    assert [(s, t) for s, t in op.stage_at if s is not Stage.ACCEPTED] == [
        (Stage.COMMITTED, at), (Stage.OBSERVED, at), (Stage.READY, at)]
    assert op.terminal_at == at and op.version == 1
    mine = [e for e in heard if e.command_id == cid and e.type == "stage_reached"]
    assert [(e.stage, e.source, e.version, e.attempt, e.inferred, e.at) for e in mine] == [
        (Stage.COMMITTED, "sse", 1, attempt, True, at), (Stage.OBSERVED, "sse", 1, attempt, False, at),
        (Stage.READY, "ready-policy", 1, attempt, False, at)]
    exported = [e["meta"] for e in rt.hub.events() if e["label"] == "operation:stage" and e["meta"]["commandId"] == cid]
    assert [(m["eventStage"], m["source"], m.get("version")) for m in exported] == [
        ("committed", "sse", 1), ("observed", "sse", 1), ("ready", "ready-policy", 1)]
