"""The demo recorded to a trace file: every kind of event the devtools views show is in it, and it passes the
reference checker. Runs the real demo (loopback backend included) for a couple of seconds per diagnostics level."""

from __future__ import annotations

import asyncio
from collections import Counter

import orjson
import pytest

from devtools.demo import build_demo, run_demo
from runtime import Runtime
from runtime.operations import Stage
from runtime.trace import TraceWriter

REQUIRED = ("state/state:update", "trait:converge", "action/async-action", "devtools/trace:tick")


async def _until(rt: Runtime, predicate, what: str) -> None:
    """Wait until `predicate()` holds, checking it after each batch of the runtime's debug events (every stage an
    operation reaches is one). The bound is an upper one only, far above what a loaded machine needs."""
    changed = asyncio.Event()
    unsubscribe = rt.hub.subscribe(lambda _token: changed.set())
    try:
        async with asyncio.timeout(120):
            while not predicate():
                changed.clear()
                await changed.wait()
    except TimeoutError:
        raise AssertionError(f"the demo never got to: {what}") from None
    finally:
        unsubscribe()


async def _user_at_the_fault_toggles(app, stop: asyncio.Event) -> None:
    """Let a save succeed, then make saves fail, then make them never reach the read model; stop once such a save
    was committed (run_demo's close lets it run into its deadline)."""

    def stages():
        tracker = app.extras.get("todos.tracker")
        return [op.stage for op in tracker.operations()] if tracker is not None else []

    try:
        await _until(app.runtime, lambda: Stage.READY in stages(), "a save reaching ready")
        app.set_fault("fail_saves", True)
        await _until(app.runtime, lambda: Stage.FAILED in stages(), "a save failing after acceptance")
        app.set_fault("fail_saves", False)
        app.set_fault("never_project", True)
        seen = len(stages())
        await _until(app.runtime, lambda: Stage.COMMITTED in stages()[seen:],
                     "a save committed while the projector is broken")
        await asyncio.sleep(0.3)  # a little more of everything else
    finally:
        stop.set()  # also when the demo never got there: the test fails instead of hanging


async def _record(path, level: str):
    rt = Runtime(label="demo", diagnostics=level, buffer_size=50_000)
    writer = TraceWriter(path, label="demo").attach(rt.hub, runtime=rt)
    app = build_demo(rt)
    stop = asyncio.Event()
    before = asyncio.all_tasks()
    user = asyncio.create_task(_user_at_the_fault_toggles(app, stop))
    try:
        await run_demo(rt, None, stop=stop)
    finally:
        writer.close()
    await user  # raises if the demo never showed one of the stages
    assert asyncio.all_tasks() == before, "run_demo left tasks behind"
    return rt, app


def _records(path):
    lines = path.read_bytes().splitlines()
    rows = [orjson.loads(line) for line in lines[1:]]
    return rows, [r["payload"] for r in rows if r["type"] == "debug:event"]


def _updates(events, instance_id: str):
    return [e for e in events if e["label"] == "state:update" and e["instanceId"] == instance_id]


@pytest.mark.asyncio
@pytest.mark.parametrize("level", ["light", "full"])
async def test_a_recorded_demo_shows_every_kind_of_event_and_passes_the_checker(tmp_path, check_trace, level):
    path = tmp_path / f"demo-{level}.jsonl"
    rt, app = await _record(path, level)
    code, out = check_trace(path, *REQUIRED)
    assert code == 0, out

    # nothing left pending: runs settled, operations terminal, the backend's writes all accounted for
    tracker = app.extras["todos.tracker"]
    assert tracker.pending() == [] and app.extras["todos.actions"].pending() == []
    assert app.extras["form.actions"].pending() == []

    rows, events = _records(path)
    # the sensor: 60 Hz external-store writebacks (urgent), and the dashboard's coalesced non-urgent mirror
    sensor = _updates(events, "sensor#1")
    writebacks = [e for e in sensor if e["meta"]["originKind"] == "field-external-store"]
    assert len(writebacks) >= 60 and {e["meta"]["originName"] for e in writebacks} == {"reading"}
    trend = [e for e in _updates(events, "dashboard#1") if e["meta"].get("originName") == "sensor_trend"]
    assert trend and all((e["meta"]["priority"], e["meta"]["commitMode"]) == ("low", "lowPriority") for e in trend)
    assert len(trend) < len(writebacks) / 4  # coalesced: far fewer commits than frames

    # the search source: loading and success snapshots written by source refreshes
    refreshes = [e for e in _updates(events, "search#1") if e["meta"]["originKind"] == "source-refresh"]
    statuses = Counter(e["meta"]["state"]["results"]["status"] for e in refreshes)
    assert statuses["loading"] > statuses["success"] >= 1  # switch: most loads were superseded by a keystroke

    # backend operations: stages reached ready; with the fault switches on, failed and timed_out ones
    ops = [e for e in events if e["kind"] == "operation"]
    assert {e["linkId"].split("::")[0] for e in ops} == {"todos#1"}
    reached = {(e["meta"]["eventStage"], e["meta"]["stage"]) for e in ops if e["label"] == "operation:stage"}
    assert {("committed", "committed"), ("observed", "ready"), ("ready", "ready")} <= reached
    failed = [e for e in ops if e["label"] == "operation:failed"]
    timed_out = [e for e in ops if e["label"] == "operation:timed-out"]
    assert failed and all(e["meta"]["error"]["code"] == "demo_fault" for e in failed)
    assert timed_out and all(e["meta"]["error"]["code"] == "deadline" for e in timed_out)  # not ended by disposal
    final = Counter(str(o.stage) for o in tracker.operations())
    assert final["ready"] >= 1 and final["failed"] == len(failed)
    # optimistic saves: every todo add and flip shows at once; a failed one was rolled back, linked to its run
    optimistic = [e for e in events if (e["kind"], e["label"]) == ("state", "optimistic")]
    by_phase = Counter(e["meta"]["phase"] for e in optimistic)
    assert by_phase["apply"] >= 1 and by_phase["confirm"] >= 1
    failed_saves = [e for e in failed if e["meta"]["kind"] in ("todo.create", "todo.toggle")]
    if failed_saves:
        failed_links = {e["linkId"] for e in failed_saves}
        rolled = {e["linkId"] for e in optimistic if e["meta"]["phase"] == "rollback"}
        assert failed_links <= rolled
        assert all(e["meta"]["reason"] == "failure" for e in optimistic if e["linkId"] in failed_links
                   and e["meta"]["phase"] == "rollback")
    # the search loads through the resource cache
    resources = [e for e in events if (e["kind"], e["label"]) == ("service", "resource")]
    assert {"start", "resolve"} <= {e["meta"]["phase"] for e in resources}
    assert all(e["meta"]["resourceKey"].startswith("resource:catalog:") for e in resources)

    runs = [e for e in events if e["label"] == "async-action"]
    policies = {e["meta"].get("actionId") for e in runs}
    assert {"save-draft", "save-todo", "save-toggle", "submit-order"} <= policies

    # the declarative link: the dashboard commits set_order_total with the total the form had just committed
    form_total = None
    linked = 0
    for e in events:
        if e["label"] != "state:update":
            continue
        if e["instanceId"] == "form#1":
            form_total = e["meta"]["state"].get("total", form_total)
        elif e["instanceId"] == "dashboard#1" and e["meta"].get("originName") == "set_order_total":
            assert e["meta"]["state"]["order_total"] == form_total
            linked += 1
    assert linked >= 1

    snapshots = {r["payload"]["instanceId"] for r in rows if r["type"] == "state:snapshot"}
    if level == "full":
        assert snapshots == set(f"{name}#1" for name in app.instances)
    else:
        assert snapshots == set()
