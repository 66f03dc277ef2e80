"""End-to-end latency segments (092): one `trace:e2e` event per segment of a sampled action run.

    rt.e2e.configure(E2EConfig(enabled=True, sample_rate=1.0))     # off by default; needs diagnostics on

A run's chain, every segment a monotonic start and a duration (ms since the runtime started):

    action:pending    trigger -> the handler starts (the pending commit, a queue's wait)     per run
    io:wait           one backend write: submit -> its receipt                              per operation
    txn:commit        one transaction of the run: its window                               per transaction
    notify:scheduled  the run's commit -> the tick that publishes it starts                 per tick
    notify:flush      that tick starts -> the topics' listeners were told                   per tick
    react:commit      the UI commit: the bound widgets' update for that tick (the Qt adapter)   per tick
    paint             the bound widgets' next paint after it (the Qt adapter)                per tick
    action:settle     the handler ended -> the settle transaction committed                 per run

The tick-level segments are deduplicated per commit by tickSeq: one event however many runs the tick carried,
with `linkId` the first run, `linkIds` at most 4 of them and `droppedLinkIdCount` the rest. `react:commit` is the
schema's name for the UI commit until the schema has a neutral one. Runs are sampled when they are triggered, by a
hash of the linkId (no random numbers: the same runs are picked in every run of a program), so a sampled run has
its whole chain and an unsampled one costs one hash. The UI side (`ui_commit`, `paint`) is called by a UI adapter;
without one the chain ends at notify:flush.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, get_args

from runtime.base.paths import fnv1a32_text
from runtime.base.records import TxnRecord
from runtime.errors import DefinitionError


class _Clock(Protocol):
    def mono_ms(self) -> float: ...

    def to_mono_ms(self, epoch_ms: float) -> float: ...


class SinkPort(Protocol):
    """What the recorder uses of its debug sink (runtime.debug.sink.DebugSink)."""

    on: bool
    runtime_label: str
    e2e_enabled: bool

    @property
    def clock(self) -> _Clock: ...

    def emit(self, *, module_id: str, instance_id: str, kind: str, label: str, meta: Any = None, txn_seq: int = 0,
             txn_id: str | None = None, link_id: str | None = None, budget: Any = ...) -> dict[str, Any] | None: ...

__all__ = ["E2EConfig", "E2ECommit", "E2ERecorder", "SEGMENT_KINDS", "SegmentKind", "MAX_LINK_IDS"]

SegmentKind = Literal["action:pending", "io:wait", "txn:commit", "notify:scheduled", "notify:flush",
                      "react:commit", "action:settle", "paint"]
SEGMENT_KINDS: tuple[SegmentKind, ...] = get_args(SegmentKind)
MAX_LINK_IDS = 4
"""linkIds kept on one tick-level event (the schema's bound); the rest are counted in droppedLinkIdCount."""
MAX_LIVE_LINKS = 256
"""Sampled runs followed at once; the oldest stops being followed past this (a leak guard, not a sample rate)."""
MAX_WAITING_TICKS = 64
"""Ticks kept waiting for a UI commit; without a UI adapter the oldest go."""


@dataclass(frozen=True, slots=True)
class E2EConfig:
    """`enabled` (default off); `sample_rate` 0..1 of the runs followed when on (start low in production, 0.01);
    `action_ids` / `module_ids`: only runs of these, when given."""

    enabled: bool = False
    sample_rate: float = 0.01
    action_ids: frozenset[str] | None = None
    module_ids: frozenset[str] | None = None

    def __post_init__(self) -> None:
        rate = self.sample_rate
        if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0.0 <= rate <= 1.0:
            raise DefinitionError(f"E2EConfig.sample_rate must be a number in 0..1, not {rate!r}")

    def picks(self, link_id: str, action_id: str, module_id: str) -> bool:
        if not self.enabled or self.sample_rate <= 0.0:
            return False
        if self.action_ids is not None and action_id not in self.action_ids:
            return False
        if self.module_ids is not None and module_id not in self.module_ids:
            return False
        return self.sample_rate >= 1.0 or fnv1a32_text(link_id) < self.sample_rate * 4294967296.0


@dataclass(slots=True)
class _Link:
    module_id: str
    instance_id: str
    triggered_ms: float
    handler_done_ms: float | None = None
    committed_ms: float | None = None
    """When its first commit not yet published ended (notify:scheduled starts there)."""


@dataclass(frozen=True, slots=True)
class E2ECommit:
    """A UI commit recorded for `tick_seq`, for the paint that follows it."""

    tick_seq: int
    link_ids: tuple[str, ...]


@dataclass(slots=True)
class _Published:
    tick_seq: int
    started_ms: float
    link_ids: list[str] = field(default_factory=list)


class E2ERecorder:
    """The segments of sampled runs, for one runtime's sink. Cheap when off: callers test `active` first."""

    def __init__(self, sink: SinkPort) -> None:
        self._sink = sink
        self.config = E2EConfig()
        sink.e2e_enabled = self.config.enabled
        self._links: OrderedDict[str, _Link] = OrderedDict()
        self._low: list[_Published] = []
        self._ui_wait: deque[_Published] = deque(maxlen=MAX_WAITING_TICKS)
        self._last_ui_tick = -1
        self.events = 0
        """trace:e2e events emitted (for benches and tests)."""

    def configure(self, config: E2EConfig) -> None:
        self.config = config
        self._sink.e2e_enabled = config.enabled  # what the tick asks before `following`
        if not config.enabled:
            self._links.clear()
            self._low.clear()
            self._ui_wait.clear()

    @property
    def active(self) -> bool:
        """Recording: enabled, and the sink records events at all."""
        return self.config.enabled and self._sink.on

    @property
    def following(self) -> bool:
        """Some sampled run is being followed (the tick layer's cheap test)."""
        return bool(self._links) and self._sink.on

    @property
    def ui_waiting(self) -> bool:
        """A published tick of a followed run waits for its UI commit (the UI adapter's cheap test)."""
        return bool(self._ui_wait)

    def mono_ms(self) -> float:
        return self._sink.clock.mono_ms()

    def follows(self, link_id: str | None) -> bool:
        return link_id is not None and link_id in self._links

    # -- the run (runtime.actions) ----------------------------------------------------------------------------------

    def run_triggered(self, link_id: str, action_id: str, module_id: str, instance_id: str) -> bool:
        """A run was triggered: follow it when the config picks it. Returns whether it does."""
        if not self.active or not self.config.picks(link_id, action_id, module_id):
            return False
        self._links[link_id] = _Link(module_id, instance_id, self.mono_ms())
        while len(self._links) > MAX_LIVE_LINKS:
            self._links.popitem(last=False)
        return True

    def run_started(self, link_id: str) -> None:
        link = self._links.get(link_id)
        if link is not None:
            self._emit("action:pending", (link_id,), link.triggered_ms, self.mono_ms())

    def io_waited(self, link_id: str, start_ms: float, reason: str) -> None:
        if link_id in self._links:
            self._emit("io:wait", (link_id,), start_ms, self.mono_ms(), reason=reason)

    def handler_done(self, link_id: str) -> None:
        link = self._links.get(link_id)
        if link is not None:
            link.handler_done_ms = self.mono_ms()

    def run_settled(self, link_id: str, status: str, start_ms: float) -> None:
        """The settle transaction was written (status success | failure | cancelled); `start_ms` is when settling
        began, used when the handler never ended by itself (a cancel)."""
        link = self._links.get(link_id)
        if link is not None:
            start = link.handler_done_ms if link.handler_done_ms is not None else start_ms
            self._emit("action:settle", (link_id,), start, self.mono_ms(), reason=status)

    # -- transactions and ticks (runtime.ticks) ---------------------------------------------------------------------

    def txn_committed(self, record: TxnRecord) -> None:
        link_id = record.link_id
        link = self._links.get(link_id) if link_id is not None else None
        if link is None or link_id is None:
            return
        start = self._sink.clock.to_mono_ms(record.started_at)
        end = start + record.duration_ms
        self._emit("txn:commit", (link_id,), start, end, txn=record)
        if link.committed_ms is None:
            link.committed_ms = end

    def tick_published(self, tick_seq: int, started_ms: float,
                       accepted: Iterable[tuple[bool, Sequence[TxnRecord]]], *, low_delayed: bool) -> None:
        """A tick published these (urgent, records) entries and told the urgent topics' listeners; the low-priority
        ones are told later when `low_delayed` (then `low_flushed` ends their notify:flush), else they were too."""
        links = self._links
        urgent: list[str] = []
        low: list[str] = []
        for is_urgent, records in accepted:
            into = urgent if is_urgent else low
            for record in records:
                lid = record.link_id
                if lid is not None and lid in links and lid not in into:
                    into.append(lid)
        if not urgent and not low:
            return
        if not low_delayed:
            urgent += [lid for lid in low if lid not in urgent]
            low = []
        carried = urgent + [lid for lid in low if lid not in urgent]
        committed = [c for c in (links[lid].committed_ms for lid in carried) if c is not None]
        if committed:
            self._emit("notify:scheduled", carried, min(committed), started_ms, tick_seq=tick_seq)
        for lid in carried:
            links[lid].committed_ms = None
        if urgent:
            self._emit("notify:flush", urgent, started_ms, self.mono_ms(), tick_seq=tick_seq)
            self._ui_wait.append(_Published(tick_seq, started_ms, urgent))
        low = [lid for lid in low if lid not in urgent]
        if low:
            self._low.append(_Published(tick_seq, started_ms, low))

    @property
    def low_waiting(self) -> bool:
        return bool(self._low)

    def low_flushed(self) -> None:
        """The delayed low-priority notifications went out: their ticks' notify:flush ends now."""
        now = self.mono_ms()
        for published in self._low:
            self._emit("notify:flush", published.link_ids, published.started_ms, now,
                       tick_seq=published.tick_seq, reason="lowPriorityDelay")
            self._ui_wait.append(published)
        self._low.clear()

    # -- the UI (a UI adapter such as devtools.qt) ------------------------------------------------------------------

    def ui_commit(self, tick_seq: int, start_ms: float, end_ms: float) -> E2ECommit | None:
        """The bound widgets were updated to `tick_seq`: the UI commit of every published tick up to it that has
        none yet. One event per tickSeq (a second adapter committing the same tick records nothing)."""
        if tick_seq <= self._last_ui_tick or not self._ui_wait:
            return None
        carried: list[str] = []
        while self._ui_wait and self._ui_wait[0].tick_seq <= tick_seq:
            for lid in self._ui_wait.popleft().link_ids:
                if lid not in carried:
                    carried.append(lid)
        if not carried:
            return None
        self._last_ui_tick = tick_seq
        self._emit("react:commit", carried, start_ms, end_ms, tick_seq=tick_seq, token=tick_seq)
        return E2ECommit(tick_seq, tuple(carried))

    def paint(self, commit: E2ECommit, start_ms: float, end_ms: float) -> None:
        """The widgets of a UI commit painted (start of the first paint to the end of the last)."""
        if self.active:
            self._emit("paint", commit.link_ids, start_ms, end_ms, tick_seq=commit.tick_seq, token=commit.tick_seq)

    # -- events -----------------------------------------------------------------------------------------------------

    def _emit(self, kind: SegmentKind, link_ids: Sequence[str], start_ms: float, end_ms: float, *,
              tick_seq: int | None = None, reason: str | None = None, token: int | None = None,
              txn: TxnRecord | None = None) -> None:
        first = link_ids[0]
        link = self._links.get(first)
        meta: dict[str, Any] = {"type": "e2e-trace", "segmentKind": kind, "startMonoMs": max(0.0, start_ms),
                                "durationMs": max(0.0, end_ms - start_ms)}
        if reason is not None:
            meta["reasonCode"] = reason
        if token is not None:
            meta["snapshotToken"] = token
        if tick_seq is not None:
            meta["tickSeq"] = tick_seq
            meta["linkIds"] = list(link_ids[:MAX_LINK_IDS])
            if len(link_ids) > MAX_LINK_IDS:
                meta["droppedLinkIdCount"] = len(link_ids) - MAX_LINK_IDS
        module_id, instance_id = (link.module_id, link.instance_id) if link else ("runtime", self._sink.runtime_label)
        if self._sink.emit(module_id=module_id, instance_id=instance_id, kind="devtools", label="trace:e2e",
                           meta=meta, link_id=first, txn_seq=txn.txn_seq if txn else 0,
                           txn_id=txn.txn_id if txn else None, budget=None) is not None:
            self.events += 1

