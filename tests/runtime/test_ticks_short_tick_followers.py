"""What a short tick's listeners start runs in the same call, as after a full tick: a write to a mirrored external
store, a topic marked dirty, an unmount, and a feedback loop that chains exactly as many ticks as the full way
(`solo_ticks = False`). A dispatch made inside a store's notification is published when the notification ends."""

from __future__ import annotations

import pytest
from tick_support import Recorder, counter

from runtime import Module, Runtime, external_store, value_store


def test_an_external_store_a_short_ticks_listener_writes_is_mirrored_before_the_dispatch_returns() -> None:
    source = value_store(0)
    rt = Runtime()
    mirror = rt.mount(Module("mirror", {"x": 0}, fields=[external_store("x", source)]))
    inst = rt.mount(counter())
    topic = rt.store.topic(inst)
    unsubscribe = topic.subscribe(lambda: source.set(topic.get_snapshot()["count"]))
    inst.dispatch("add", 4)
    assert rt.store.topic(mirror).get_snapshot() == {"x": 4} and rt.store.tick_seq == 2
    unsubscribe()
    rt.dispose()


def test_a_topic_a_short_ticks_listener_marks_dirty_is_told_before_the_dispatch_returns() -> None:
    rt = Runtime()
    inst, other = rt.mount(counter("a")), rt.mount(counter("b"))
    marked = rt.store.topic(other)
    seen = Recorder(marked)
    marked.subscribe(seen)
    rt.store.topic(inst).subscribe(lambda: rt.scheduler.mark_topic_dirty(marked.key))
    inst.dispatch("add", 1)
    assert seen.calls == [(2, marked.get_snapshot())] and marked.version == 1
    rt.dispose()


def test_an_unmount_a_short_ticks_listener_makes_is_published_before_the_dispatch_returns() -> None:
    rt = Runtime()
    inst, other = rt.mount(counter("a")), rt.mount(counter("b"))
    gone = rt.store.topic(other)
    heard: list[object] = []
    gone.subscribe(lambda: heard.append(gone.get_snapshot()))
    rt.store.topic(inst).subscribe(lambda: rt.unmount(other))
    inst.dispatch("add", 1)
    assert heard == [None] and rt.store.tick_seq == 2
    rt.dispose()


@pytest.mark.parametrize("solo_ticks", [True, False])
def test_a_feedback_loop_a_short_tick_starts_chains_as_many_ticks_as_the_full_way(solo_ticks: bool) -> None:
    rt = Runtime()
    rt.scheduler.solo_ticks = solo_ticks
    inst = rt.mount(counter())
    rt.store.topic(inst).subscribe(lambda: inst.dispatch("add", 1))  # commits again after every tick
    inst.dispatch("add", 1)
    # the first tick and 31 chained ones (the limit is 32 ticks in one call); the rest waits for the next entry
    assert rt.store.tick_seq == 32 and rt.store.topic(inst).get_snapshot()["count"] == 32
    assert rt.scheduler.has_work()
    rt.dispose()


def test_a_dispatch_inside_a_stores_notification_is_published_when_the_notification_ends() -> None:
    source = value_store(0)
    rt = Runtime()
    inst = rt.mount(counter())
    seen = Recorder(rt.store.topic(inst))
    rt.store.topic(inst).subscribe(seen)
    source.subscribe(lambda: inst.dispatch("add", source.get_snapshot()))
    source.set(3)
    assert seen.calls == [(1, {"count": 3, "label": "", "other": 0, "doubled": 6})]
    assert not rt.scheduler.has_work()
    rt.dispose()
