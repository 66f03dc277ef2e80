"""Source fields loading from the real loopback backend's read model."""

from __future__ import annotations

import asyncio

import pytest
from ops_support import settle_tasks, wait_until

from runtime import FieldConfigError, Module, Runtime, computed
from runtime.operations.http import HttpTransport
from runtime.sources.source_fields import IDLE, attach_sources, source


class Loader:
    """Loads `counter/<key>` rows from the backend; a load of a key in `held` waits until the test releases it
    (`release(key)`), so a test decides which load finishes first instead of racing timed delays."""

    def __init__(self, rt: Runtime, base_url: str) -> None:
        self.rt = rt
        self.http = HttpTransport(base_url)
        self.calls: list[str] = []
        self.in_window: list[bool] = []
        self.held: dict[str, asyncio.Event] = {}

    def hold(self, *keys: str) -> None:
        for key in keys:
            self.held[key] = asyncio.Event()

    def release(self, *keys: str) -> None:
        for key in keys:
            self.held[key].set()

    async def __call__(self, key: str) -> dict:
        self.calls.append(key)
        self.in_window.append(self.rt.in_transaction)
        if key in self.held:
            await self.held[key].wait()
        answer = await self.http.get(f"/read/counter/{key}", params={"min_version": "0"})
        if answer.status != 200:
            raise LookupError(f"{key}: HTTP {answer.status}")
        return answer.body["state"]


def profile(loader: Loader, concurrency: str = "switch") -> Module:
    m = Module("profile", initial={"query": {"id": None, "page": 0}, "user": dict(IDLE), "log": []},
               fields=[source("user", deps=["query.id"], key=lambda s: s["query"]["id"], load=loader,
                              concurrency=concurrency)])

    @m.reducer("select")
    def select(draft, user_id):
        draft["query"]["id"] = user_id

    @m.reducer("page")
    def page(draft, n):
        draft["query"]["page"] = n

    return m


async def seed(base_url: str, **values: int) -> None:
    http = HttpTransport(base_url)
    try:
        for target, delta in values.items():
            answer = await http.send_command("counter", target, {"delta": delta}, command_id=f"seed-{target}",
                                             correlation_id="seed")
            assert answer.status == 202
            await http.get(f"/read/counter/{target}", params={"min_version": "1"}, headers={"Prefer": "wait=2"})
    finally:
        await http.aclose()


async def close(rt, sources, loader) -> None:
    await sources.aclose()
    rt.dispose()
    await loader.http.aclose()
    await settle_tasks()
    assert not sources.running_tasks()


@pytest.mark.asyncio
async def test_a_key_change_writes_loading_then_success_in_separate_transactions(backend):
    await seed(backend.base_url, ann=3)
    rt = Runtime(diagnostics="light")
    loader = Loader(rt, backend.base_url)
    inst = rt.mount(profile(loader))
    sources = attach_sources(inst)
    record = inst.dispatch("select", "ann")
    assert inst.get_state()["user"]["status"] == "loading"  # committed right after the key changed
    await wait_until(lambda: inst.get_state()["user"]["status"] == "success", what="success")
    snap = inst.get_state()["user"]
    assert snap == {"status": "success", "keyHash": '"ann"', "data": {"value": 3, "count": 1, "last": {"delta": 3}},
                    "error": None}
    writes = [r for r in inst.history if r.origin.kind == "source-refresh"]
    assert [r.origin.details["phase"] for r in writes] == ["loading", "success"]
    assert all(r.txn_seq > record.txn_seq for r in writes)
    assert loader.in_window == [False]  # the load never ran inside a transaction window
    await close(rt, sources, loader)


@pytest.mark.asyncio
async def test_an_unchanged_key_is_skipped_unless_forced(backend):
    await seed(backend.base_url, bob=1)
    rt = Runtime()
    loader = Loader(rt, backend.base_url)
    inst = rt.mount(profile(loader))
    sources = attach_sources(inst)
    inst.dispatch("select", "bob")
    await wait_until(lambda: inst.get_state()["user"]["status"] == "success", what="success")
    inst.dispatch("page", 2)  # touches query but not the key
    inst.dispatch("select", "bob")  # same key: no write at all
    await settle_tasks()  # a load it started would have been called by now
    assert loader.calls == ["bob"]
    sources.refresh("user")
    await wait_until(lambda: len(loader.calls) == 2 and inst.get_state()["user"]["status"] == "success", what="reload")
    with pytest.raises(KeyError, match="no source field 'nope'"):
        sources.refresh("nope")
    await close(rt, sources, loader)


@pytest.mark.asyncio
async def test_a_key_going_away_resets_to_idle_inside_the_same_transaction_and_drops_the_load(backend):
    rt = Runtime(diagnostics="full")
    loader = Loader(rt, backend.base_url)
    loader.hold("cara")
    inst = rt.mount(profile(loader))
    sources = attach_sources(inst)
    inst.dispatch("select", "cara")
    assert inst.get_state()["user"]["status"] == "loading"
    record = inst.dispatch("select", None)
    assert inst.get_state()["user"] == IDLE
    user_id = inst.shape.registry.id_of[("user",)]
    assert user_id in record.dirty.root_ids and record.origin.kind == "action"  # the same transaction, no tearing
    assert [p.reason for p in record.patches if p.path == ("user",)] == ["source-idle"]
    loader.release("cara")  # the dropped load ends now, after the key went away
    await wait_until(lambda: not sources.running_tasks(), what="the dropped load to end")
    assert inst.get_state()["user"] == IDLE  # its result was dropped
    await close(rt, sources, loader)


@pytest.mark.asyncio
async def test_switch_keeps_only_the_latest_key(backend):
    await seed(backend.base_url, c=3)
    rt = Runtime(diagnostics="light")
    loader = Loader(rt, backend.base_url)
    loader.hold("a", "b")
    inst = rt.mount(profile(loader))
    sources = attach_sources(inst)
    for key in ("a", "b", "c"):
        inst.dispatch("select", key)
        await settle_tasks()
    await wait_until(lambda: inst.get_state()["user"]["status"] == "success", what="success")
    loader.release("a", "b")  # the superseded loads finish after the latest one
    await wait_until(lambda: not sources.running_tasks(), what="the superseded loads to end")
    assert inst.get_state()["user"]["keyHash"] == '"c"' and inst.get_state()["user"]["data"]["value"] == 3
    successes = [r for r in inst.history if r.origin.details and r.origin.details.get("phase") == "success"]
    assert [r.origin.details["keyHash"] for r in successes] == ['"c"']
    await close(rt, sources, loader)


@pytest.mark.asyncio
async def test_exhaust_trailing_finishes_the_running_load_then_loads_the_latest_key_once(backend):
    await seed(backend.base_url, z=9)
    rt = Runtime(diagnostics="light")
    loader = Loader(rt, backend.base_url)
    loader.hold("x")
    inst = rt.mount(profile(loader, "exhaust-trailing"))
    sources = attach_sources(inst)
    inst.dispatch("select", "x")
    await wait_until(lambda: loader.calls == ["x"], what="the load of x to start")
    inst.dispatch("select", "y")
    inst.dispatch("select", "z")
    await settle_tasks()
    assert loader.calls == ["x"]  # exhaust: nothing else starts while x runs
    loader.release("x")
    await wait_until(lambda: inst.get_state()["user"]["keyHash"] == '"z"'
                     and inst.get_state()["user"]["status"] == "success", what="the trailing load")
    assert loader.calls == ["x", "z"]  # y was never loaded
    phases = [(r.origin.details["phase"], r.origin.details["keyHash"]) for r in inst.history
              if r.origin.kind == "source-refresh"]
    assert phases == [("loading", '"x"'), ("success", '"x"'), ("loading", '"z"'), ("success", '"z"')]
    await close(rt, sources, loader)


@pytest.mark.asyncio
async def test_a_failing_load_writes_an_error_snapshot(backend):
    rt = Runtime()
    loader = Loader(rt, backend.base_url)

    async def missing(key):
        answer = await loader.http.get(f"/operations/{key}")
        if answer.status != 200:
            raise LookupError(f"{key}: HTTP {answer.status}")
        return answer.body

    m = Module("ops", initial={"id": None, "op": dict(IDLE)},
               fields=[source("op", deps=["id"], key=lambda s: s["id"], load=missing)], reducers={
                   "pick": lambda d, v: d.__setitem__("id", v)})
    inst = rt.mount(m)
    sources = attach_sources(inst)
    inst.dispatch("pick", "nope")
    await wait_until(lambda: inst.get_state()["op"]["status"] == "error", what="error")
    assert inst.get_state()["op"]["error"] == {"name": "LookupError", "message": "nope: HTTP 404",
                                               "code": "source::load_failed"}
    await close(rt, sources, loader)


def test_a_source_and_a_computed_on_one_field_are_multiple_writers():
    async def load(key):
        return key

    m = Module("bad", initial={"k": 1, "v": None},
               fields=[source("v", deps=["k"], key=lambda s: s["k"], load=load),
                       computed("v", deps=["k"], derive=lambda k: k)])
    with pytest.raises(FieldConfigError) as err:
        Runtime().mount(m)
    assert err.value.code == "MULTIPLE_WRITERS"


@pytest.mark.asyncio
async def test_disposal_with_a_load_in_flight_leaves_no_task_and_writes_nothing(backend):
    rt = Runtime()
    loader = Loader(rt, backend.base_url)
    loader.hold("slow")  # never released: disposal ends it
    inst = rt.mount(profile(loader))
    sources = attach_sources(inst)
    inst.dispatch("select", "slow")
    await wait_until(lambda: loader.calls == ["slow"], what="the load to start")
    assert sources.running_tasks()
    rt.dispose()
    await settle_tasks()
    assert not sources.running_tasks() and inst.get_state()["user"]["status"] == "loading"
    await loader.http.aclose()


@pytest.mark.asyncio
async def test_a_key_function_that_raises_aborts_the_transaction_that_triggered_it():
    from runtime import ReducerError

    async def load(key):
        return key

    def key(state):
        if state["k"] == "bad":
            raise ValueError("no key for 'bad'")
        return state["k"]

    m = Module("strict", initial={"k": None, "v": dict(IDLE)},
               fields=[source("v", deps=["k"], key=key, load=load)],
               reducers={"set": lambda d, v: d.__setitem__("k", v)})
    rt = Runtime()
    inst = rt.mount(m)
    sources = attach_sources(inst)
    with pytest.raises(ReducerError, match="no key for 'bad'"):
        inst.dispatch("set", "bad")
    assert inst.get_state()["k"] is None  # nothing half-applied
    inst.dispatch("set", "ok")
    await wait_until(lambda: inst.get_state()["v"]["status"] == "success", what="success")
    assert inst.get_state()["v"]["data"] == "ok"
    await sources.aclose()
    rt.dispose()
    assert not await settle_tasks()
