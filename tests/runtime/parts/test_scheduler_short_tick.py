"""The scheduler alone at diagnostics off, where a window's lone commit may take the short tick (no drain round): a
drain step without `idle_for` sees every commit, as before the short tick existed; one with it sees exactly the
commits it says it reacts to, and the others are published without it."""

from __future__ import annotations

from collections.abc import Mapping

from parts_support import FakeHost, FakeTickHost
from test_scheduler_alone import counter

from runtime.kernel.instance import ModuleInstance
from runtime.ticks.job_queue import FreshModule
from runtime.ticks.scheduler import TickScheduler
from runtime.ticks.store import RuntimeStore


class Drain:
    """A drain step that cannot say which instances it reacts to: it records what each round saw."""

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def apply(self, fresh: Mapping[str, FreshModule]) -> None:
        self.seen.append(sorted(fresh))

    def has_work_for(self, fresh: Mapping[str, FreshModule]) -> bool:
        return False

    def pending_windows(self) -> int:
        return 0


class ChoosyDrain(Drain):
    """A drain step that reacts to the commits of one instance only, and says so."""

    def __init__(self, watched: str) -> None:
        super().__init__()
        self.watched = watched

    def idle_for(self, key: str) -> bool:
        return key != self.watched


def commit_in_a_window(tick_host: FakeTickHost, scheduler: TickScheduler, inst: ModuleInstance) -> None:
    """One commit inside a transaction window, then the window's end (what the kernel tells the scheduler)."""
    tick_host.in_transaction = True
    scheduler.on_commit(inst, inst.dispatch("add", 1), inst.get_state())  # type: ignore[arg-type]
    tick_host.in_transaction = False
    scheduler.on_settled()


def test_a_drain_step_without_idle_for_sees_every_lone_commit() -> None:
    host, tick_host, store = FakeHost(), FakeTickHost("off"), RuntimeStore()
    scheduler = TickScheduler(tick_host, store)
    drain = Drain()
    scheduler.set_drain(drain)
    inst = counter(host, store)
    commit_in_a_window(tick_host, scheduler, inst)
    assert drain.seen == [["counter::counter#1"]]
    assert store.tick_seq == 1 and store.topic(inst).get_snapshot() == {"n": 1}


def test_a_drain_step_that_says_it_is_idle_for_an_instance_is_skipped_for_its_lone_commits_only() -> None:
    host, tick_host, store = FakeHost(), FakeTickHost("off"), RuntimeStore()
    scheduler = TickScheduler(tick_host, store)
    drain = ChoosyDrain("counter::counter#2")
    scheduler.set_drain(drain)
    idle, watched = counter(host, store), counter(host, store, "counter#2")
    commit_in_a_window(tick_host, scheduler, idle)
    assert drain.seen == [] and store.topic(idle).get_snapshot() == {"n": 1}
    commit_in_a_window(tick_host, scheduler, watched)
    assert drain.seen == [["counter::counter#2"]] and store.topic(watched).get_snapshot() == {"n": 1}
    assert store.tick_seq == 2
