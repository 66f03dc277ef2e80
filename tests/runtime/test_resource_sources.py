"""Source fields that load through the runtime's resource cache, from the real loopback backend's read model."""

from __future__ import annotations

import pytest
from ops_support import settle_tasks, wait_until
from schema_check import schema_errors

from runtime import Module, Runtime
from runtime.operations.http import HttpTransport
from runtime.resources import resource, resource_key
from runtime.sources.source_fields import IDLE, attach_sources, source
from runtime.trace import TraceWriter


class Counters:
    """Reads `counter/<key>` rows; a key in `slow` long-polls for a version that never comes (a pending load)."""

    def __init__(self, base_url: str) -> None:
        self.http = HttpTransport(base_url)
        self.calls: list[str] = []
        self.slow: set[str] = set()

    async def __call__(self, key: str) -> dict:
        self.calls.append(key)
        slow = key in self.slow
        answer = await self.http.get(f"/read/counter/{key}", params={"min_version": "999" if slow else "0"},
                                     headers={"Prefer": "wait=5"} if slow else None)
        return {"status": answer.status, "row": answer.body.get("state") if isinstance(answer.body, dict) else None}


async def seed(base_url: str, *targets: str) -> None:
    http = HttpTransport(base_url)
    try:
        for target in targets:
            answer = await http.send_command("counter", target, {"delta": 1}, command_id=f"seed-{target}",
                                             correlation_id="seed")
            assert answer.status == 202
            await http.get(f"/read/counter/{target}", params={"min_version": "1"}, headers={"Prefer": "wait=2"})
    finally:
        await http.aclose()


def viewer(load: Counters) -> Module:
    return Module("viewer", initial={"id": None, "row": dict(IDLE)},
                  fields=[source("row", deps=["id"], key=lambda s: s["id"], load=load, resource="counters")],
                  reducers={"show": lambda d, key: d.__setitem__("id", key)})


@pytest.mark.asyncio
async def test_sources_of_several_instances_share_loads_and_a_switch_releases_its_consumer(backend, tmp_path,
                                                                                           check_trace):
    await seed(backend.base_url, "slow", "a")
    rt = Runtime(label="app", diagnostics="light", buffer_size=20_000)
    writer = TraceWriter(tmp_path / "resources.jsonl", label="res").attach(rt.hub)
    load = Counters(backend.base_url)
    load.slow.add("slow")
    left, right = rt.mount(viewer(load), "left"), rt.mount(viewer(load), "right")
    controllers = [attach_sources(inst, resources=rt.resources) for inst in (left, right)]
    left.dispatch("show", "slow")
    right.dispatch("show", "slow")
    slow_key = resource_key(resource("counters", load), "slow")
    await wait_until(lambda: rt.resources.state(slow_key).consumer_count == 2, what="both sources reading")
    assert load.calls == ["slow"]  # one load for two readers
    left.dispatch("show", "a")  # left switches away: the slow load keeps its other consumer
    await wait_until(lambda: left.get_state()["row"]["status"] == "success", what="left's new row")
    assert rt.resources.state(slow_key).status == "pending"
    right.dispatch("show", "a")  # right switches too: nobody wants the slow row now, and `a` is in the cache
    await wait_until(lambda: rt.resources.state(slow_key).status == "cancelled", what="the slow load to stop")
    await wait_until(lambda: right.get_state()["row"]["status"] == "success", what="right's row")
    assert load.calls == ["slow", "a"]
    assert right.get_state()["row"]["data"] == left.get_state()["row"]["data"]
    events = [e for e in rt.hub.events() if e["label"] == "resource"]
    for e in events:
        assert not schema_errors("debug-event", e)
    summary = [(e["meta"]["phase"], e["meta"].get("cacheHit"), e["meta"].get("cancelReason")) for e in events]
    assert summary == [("start", False, None), ("start", False, None), ("resolve", False, None),
                       ("cancel", None, "no-subscribers"), ("resolve", True, None)]
    for controller in controllers:
        await controller.aclose()
    rt.dispose()
    await load.http.aclose()
    writer.close()
    await settle_tasks()
    code, out = check_trace(tmp_path / "resources.jsonl", "service/resource", "state/state:update")
    assert code == 0, out
