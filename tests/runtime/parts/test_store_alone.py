"""The RuntimeStore alone: what a tick publishes is what readers see, versioned per topic."""

from __future__ import annotations

from typing import Any

from runtime import read_query
from runtime.ticks.store import PublishedModule, RuntimeStore


class Mounted:
    """The three attributes the store reads of a mounted instance."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.module_id = "form"
        self.instance_id = "form#1"
        self.state = state


def test_readers_see_a_commit_only_when_a_tick_publishes_it() -> None:
    store = RuntimeStore()
    inst = Mounted({"name": "a", "age": 1})
    store.register_instance(inst)  # type: ignore[arg-type]
    topic = store.topic("form::form#1")
    heard: list[tuple[int, Any]] = []
    topic.subscribe(lambda: heard.append((store.tick_seq, topic.get_snapshot()["name"])))
    assert topic.get_snapshot()["name"] == "a" and topic.version == 0
    urgent, low = store.commit_tick(1, [PublishedModule("form::form#1", {"name": "b", "age": 1}, False, (("name",),))])
    assert urgent == ["form::form#1"] and low == []
    assert heard == []  # publishing does not notify: the scheduler does, with the listeners it copied
    store.notify(store.listeners_of(urgent))
    assert heard == [(1, "b")] and topic.version == 1


def test_a_selector_topic_runs_only_when_the_tick_touched_what_it_reads() -> None:
    store = RuntimeStore()
    store.register_instance(Mounted({"name": "a", "age": 1}))  # type: ignore[arg-type]
    calls: list[int] = []

    def name_of(s: dict[str, Any]) -> str:
        calls.append(1)
        return str(s["name"])

    names = store.select("form::form#1", read_query(name_of, reads=["name"], selector_id="name"))
    names.subscribe(lambda: None)
    evaluated = len(calls)
    urgent, _ = store.commit_tick(1, [PublishedModule("form::form#1", {"name": "a", "age": 2}, False, (("age",),))])
    assert len(calls) == evaluated and names.key not in urgent and names.version == 0
    urgent, _ = store.commit_tick(2, [PublishedModule("form::form#1", {"name": "z", "age": 2}, False, (("name",),))])
    assert names.key in urgent and names.get_snapshot() == "z" and names.version == 1


def test_a_listener_that_raises_is_reported_and_the_others_still_run() -> None:
    store = RuntimeStore()
    store.register_instance(Mounted({"name": "a"}))  # type: ignore[arg-type]
    errors: list[str] = []
    store.on_listener_error = lambda key, listener, exc: errors.append(f"{key}: {exc}")
    topic = store.topic("form::form#1")
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("boom")

    topic.subscribe(broken)
    topic.subscribe(lambda: ran.append("second"))
    store.commit_tick(1, [PublishedModule("form::form#1", {"name": "b"}, False, None)])
    assert store.notify(store.listeners_of(["form::form#1"])) == 2
    assert errors == ["form::form#1: boom"] and ran == ["second"]
