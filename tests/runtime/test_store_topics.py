"""RuntimeStore topics: keys, facade identity, snapshot gating, once-per-tick notification, listener discipline."""

from __future__ import annotations

import asyncio

import pytest
from ops_support import wait_until
from tick_support import Recorder, counter, diagnostics, watched

from runtime import Runtime, TopicKeyError, read_query
from runtime.ticks.store import parse_topic_key


def test_parse_topic_key_accepts_module_and_selector_keys_only() -> None:
    assert str(parse_topic_key("form::form#1")) == "form::form#1"
    sel = parse_topic_key("form::form#1::rq:name")
    assert (sel.module_id, sel.instance_id, sel.selector_id) == ("form", "form#1", "name")
    for bad in ("form", "form::", "::x", "a::b::c", "a::b::rq:", "a::b::rq:x::y", 42, None):
        assert parse_topic_key(bad) is None


def test_the_same_key_gives_the_same_facade_and_two_instances_never_share_a_topic() -> None:
    rt = Runtime()
    m = counter()
    one, two = rt.mount(m), rt.mount(m)
    assert rt.store.topic("counter::counter#1") is rt.store.topic(one)
    assert rt.store.topic(one) is not rt.store.topic(two)
    seen_one, seen_two = watched(rt, one), watched(rt, two)
    two.dispatch("add", 5)
    assert (seen_one.count, seen_two.count) == (0, 1)
    assert rt.store.topic(one).get_snapshot()["count"] == 0 and rt.store.topic(two).get_snapshot()["count"] == 5


def test_bad_topic_keys_are_refused_with_a_typed_error() -> None:
    rt = Runtime()
    with pytest.raises(TopicKeyError, match="neither"):
        rt.store.topic("not-a-key")
    with pytest.raises(TopicKeyError, match="no selector topic"):
        rt.store.topic("counter::counter#1::rq:nothing")


def test_a_module_topic_before_mount_reads_none_then_the_mounted_state() -> None:
    rt = Runtime()
    early = rt.store.topic("counter::main")
    assert early.get_snapshot() is None and early.version == 0
    rt.mount(counter(), "main")
    assert early.get_snapshot() == {"count": 0, "label": "", "other": 0, "doubled": 0}


@pytest.mark.asyncio
async def test_no_snapshot_changes_while_tick_seq_is_unchanged() -> None:
    rt = Runtime()
    a, b = rt.mount(counter("a")), rt.mount(counter("b"))
    ta, tb = rt.store.topic(a), rt.store.topic(b)
    view = (rt.store.tick_seq, ta.get_snapshot(), tb.get_snapshot(), ta.version, tb.version)
    a.dispatch("add", 1)
    b.dispatch("add", 1)
    assert (rt.store.tick_seq, ta.get_snapshot(), tb.get_snapshot(), ta.version, tb.version) == view
    await asyncio.sleep(0)
    assert rt.store.tick_seq == view[0] + 1
    assert ta.get_snapshot()["count"] == tb.get_snapshot()["count"] == 1
    assert (ta.version, tb.version) == (view[3] + 1, view[4] + 1)


@pytest.mark.asyncio
async def test_each_changed_topic_is_notified_once_per_tick_and_untouched_ones_not_at_all() -> None:
    rt = Runtime()
    a, b = rt.mount(counter("a")), rt.mount(counter("b"))
    seen_a, seen_b = watched(rt, a), watched(rt, b)
    for _ in range(10):
        a.dispatch("add", 1)
    await asyncio.sleep(0)
    assert seen_a.calls == [(1, rt.store.topic(a).get_snapshot())]
    assert seen_b.calls == []


def test_a_selector_runs_only_when_its_reads_were_touched_and_notifies_only_on_a_new_value() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    runs = []

    def pick_label(state):
        runs.append(state["label"])
        return state["label"].upper()

    topic = rt.store.select(inst, pick_label, reads=["label"])
    seen = Recorder(topic)
    topic.subscribe(seen)
    runs.clear()

    inst.dispatch("add", 1)  # count/doubled: not a read of the selector
    assert runs == [] and seen.count == 0
    inst.dispatch("setLabel", "hi")
    assert runs == ["hi"] and seen.calls == [(2, "HI")]
    inst.transact(lambda d: d.__setitem__("label", "HI".lower()), origin_kind="test")  # same value: no commit
    inst.dispatch("setLabel", "Hi")  # new label, same selected value
    assert seen.count == 1 and topic.get_snapshot() == "HI"
    assert topic.key == "counter::counter#1::rq:anon1"  # pick_label captures `runs`: no reproducible id


def test_a_selector_without_reads_runs_on_every_commit_of_its_module() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    runs = []
    topic = rt.store.select(inst, lambda s: runs.append(1) or s["count"] > 2)
    topic.subscribe(lambda: None)
    runs.clear()
    inst.dispatch("setLabel", "x")
    inst.dispatch("setOther", 1)
    assert len(runs) == 2 and topic.get_snapshot() is False


def upper_label(state):
    return state["label"].upper()


def test_selector_facades_are_shared_by_id_and_closures_get_their_own_topic() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    derived = rt.store.select(inst, upper_label, reads=["label"])
    assert derived.key.startswith("counter::counter#1::rq:upper_label@")
    assert rt.store.select(inst, upper_label, reads=["label"]) is derived
    named = rt.store.select(inst, read_query(lambda s: s["label"], reads=["label"], selector_id="label"))
    assert rt.store.select(inst, lambda s: s["label"], reads=["label"], selector_id="label") is named
    assert rt.store.topic("counter::counter#1::rq:label") is named
    key = "label"
    first = rt.store.select(inst, lambda s: s[key], reads=["label"])
    second = rt.store.select(inst, lambda s: s[key], reads=["label"])
    assert first is not second and first.key != second.key


def test_a_selector_topic_without_subscribers_reads_the_published_state() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    topic = rt.store.select(inst, lambda s: s["count"], reads=["count"])
    assert topic.get_snapshot() == 0
    inst.dispatch("add", 3)
    assert topic.get_snapshot() == 3 and topic.version == 1


def test_subscribing_inside_a_listener_applies_from_the_next_tick() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    topic = rt.store.topic(inst)
    late = Recorder(topic)
    first_calls = []
    unsubscribe_late: list = []

    def first() -> None:
        first_calls.append(topic.tick_seq)
        if len(first_calls) == 1:
            unsubscribe_late.append(topic.subscribe(late))
        elif len(first_calls) == 2:
            unsubscribe_late[0]()

    topic.subscribe(first)
    inst.dispatch("add", 1)
    assert late.count == 0  # subscribed during tick 1: not called in tick 1
    inst.dispatch("add", 1)
    assert [t for t, _ in late.calls] == [2]  # unsubscribed during tick 2 after the copy: still called in tick 2
    inst.dispatch("add", 1)
    assert [t for t, _ in late.calls] == [2]


@pytest.mark.listener_may_throw
def test_a_listener_that_raises_is_reported_and_the_others_still_run() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())
    topic = rt.store.topic(inst)
    after = Recorder(topic)

    def broken() -> None:
        raise ValueError("listener bug")

    topic.subscribe(broken)
    topic.subscribe(after)
    inst.dispatch("add", 1)
    assert after.count == 1
    (report,) = diagnostics(rt, "runtime_store::listener_threw")
    assert report["instanceId"] == "counter#1" and "listener bug" in report["meta"]["message"]
    assert report["errorSummary"]["name"] == "ValueError"


def test_a_selector_that_raises_keeps_its_last_value_and_is_reported() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())
    topic = rt.store.select(inst, lambda s: 10 // s["count"] if s["label"] else 0, reads=["count", "label"])
    topic.subscribe(lambda: None)
    inst.dispatch("setLabel", "x")  # count is 0: ZeroDivisionError
    assert topic.get_snapshot() == 0
    assert diagnostics(rt, "read_query::eval_error")
    inst.dispatch("add", 5)
    assert topic.get_snapshot() == 2


def test_marked_topics_are_bumped_and_unparseable_ones_dropped() -> None:
    rt = Runtime(diagnostics="light")
    seen = watched(rt, rt.mount(counter()))
    topic = seen.facade
    with rt.batch():
        rt.scheduler.mark_topic_dirty("counter::counter#1")
        rt.scheduler.mark_topic_dirty("garbage")
    assert seen.count == 1 and topic.version == 1
    (dropped,) = diagnostics(rt, "runtime_store::topic_key_unparseable")
    assert "garbage" in dropped["meta"]["message"]


@pytest.mark.asyncio
async def test_low_priority_topics_are_notified_a_little_later_but_never_skipped() -> None:
    rt = Runtime()
    lazy, urgent = rt.mount(counter("lazy")), rt.mount(counter("urgent"))
    seen_lazy, seen_urgent = watched(rt, lazy), watched(rt, urgent)

    lazy.transact(lambda d: d.__setitem__("count", 1), origin_kind="test", priority="low")
    urgent.dispatch("add", 1)
    await asyncio.sleep(0)
    assert seen_urgent.count == 1 and seen_lazy.count == 0
    assert rt.store.topic(lazy).get_snapshot()["count"] == 1  # published with the tick, only the call waits
    await wait_until(lambda: seen_lazy.count == 1, what="the delayed call")  # made by the timer, unprompted
    assert seen_lazy.calls == [(1, rt.store.topic(lazy).get_snapshot())]

    # an urgent change before the delayed call covers it: one call, not two
    lazy.transact(lambda d: d.__setitem__("count", 2), origin_kind="test", priority="low")
    await asyncio.sleep(0)
    lazy.dispatch("add", 1)
    await asyncio.sleep(0)
    rt.flush_now()  # whatever low-priority call were still owed would be made now
    assert [s["count"] for _, s in seen_lazy.calls] == [1, 3]


def test_unmount_publishes_the_removal_in_a_tick() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    seen = watched(rt, inst)
    topic = seen.facade
    rt.unmount(inst)
    assert topic.get_snapshot() is None and seen.calls == [(1, None)]


def test_a_topic_s_listeners_are_a_set() -> None:
    from runtime import Runtime
    from tick_support import counter

    rt = Runtime()
    inst = rt.mount(counter())
    topic = rt.store.topic(inst)
    calls: list[int] = []

    def listener() -> None:
        calls.append(topic.tick_seq)

    off_a = topic.subscribe(listener)
    off_b = topic.subscribe(listener)  # the same listener again: still one registration
    inst.dispatch("add", 1)
    assert calls == [1]
    off_b()  # either unsubscribe removes it
    inst.dispatch("add", 1)
    assert calls == [1]
    off_a()  # and the other is then a no-op
    assert not rt.store.has_listeners(topic.key)
