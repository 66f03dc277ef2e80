"""TearingWatch: checks that everything a subscriber can read during one tick agrees, and that nothing is lost.

    watch = TearingWatch(rt)            # every module topic of the instances mounted now (or pass facades)
    ... drive the app ...
    watch.assert_no_tearing()           # raises AssertionError with the tick and the two differing views

Each time any watched facade notifies, the watch reads every watched facade (snapshot version) at the current
`rt.store.tick_seq`; two reads at the same tick must agree. At the end, once the runtime has no tick pending, each
module topic must publish its instance's committed state: a change that was committed but never published is a
lost update, the other half of tearing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from runtime.runtime import Runtime

__all__ = ["TearingWatch", "WatchedFacade"]


class WatchedFacade(Protocol):
    """A topic facade as the watch reads it (the runtime's TopicStore, or a facade of the same shape)."""

    @property
    def version(self) -> int: ...

    def get_snapshot(self) -> object: ...

    def subscribe(self, listener: Callable[[], None], /) -> Callable[[], None]: ...


class TearingWatch:
    """Records reads that disagree within one tick and, at the end, updates that were committed but never published."""

    def __init__(self, runtime: Runtime, facades: Sequence[WatchedFacade] | None = None) -> None:
        self.runtime = runtime
        self.module_topics = [(runtime.store.topic(inst), inst) for inst in runtime.instances()]
        self.facades: list[WatchedFacade] = list(facades) if facades is not None else [f for f, _ in self.module_topics]
        self.views: dict[int, tuple[int, ...]] = {}
        self.torn: list[str] = []
        self.notifications = 0
        self._unsubscribe = [f.subscribe(self._on_change) for f in self.facades]

    def _view(self) -> tuple[int, ...]:
        return tuple(f.version for f in self.facades)

    def _on_change(self) -> None:
        self.notifications += 1
        self.check()

    def check(self) -> None:
        """Read every watched facade now; a disagreement with an earlier read of this tick is recorded."""
        tick = self.runtime.store.tick_seq
        view = self._view()
        seen = self.views.setdefault(tick, view)
        if seen != view and len(self.torn) < 10:
            self.torn.append(f"tick {tick}: versions {seen} then {view} ({[str(f) for f in self.facades]})")

    def assert_no_tearing(self) -> None:
        self.check()
        if self.torn:
            raise AssertionError("torn reads: " + "; ".join(self.torn))
        if self.runtime.scheduler.has_work():
            raise AssertionError("a tick is still pending: let the loop run (await asyncio.sleep(0)) before "
                                 "asserting no tearing")
        lost = [str(f) for f, inst in self.module_topics if f.get_snapshot() != inst.get_state()]
        if lost:
            raise AssertionError(f"committed but never published (lost updates): {lost}")

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
