"""The debug hub's snapshot views (issue 15): instances, latest state and field summary, export budget, per runtime;
they survive a disabled window, leave with `module:destroy`, and move the token synchronously."""

from __future__ import annotations

import asyncio

from runtime import Module, Runtime, computed
from runtime.debug.hub import DebugHub


def counter() -> Module:
    m = Module("counter", {"n": 0}, fields=[computed("double", deps=["n"], derive=lambda n: n * 2)])

    @m.reducer("inc")
    def inc(draft, _):
        draft["n"] += 1

    @m.reducer("big")
    def big(draft, _):
        draft["n"] += 1

    return m


def test_views_list_live_instances_with_counts_labels_and_latest_state():
    rt = Runtime(label="app", diagnostics="full")
    a = rt.mount(counter(), label="left")
    rt.mount(counter(), label="right")
    a.dispatch("inc")
    snap = rt.hub.snapshot("app")
    assert snap.instances == {"app::counter": 2}
    assert snap.instance_labels == {"app::counter::counter#1": "left", "app::counter::counter#2": "right"}
    assert snap.latest_states["app::counter::counter#1"] == {"n": 1, "double": 2}
    assert "converge" in snap.latest_field_summaries["app::counter::counter#1"]
    assert snap.token == rt.hub.token


def test_views_survive_a_window_of_size_zero():
    rt = Runtime(label="app", diagnostics="full", buffer_size=0)
    inst = rt.mount(counter(), label="only")
    before = rt.hub.token
    inst.dispatch("inc")
    assert rt.hub.token > before  # a view changed: the token moved although no event is kept
    snap = rt.hub.snapshot()
    assert snap.events == []
    assert snap.instances == {"app::counter": 1}
    assert snap.latest_states["app::counter::counter#1"]["n"] == 1


def test_views_count_instances_even_with_diagnostics_off():
    rt = Runtime(label="app")
    token = rt.hub.token
    inst = rt.mount(counter(), label="quiet")
    assert rt.hub.token > token
    assert rt.hub.snapshot().instance_labels == {"app::counter::counter#1": "quiet"}
    token = rt.hub.token
    rt.unmount(inst)
    assert rt.hub.token > token and rt.hub.snapshot().instances == {}


def test_destroy_removes_an_instance_from_every_view_and_a_late_event_does_not_bring_it_back():
    rt = Runtime(label="app", diagnostics="full")
    gone = rt.mount(counter())
    stays = rt.mount(counter())
    gone.dispatch("inc")
    stays.dispatch("inc")
    rt.unmount(gone)
    snap = rt.hub.snapshot()
    assert snap.instances == {"app::counter": 1}
    assert "app::counter::counter#1" not in snap.instance_labels
    assert "app::counter::counter#1" not in snap.latest_states
    assert "app::counter::counter#1" not in snap.latest_field_summaries
    rt.sink.emit(module_id="counter", instance_id="counter#1", kind="state", label="state:update",
                 meta={"state": {"n": 99}, "fieldSummary": {}})
    snap = rt.hub.snapshot()
    assert snap.events[-1]["meta"]["state"] == {"n": 99}  # the late event enters the window ...
    assert "app::counter::counter#1" not in snap.latest_states  # ... but not the views
    assert "app::counter::counter#1" not in snap.instance_labels
    assert snap.instances == {"app::counter": 1}


def test_the_export_budget_counts_cut_converted_and_dropped_events():
    rt = Runtime(label="app", diagnostics="full", buffer_size=5)
    inst = rt.mount(counter())
    inst.dispatch("big", {f"k{i}": "v" * 250 for i in range(100)})
    inst.dispatch("big", {1, 2})
    for _ in range(10):
        inst.dispatch("inc")
    rt.flush_now()
    budget = rt.hub.snapshot().export_budget["app"]
    assert budget["oversized"] >= 1 and budget["nonSerializable"] >= 1
    assert budget["dropped"] == rt.hub.dropped > 0


def test_clearing_one_runtime_leaves_the_others_alone():
    hub = DebugHub(100)
    one = Runtime(label="one", diagnostics="light", hub=hub)
    two = Runtime(label="two", diagnostics="light", hub=hub)
    one.mount(counter()).dispatch("inc")
    two.mount(counter()).dispatch("big", {1})
    kept = hub.events("two")
    budget = hub.snapshot("two").export_budget
    token = hub.token
    hub.clear("one")
    assert hub.token > token
    assert hub.events("one") == [] and hub.events("two") == kept
    assert hub.snapshot("two").export_budget == budget
    assert {e["runtimeLabel"] for e in hub.events()} == {"two"}
    assert hub.snapshot().instances == {"one::counter": 1, "two::counter": 1}


def test_a_shrink_keeps_the_newest_records_its_policy_and_a_grow_brings_nothing_back():
    rt = Runtime(label="app", diagnostics="light", buffer_size=50)
    inst = rt.mount(counter())
    for _ in range(40):
        inst.dispatch("inc")
    newest = rt.hub.events()[-4:]
    heard: list[int] = []
    rt.hub.subscribe(heard.append)
    rt.set_buffer_size(5)
    events = rt.hub.events()
    assert events[:4] == newest
    policy = events[-1]
    assert policy["label"] == "trace:devtools:ring-trim-policy" and policy["kind"] == "devtools"
    assert policy["meta"] == {"mode": "strict", "threshold": 5, "bufferSize": 5}
    assert heard and heard[-1] == rt.hub.token
    rt.set_buffer_size(500)
    assert rt.hub.events()[:5] == events  # nothing trimmed came back
    assert len(rt.hub.events()) == 6
    rt.set_buffer_size(0)
    assert rt.hub.events() == []


def test_a_grow_does_not_uncover_events_hidden_past_the_old_size():
    rt = Runtime(label="app", diagnostics="light", buffer_size=3)
    inst = rt.mount(counter())
    with rt.batch():  # no tick in between: the ring holds more than it shows until it is trimmed
        for _ in range(20):
            inst.dispatch("inc")
        shown = rt.hub.events()
        rt.hub.resize(100)
        assert rt.hub.events() == shown


def test_the_token_moves_with_every_view_change_and_batched_subscribers_get_one_call_with_the_latest():
    async def main() -> tuple[list[tuple[int, int]], int]:
        rt = Runtime(label="app", diagnostics="full", buffer_size=0)
        heard: list[tuple[int, int]] = []
        rt.hub.subscribe(lambda token: heard.append((token, rt.hub.token)))
        tokens = [rt.hub.token]
        inst = rt.mount(counter())
        tokens.append(rt.hub.token)
        inst.dispatch("inc")
        tokens.append(rt.hub.token)
        rt.unmount(inst)
        tokens.append(rt.hub.token)
        assert tokens == sorted(set(tokens))  # every change moved it at once, with the window disabled
        assert heard == []  # told later
        await asyncio.sleep(0)
        return heard, tokens[-1]

    heard, last = asyncio.run(main())
    assert heard[0][0] >= last  # one call for the whole burst, carrying the latest token
    assert all(told == current for told, current in heard)
