"""The ExternalStore constructors: callback pair, value holder, async stream, module selector, topic facades."""

from __future__ import annotations

import asyncio

import pytest
from tick_support import counter

from runtime import (
    ExternalStore,
    ExternalStoreError,
    Module,
    Runtime,
    external_store,
    from_callbacks,
    from_module,
    from_stream,
    value_store,
)


def test_value_store_notifies_real_changes_only_and_isolates_listeners(caplog) -> None:
    store = value_store(1)
    calls = []
    store.subscribe(lambda: (_ for _ in ()).throw(RuntimeError("bad listener")))
    unsubscribe = store.subscribe(lambda: calls.append(store.get_snapshot()))
    store.set(1)
    store.set(2)
    store.update(lambda v: v * 10)
    unsubscribe()
    store.set(3)
    assert calls == [2, 20]
    assert "bad listener" in caplog.text
    assert isinstance(store, ExternalStore)


def test_from_callbacks_wraps_a_pair_and_an_optional_server_snapshot() -> None:
    listeners = []
    store = from_callbacks(lambda: "now", lambda cb: listeners.append(cb) or (lambda: listeners.remove(cb)),
                           get_server_snapshot=lambda: "server")
    unsubscribe = store.subscribe(lambda: None)
    assert store.get_snapshot() == "now" and store.get_server_snapshot() == "server" and len(listeners) == 1
    unsubscribe()
    assert listeners == []
    with pytest.raises(ExternalStoreError, match="invalid_store"):
        from_callbacks("not callable", lambda cb: None)


def test_a_stream_without_an_initial_value_is_refused() -> None:
    async def numbers():
        yield 1

    with pytest.raises(ExternalStoreError) as info:
        from_stream(numbers())
    assert info.value.code == "external_store::missing_initial"
    with pytest.raises(ExternalStoreError, match="async iterable"):
        from_stream([1, 2], initial=0)


def test_a_stream_needs_a_running_loop_to_be_consumed() -> None:
    async def numbers():
        yield 1

    store = from_stream(numbers(), initial=0)
    with pytest.raises(ExternalStoreError) as info:
        store.subscribe(lambda: None)
    assert info.value.code == "external_store::no_running_loop"


@pytest.mark.asyncio
async def test_a_stream_field_starts_at_initial_then_follows_the_items_and_stops_on_unmount() -> None:
    feed: asyncio.Queue[int] = asyncio.Queue()
    consumed = []

    async def items():
        while True:
            item = await feed.get()
            consumed.append(item)
            yield item

    stream = from_stream(items(), initial=-1)
    rt = Runtime()
    inst = rt.mount(Module("ticker", initial={"price": None}, fields=[external_store("price", stream)]))
    assert rt.store.topic(inst).get_snapshot() == {"price": -1}
    for n in (1, 2, 3):
        feed.put_nowait(n)
    for _ in range(5):
        await asyncio.sleep(0)
    assert rt.store.topic(inst).get_snapshot() == {"price": 3}
    rt.unmount(inst)
    await asyncio.sleep(0)
    feed.put_nowait(4)
    await asyncio.sleep(0)
    assert consumed == [1, 2, 3]  # the consuming task was cancelled with the last subscriber


def test_from_module_used_directly_is_that_module_s_selector_topic() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    label = from_module(inst, lambda s: s["label"], reads=["label"])
    seen = []
    label.subscribe(lambda: seen.append((rt.store.tick_seq, label.get_snapshot())))
    inst.dispatch("add", 1)
    inst.dispatch("setLabel", "x")
    assert seen == [(2, "x")] and label.get_snapshot() == "x"
    with pytest.raises(ExternalStoreError, match="needs a module instance"):
        from_module("counter", lambda s: s["label"], reads=["label"]).get_snapshot()


def test_a_topic_facade_of_one_runtime_feeds_a_field_of_another() -> None:
    upstream = Runtime(label="upstream")
    source = upstream.mount(counter())
    downstream = Runtime(label="downstream")
    mirror = downstream.mount(Module("mirror", initial={"count": 0},
                                     fields=[external_store("count", upstream.store.topic(source),
                                                            select=lambda s: s["count"])]))
    source.dispatch("add", 4)
    assert downstream.store.topic(mirror).get_snapshot() == {"count": 4}
