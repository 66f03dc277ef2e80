"""The tick scheduler alone: a fake host, fake inputs and a fake drain step stand in for kernel and sources."""

from __future__ import annotations

from collections.abc import Mapping

from parts_support import FakeHost, FakeTickHost
from runtime import Module, TickConfig
from runtime.kernel.instance import ModuleInstance
from runtime.ticks.job_queue import FreshModule
from runtime.ticks.scheduler import TickScheduler
from runtime.ticks.store import RuntimeStore


def counter(host: FakeHost, store: RuntimeStore, iid: str = "counter#1") -> ModuleInstance:
    module = Module("counter", {"n": 0})

    @module.reducer("add")
    def add(draft, k):
        draft["n"] += k

    inst = ModuleInstance(host, module, iid, None, module.build_shape())
    store.register_instance(inst)
    return inst


class Input:
    """An external input that counts its reads."""

    def __init__(self) -> None:
        self.pulls = 0
        self.triggers = (("sensor", "sensor#1", "value"),)

    def pull(self) -> None:
        self.pulls += 1


class Drain:
    """A drain step that records what it saw and can feed more work back (as a link would)."""

    def __init__(self, feedback: ModuleInstance | None = None) -> None:
        self.seen: list[list[str]] = []
        self.feedback = feedback

    def apply(self, fresh: Mapping[str, FreshModule]) -> None:
        self.seen.append(sorted(fresh))
        if self.feedback is not None:
            self.feedback.dispatch("add", 1)

    def has_work_for(self, fresh: Mapping[str, FreshModule]) -> bool:
        return self.feedback is not None and bool(fresh)

    def pending_windows(self) -> int:
        return 0


def build(config: TickConfig | None = None) -> tuple[FakeHost, FakeTickHost, RuntimeStore, TickScheduler]:
    host, tick_host, store = FakeHost(), FakeTickHost("light"), RuntimeStore()
    scheduler = TickScheduler(tick_host, store, config)
    host.on_commit = scheduler.on_commit
    return host, tick_host, store, scheduler


def test_without_a_loop_a_commit_outside_a_window_is_published_at_once() -> None:
    host, _, store, scheduler = build()
    inst = counter(host, store)
    inst.dispatch("add", 2)
    assert store.tick_seq == 1 and store.topic(inst).get_snapshot() == {"n": 2}
    assert not scheduler.has_work()


def test_inside_a_window_the_tick_waits_until_the_window_settles() -> None:
    host, tick_host, store, scheduler = build()
    inst = counter(host, store)
    tick_host.in_transaction = True
    scheduler.on_commit(inst, inst.dispatch("add", 1), inst.get_state())  # type: ignore[arg-type]
    assert store.tick_seq == 0 and scheduler.has_work()
    tick_host.in_transaction = False
    scheduler.on_settled()
    assert store.tick_seq == 1 and store.topic(inst).get_snapshot() == {"n": 1}


def test_many_signals_of_one_input_are_one_read_in_the_next_tick() -> None:
    _, _, _, scheduler = build()
    sensor = Input()
    with scheduler.batch():
        for _ in range(5):
            scheduler.mark_input(sensor)
        assert sensor.pulls == 0
    assert sensor.pulls == 1


def test_the_drain_step_sees_fresh_commits_and_a_feedback_loop_is_cut_as_a_cycle() -> None:
    host, tick_host, store, scheduler = build(TickConfig(max_drain_rounds=3))
    loop_back = counter(host, store, "counter#2")
    drain = Drain(feedback=loop_back)
    scheduler.set_drain(drain)
    inst = counter(host, store)
    inst.dispatch("add", 1)
    # Each of the tick's three rounds saw what the previous one committed; the tick then published anyway.
    assert drain.seen[:3] == [["counter::counter#1"], ["counter::counter#2"], ["counter::counter#2"]]
    settled = [e["meta"] for e in tick_host.sink.hub.events() if e["label"] == "trace:tick"
               and e["meta"]["phase"] == "settled"]
    assert settled[0]["result"] == {"stable": False, "degradeReason": "cycle_detected"}
    # Without a loop the deferred work chains ticks in the same call, at most 32, then waits for the next entry.
    assert len(settled) == 32 and len(drain.seen) == 32 * 3 and scheduler.has_work()
