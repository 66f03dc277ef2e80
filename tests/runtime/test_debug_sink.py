"""The debug sink and hub: levels, exported event shapes, JSON budgets, the ring, traces that validate."""

from __future__ import annotations

import orjson
import pytest

from runtime import Module, ReducerError, Runtime, check, computed, link
from runtime.debug.projection import project
from runtime.trace import TraceWriter


def demo_module() -> Module:
    m = Module("form", {"first": "Ada", "last": "L", "items": [{"price": 2}], "email": "", "tags": {"a", "b"}},
               fields=[computed("full", deps=["first", "last"], derive=lambda a, b: f"{a} {b}"),
                       computed("total", deps=["items.price"], derive=sum),
                       link("mirror", "first"),
                       check("email", {"required": lambda v: None if v else "required"})])

    @m.reducer("first")
    def set_first(draft, v):
        draft["first"] = v

    @m.reducer("add")
    def add(draft, p):
        draft["items"].append({"price": p})

    @m.reducer("boom")
    def boom(draft, _):
        raise RuntimeError("nope")

    return m


def drive(rt: Runtime) -> None:
    inst = rt.mount(demo_module())
    for k in range(40):
        inst.dispatch("first", f"n{k}")
        inst.dispatch("add", k)
    with pytest.raises(ReducerError):
        inst.dispatch("boom")
    inst.set_state({**inst.get_state(), "email": "x@y"})


def test_off_exports_nothing():
    rt = Runtime(diagnostics="off")
    drive(rt)
    assert rt.hub.events() == [] and rt.hub.token == 1  # the one change: the mount, in the instance views


def test_light_metas_are_slim_and_full_adds_patches_and_timings():
    light, full = Runtime(diagnostics="light"), Runtime(diagnostics="full")
    drive(light)
    drive(full)
    lu = [e for e in light.hub.events() if e["label"] == "state:update"][-1]["meta"]
    fu = [e for e in full.hub.events() if e["label"] == "state:update"][-1]["meta"]
    assert "patches" not in lu and "fieldSummary" not in lu
    assert fu["patches"] and {"opSeq", "reason"} <= set(fu["patches"][0])
    lc = [e for e in light.hub.events() if e["kind"] == "trait:converge"][-1]["meta"]
    fc = [e for e in full.hub.events() if e["kind"] == "trait:converge"][-1]["meta"]
    assert set(lc["dirty"]) <= {"dirtyAll", "reason", "rootIds", "rootIdsTruncated"} and "top3" not in lc
    assert "rootCount" not in lc["dirty"] and len(lc["dirty"]["rootIds"]) <= 3
    assert "rootIds" in fc["dirty"] and "rootCount" in fc["dirty"] and "top3" in fc


def test_converge_evidence_carries_the_top_roots_3_at_light_and_32_at_full():
    from converge_support import pairs

    got = {}
    for level in ("light", "sampled", "full"):
        rt = Runtime(diagnostics=level)
        inst = rt.mount(pairs(100))
        inst.dispatch("bump", list(range(2, 42)))  # 40 roots
        inst.dispatch("bump", [7, 9])
        got[level] = [e["meta"]["dirty"] for e in rt.hub.events() if e["kind"] == "trait:converge"][1:]
    registry_ids = got["full"][0]["rootIds"]
    assert got["light"] == [{"dirtyAll": False, "rootIds": registry_ids[:3], "rootIdsTruncated": True},
                            {"dirtyAll": False, "rootIds": got["full"][1]["rootIds"], "rootIdsTruncated": False}]
    assert got["sampled"] == [{"dirtyAll": False}, {"dirtyAll": False}]
    assert len(registry_ids) == 32 and got["full"][0]["rootCount"] == 40 and got["full"][0]["rootIdsTruncated"]
    assert got["full"][1]["rootCount"] == 2 and not got["full"][1]["rootIdsTruncated"]


def test_event_ids_are_deterministic_per_instance():
    rt = Runtime(diagnostics="light")
    drive(rt)
    events = [e for e in rt.hub.events() if e["instanceId"] == "form#1"]
    seqs = [e["eventSeq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(e["eventId"] == f"form#1::e{e['eventSeq']}" for e in events)


def test_projection_budget_cuts_and_says_so():
    p = project({"s": "x" * 1000, "set": {3, 1, 2}, "deep": {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}})
    assert p.downgrade == "non_serializable"
    assert p.value["set"] == {"$set": [1, 2, 3]}
    assert len(p.value["s"]) <= 257
    big = project({f"k{i}": "v" * 200 for i in range(100)})
    assert big.downgrade == "oversized" and len(orjson.dumps(big.value)) <= 4096
    assert project({"a": [1, 2], "t": (1, 2)}).downgrade is None


def test_ring_is_bounded_resizable_and_the_token_moves_synchronously():
    rt = Runtime(diagnostics="light", buffer_size=10)
    inst = rt.mount(demo_module())
    token = rt.hub.token
    inst.dispatch("first", "zz")
    assert rt.hub.token > token  # changed before dispatch returned
    for k in range(30):
        inst.dispatch("first", f"z{k}")
    assert len(rt.hub.events()) == 10
    rt.set_buffer_size(3)
    events = rt.hub.events()
    assert len(events) == 3 and events[-1]["label"] == "trace:devtools:ring-trim-policy"
    assert events[-1]["meta"] == {"mode": "strict", "threshold": 3, "bufferSize": 3}


def test_hub_subscribers_hear_the_latest_token():
    rt = Runtime(diagnostics="light")
    heard = []
    rt.hub.subscribe(heard.append)
    rt.mount(demo_module()).dispatch("first", "q")
    assert heard and heard[-1] == rt.hub.token


def test_a_feed_gets_every_event_in_order_batched_and_a_failing_feed_is_dropped_alone(caplog):
    from collections import deque

    from runtime.debug.hub import Feed

    rt = Runtime(diagnostics="light", buffer_size=0)
    tapped: list[tuple[str, str]] = []
    rt.hub.tap(lambda kind, p: tapped.append((kind, p.get("eventId") or p["staticIrDigest"])))
    queue: deque = deque()
    seen: list[tuple[str, str]] = []
    batch_sizes: list[int] = []

    def drain() -> None:
        batch_sizes.append(len(queue))
        while queue:
            seen.append(("debug:event", queue.popleft()["eventId"]))

    def on_ir(export) -> None:
        drain()  # what the feed holds comes first, as the stream sequences it
        seen.append(("static-ir", export["staticIrDigest"]))

    def on_graph(export, graph) -> None:  # an IR with its dependency graph, handed over together
        on_ir(export)
        seen.append(("static-ir:graph", graph["staticIrDigest"]))

    rt.hub.feed(Feed(queue, 4, drain, on_ir, on_graph))
    failures: list[int] = []

    def fail() -> None:
        failures.append(1)
        raise RuntimeError("a consumer bug")

    rt.hub.feed(Feed(deque(), 1, fail, lambda export: None))
    drive(rt)
    drain()
    assert seen == tapped and len(seen) > 100  # a tap's order, static IRs included, with no hub ring at all
    assert max(batch_sizes) == 4 and batch_sizes.count(4) >= 20  # handed over in fours, not one call per event
    assert failures == [1] and "raised and was removed" in caplog.text  # dropped at its first failure, alone


@pytest.mark.parametrize("level", ["light", "sampled", "full"])
def test_traces_validate_against_the_reference_schemas(tmp_path, check_trace, level):
    rt = Runtime(diagnostics=level)
    path = tmp_path / f"trace-{level}.jsonl"
    with TraceWriter(path, label=rt.label).attach(rt.hub):
        drive(rt)
    lines = path.read_bytes().splitlines()
    header = orjson.loads(lines[0])
    assert header["format"] == "tickscope-trace" and header["formatVersion"] == 1
    first_event = next(i for i, line in enumerate(lines[1:]) if orjson.loads(line)["type"] == "debug:event")
    first_ir = next(i for i, line in enumerate(lines[1:]) if orjson.loads(line)["type"] == "static-ir")
    assert first_ir < first_event or orjson.loads(lines[1 + first_event])["payload"]["kind"] == "lifecycle"
    code, out = check_trace(path, "state/state:update", "trait:converge", "diagnostic")
    assert code == 0, out


def test_root_ids_map_back_to_paths_only_through_the_matching_digest():
    from runtime.debug import root_paths

    rt = Runtime(diagnostics="light")
    inst = rt.mount(demo_module())
    inst.dispatch("add", 3)
    event = [e for e in rt.hub.events() if e["label"] == "state:update"][-1]
    irs = rt.hub.static_irs_by_digest()
    paths = root_paths(event["meta"]["dirtySet"]["rootIds"], event["meta"]["staticIrDigest"], irs)
    assert paths == ["items", "total"]
    assert root_paths([0], "converge_ir_v2:00000000", irs) is None
