"""The resource cache (090): keys, shared loads, counted consumers, generations, invalidation, eviction, events."""

from __future__ import annotations

import asyncio
import re

import pytest
from ops_support import settle_tasks, wait_until
from schema_check import schema_errors

from runtime import Module, Runtime
from runtime.actions import ActionCoordinator, action
from runtime.resources import ResourceCache, ResourceError, resource, resource_key


class Loader:
    """A catalog whose answers the test releases: `gate[args]` opens one key; calls and cancels are counted."""

    def __init__(self, *, ignore_cancel: bool = False) -> None:
        self.calls: list[object] = []
        self.cancelled: list[object] = []
        self.gates: dict[object, asyncio.Event] = {}
        self.ignore_cancel = ignore_cancel

    def gate(self, args: object) -> asyncio.Event:
        return self.gates.setdefault(str(args), asyncio.Event())

    async def __call__(self, args: object) -> str:
        self.calls.append(args)
        try:
            await self.gate(args).wait()
        except asyncio.CancelledError:
            self.cancelled.append(args)
            if self.ignore_cancel:
                return f"stale {args}"
            raise
        if args == "bad":
            raise ValueError("no such product")
        return f"value of {args} #{len(self.calls)}"


def resource_events(rt: Runtime) -> list[dict]:
    events = [e for e in rt.hub.events() if e["kind"] == "service" and e["label"] == "resource"]
    for e in events:
        assert not schema_errors("debug-event", e), schema_errors("debug-event", e)
    return events


def phases(rt: Runtime) -> list[tuple[str, int]]:
    return [(e["meta"]["phase"], e["meta"]["generation"]) for e in resource_events(rt)]


def test_keys_are_stable_and_name_the_resource():
    catalog = resource("catalog", Loader())
    key = resource_key(catalog, {"q": "tea", "page": 1})
    assert re.fullmatch(r"resource:catalog:[0-9a-f]{8}", key)
    assert key == resource_key(catalog, {"page": 1, "q": "tea"})
    assert key != resource_key(catalog, {"q": "tea", "page": 2})
    with pytest.raises(ResourceError, match="JSON"):
        resource_key(catalog, object())


@pytest.mark.asyncio
async def test_concurrent_reads_share_one_load_and_a_later_read_is_a_cache_hit():
    rt = Runtime(diagnostics="light")
    load = Loader()
    catalog = resource("catalog", load, tags=["catalog"])
    reads = [asyncio.create_task(rt.resources.read(catalog, "tea")) for _ in range(3)]
    await wait_until(lambda: rt.resources.state(resource_key(catalog, "tea")).consumer_count == 3, what="3 readers")
    load.gate("tea").set()
    assert await asyncio.gather(*reads) == ["value of tea #1"] * 3
    assert await rt.resources.read(catalog, "tea") == "value of tea #1"
    assert load.calls == ["tea"]
    events = resource_events(rt)
    assert [(e["meta"]["phase"], e["meta"].get("cacheHit")) for e in events] == [
        ("start", False), ("resolve", False), ("resolve", True)]
    assert events[1]["meta"]["consumerCount"] == 3 and events[0]["meta"]["tags"] == ["catalog"]
    rt.dispose()


@pytest.mark.asyncio
async def test_the_load_is_cancelled_only_when_its_last_consumer_goes():
    rt = Runtime(diagnostics="light")
    load = Loader()
    catalog = resource("catalog", load)
    key = resource_key(catalog, "tea")
    first = asyncio.create_task(rt.resources.read(catalog, "tea"))
    second = asyncio.create_task(rt.resources.read(catalog, "tea"))
    await wait_until(lambda: rt.resources.state(key).consumer_count == 2, what="two readers")
    first.cancel()
    await wait_until(lambda: rt.resources.state(key).consumer_count == 1, what="one reader left")
    assert rt.resources.state(key).status == "pending" and not load.cancelled
    second.cancel()
    await wait_until(lambda: load.cancelled == ["tea"], what="the load to be cancelled")
    assert rt.resources.state(key).status == "cancelled"
    cancel = resource_events(rt)[-1]["meta"]
    assert (cancel["phase"], cancel["cancelReason"], cancel["consumerCount"]) == ("cancel", "no-subscribers", 0)
    load.gate("tea").set()
    assert await rt.resources.read(catalog, "tea") == "value of tea #2"  # a new generation
    assert rt.resources.state(key).generation == 2
    rt.dispose()


@pytest.mark.asyncio
async def test_invalidating_a_pending_key_restarts_it_and_drops_the_old_generations_result():
    rt = Runtime(diagnostics="light")
    load = Loader(ignore_cancel=True)  # the first load answers anyway, after it was told to stop
    catalog = resource("catalog", load)
    key = resource_key(catalog, "tea")
    reader = asyncio.create_task(rt.resources.read(catalog, "tea"))
    await wait_until(lambda: load.calls == ["tea"], what="the first load")
    assert rt.resources.invalidate_key(key)
    await wait_until(lambda: len(load.calls) == 2, what="the second generation")
    await settle_tasks()
    assert not reader.done()  # the stale answer of generation 1 did not reach the reader
    load.gate("tea").set()
    assert await reader == "value of tea #2"
    assert phases(rt) == [("start", 1), ("invalidate", 1), ("cancel", 1), ("start", 2), ("resolve", 2)]
    rt.dispose()


@pytest.mark.asyncio
async def test_invalidate_key_and_tag_drop_settled_entries_without_keeping_a_stale_value():
    rt = Runtime(diagnostics="light")
    load = Loader()
    for q in ("tea", "pot", "bike"):
        load.gate(q).set()
    catalog = resource("catalog", load, tags=lambda q: ["catalog", f"q:{q}"])
    for q in ("tea", "pot", "bike"):
        await rt.resources.read(catalog, q)
    assert rt.resources.invalidate_key(resource_key(catalog, "bike"))
    assert rt.resources.state(resource_key(catalog, "bike")).status == "idle"
    assert rt.resources.invalidate_tag("q:tea") == 1
    assert rt.resources.invalidate_tag("catalog") == 1  # only pot is left to drop
    assert len(rt.resources) == 0
    assert await rt.resources.read(catalog, "tea") == "value of tea #4"
    reasons = [e["meta"]["invalidateReason"] for e in resource_events(rt) if e["meta"]["phase"] == "invalidate"]
    assert reasons == ["key", "tag", "tag"]
    assert not rt.resources.invalidate_key("resource:catalog:00000000")
    rt.dispose()


@pytest.mark.asyncio
async def test_stale_while_revalidate_only_when_asked_serves_the_old_value_while_the_next_loads():
    rt = Runtime(diagnostics="light")
    load = Loader()
    load.gate("tea").set()
    catalog = resource("catalog", load)
    key = resource_key(catalog, "tea")
    assert await rt.resources.read(catalog, "tea") == "value of tea #1"
    load.gates["tea"] = asyncio.Event()  # the revalidation waits until the test lets it answer
    assert rt.resources.invalidate_key(key, revalidate=True)
    await wait_until(lambda: len(load.calls) == 2, what="the revalidation to start")
    assert rt.resources.state(key).status == "pending"
    assert await rt.resources.read(catalog, "tea") == "value of tea #1"  # stale, at once
    load.gate("tea").set()
    await wait_until(lambda: rt.resources.state(key).status == "success", what="the revalidation")
    assert await rt.resources.read(catalog, "tea") == "value of tea #2"
    assert phases(rt) == [("start", 1), ("resolve", 1), ("invalidate", 1), ("start", 2),
                          ("resolve", 1),  # the stale hit names the generation its value came from
                          ("resolve", 2), ("resolve", 2)]
    rt.dispose()


@pytest.mark.asyncio
async def test_a_failure_is_reported_and_the_next_read_tries_again():
    rt = Runtime(diagnostics="light")
    load = Loader()
    load.gate("bad").set()
    catalog = resource("catalog", load)
    with pytest.raises(ValueError, match="no such product"):
        await rt.resources.read(catalog, "bad")
    key = resource_key(catalog, "bad")
    state = rt.resources.state(key)
    assert state.status == "failure" and state.error_summary["code"] == "resource::load_failed"
    reject = resource_events(rt)[-1]
    assert reject["meta"]["phase"] == "reject" and reject["errorSummary"]["message"] == "no such product"
    with pytest.raises(ValueError):
        await rt.resources.read(catalog, "bad")
    assert rt.resources.state(key).generation == 2 and len(load.calls) == 2
    rt.dispose()


@pytest.mark.asyncio
async def test_a_load_past_its_timeout_is_cancelled_with_reason_timeout():
    rt = Runtime(diagnostics="light")
    load = Loader()  # never opened
    catalog = resource("catalog", load, timeout_s=0.05)
    with pytest.raises(ResourceError, match="timeout"):
        await rt.resources.read(catalog, "tea")
    assert resource_events(rt)[-1]["meta"]["cancelReason"] == "timeout"
    rt.dispose()


@pytest.mark.asyncio
async def test_the_cache_is_bounded_and_evicts_settled_entries_without_consumers_first():
    rt = Runtime(diagnostics="light", resource_entries=3)
    load = Loader()
    catalog = resource("catalog", load)
    for q in ("a", "b"):
        load.gate(q).set()
        await rt.resources.read(catalog, q)
    pending = asyncio.create_task(rt.resources.read(catalog, "p"))  # pending, with a consumer
    await wait_until(lambda: "p" in load.calls, what="the pending load")
    await rt.resources.read(catalog, "a")  # a is used again: b is now the least recently used
    load.gate("c").set()
    await rt.resources.read(catalog, "c")
    assert sorted(rt.resources.keys()) == sorted(resource_key(catalog, q) for q in ("a", "p", "c"))
    load.gate("p").set()
    assert (await pending).startswith("value of p")
    small = ResourceCache(rt.sink, max_entries=1, label="small")
    first = asyncio.create_task(small.read(catalog, "x"))
    await wait_until(lambda: "x" in load.calls, what="x pending")
    second = asyncio.create_task(small.read(catalog, "y"))
    with pytest.raises(ResourceError, match="override"):
        await first  # only pending entries were left: the oldest one made room
    load.gate("y").set()
    assert (await second).startswith("value of y")
    small.dispose()
    rt.dispose()


@pytest.mark.asyncio
async def test_an_action_run_reads_as_the_initiator_and_the_pending_hook_reports_start_and_end():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(Module("shop", initial={"runs": {}, "found": None}))
    actions = ActionCoordinator(inst, resources=rt.resources)
    load = Loader()
    catalog = resource("catalog", load)
    changes = []
    off = rt.resources.on_pending(changes.append)

    async def find(ctx, query):
        return await ctx.read(catalog, query)

    run = actions.trigger(action("find", find, on_success=lambda d, v: d.__setitem__("found", v)), "tea")
    await wait_until(lambda: changes, what="the pending start")
    load.gate("tea").set()
    assert (await run.settled()).status == "success" and inst.get_state()["found"] == "value of tea #1"
    key = resource_key(catalog, "tea")
    assert [(c.resource_key, c.pending, c.initiator_link_id, c.outcome) for c in changes] == [
        (key, True, run.link_id, None), (key, False, run.link_id, "resolve")]
    assert changes[0].load_id == changes[1].load_id == f"{key}#1"
    start = resource_events(rt)[0]
    assert start["linkId"] == run.link_id and start["meta"]["initiatorLinkId"] == run.link_id
    cancelled = actions.trigger(action("find", find), "pot")
    await wait_until(lambda: rt.resources.state(resource_key(catalog, "pot")).consumer_count == 1, what="a reader")
    actions.cancel(cancelled)
    await wait_until(lambda: load.cancelled == ["pot"], what="the released load to stop")
    assert changes[-1].outcome == "cancel" and changes[-1].initiator_link_id == cancelled.link_id
    off()
    await actions.aclose()
    rt.dispose()
