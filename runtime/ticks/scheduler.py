"""TickScheduler: turns commits into ticks, the runtime's consistency batches that publish snapshots to the store.

A commit (or an external store emit) only enqueues work and asks for one tick; everything until the tick runs
coalesces into it. A tick:

1. drains: reads the external stores that signalled, applies the declarative links of the instances that committed,
   and again, for at most `max_drain_rounds` (8) rounds; work still appearing after that is `cycle_detected`;
2. accepts: every urgent (priority normal) instance up to `urgent_step_cap` (512) and non-urgent ones up to
   `max_steps` (64); the rest is requeued before the commit and the tick reports `stable=false` (`budget_steps`, or
   `cycle_detected` past the urgent cap). After a cycle the committed states are still published; the links left
   to apply are the deferred work of the next tick;
3. commits: `tick_seq + 1`, the accepted states are published, topic versions bumped, then the listeners of the
   changed topics are called (low-priority topics `low_priority_delay_ms` later, never skipped).

When ticks run, the rule:
- an asyncio loop is running in this thread: the tick is a `loop.call_soon` callback (`startedAs: microtask`). A tick
  caused by the previous tick's listeners chains (`microtaskChainDepth` + 1); past `microtask_chain_depth_limit` (32)
  chained ticks, or after an unstable tick, the next one goes through `loop.call_later(0)`, i.e. a later loop
  iteration after I/O was polled (`startedAs: macrotask`, `warn:microtask-starvation` for the former);
- no loop is running (a plain script or test): the tick runs synchronously as soon as the outermost transaction
  window (with the entries queued behind it) has ended, or at once for an external store emit made outside any
  window, so `inst.dispatch(...)` returns with the new snapshot published (`startedAs: unknown`). Chained ticks run
  in the same call, at most 32; a listener feedback loop beyond that is left queued until the next entry point or
  `flush_now()` (with `warn:microtask-starvation`). Low-priority listeners are called at the end of the same tick.
  Without a loop there are no timers either: a `coalesce_window_ms` write is not delayed;
- inside `rt.batch()` no tick runs; the outermost batch's end runs one synchronously (`startedAs: batch`);
- `rt.flush_now()` runs the pending tick(s) and low-priority notifications at once (it refuses inside a
  transaction window and does nothing when called from a listener of a running tick).
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import _get_running_loop
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from runtime.errors import DefinitionError, SchedulingError
from runtime.ticks.emit_scope import defer_to_emit_end
from runtime.ticks.emit_scope import scope as emit_scope
from runtime.ticks.job_queue import JobQueue, PendingModule, record_paths
from runtime.ticks.store import PublishedModule, RuntimeStore, SelectorTopic, module_key, parse_topic_key
from runtime.ticks.telemetry import DegradedTick, TickTelemetry, sampled
from runtime.ticks.tick_trace import NO_BACKLOG as _NO_BACKLOG
from runtime.ticks.tick_trace import TickStart, TriggerTally, schedule_of, settled_meta, solo_settled_meta, start_meta
from runtime.ticks.tick_trace import STABLE as _STABLE

if TYPE_CHECKING:
    from runtime.base.records import TxnRecord
    from runtime.kernel.instance import ModuleInstance
    from runtime.ticks.ports import DrainStep, ExternalInput, TickHost

__all__ = ["TickScheduler", "TickConfig", "SchedulingError", "TickConfigScope"]

TickConfigScope = Literal["runtime_default", "builtin"]
"""Where the tick budgets in force came from: the runtime's own TickConfig, or the defaults."""


@dataclass(frozen=True, slots=True)
class TickConfig:
    """Budgets of the tick scheduler (defaults and their meaning: docs/rules/ticks.md)."""

    max_steps: int = 64
    """Non-urgent (low-priority) instances accepted per tick."""
    urgent_step_cap: int = 512
    max_drain_rounds: int = 8
    microtask_chain_depth_limit: int = 32
    low_priority_delay_ms: float = 16.0
    telemetry: TickTelemetry = TickTelemetry()
    """The degraded-tick hook (off unless set; see runtime.ticks.telemetry)."""

    def __post_init__(self) -> None:
        for name in ("max_steps", "urgent_step_cap", "max_drain_rounds", "microtask_chain_depth_limit"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise DefinitionError(f"TickConfig.{name} must be an integer >= 1, not {value!r}")
        if not isinstance(self.low_priority_delay_ms, (int, float)) or self.low_priority_delay_ms < 0:
            raise DefinitionError(f"TickConfig.low_priority_delay_ms must be >= 0, not {self.low_priority_delay_ms!r}")
        if not isinstance(self.telemetry, TickTelemetry):
            raise DefinitionError(f"TickConfig.telemetry must be a TickTelemetry, not {self.telemetry!r}")


log = logging.getLogger("tickscope")


_running_loop = _get_running_loop
"""The running loop of this thread, or None: asked on every commit, so not by catching get_running_loop's error
(asyncio exports this function for the libraries that need that answer cheaply, sniffio among them)."""


class TickScheduler:
    """Schedules and runs the ticks of one runtime (built by the Runtime; reach it as `rt.scheduler`).

    The composition root calls `on_commit` after every commit and `on_settled` when the outermost transaction
    window ended, and hands it the drain step of the sources layer (`set_drain`).
    """

    def __init__(self, host: TickHost, store: RuntimeStore, config: TickConfig | None = None) -> None:
        self.host = host
        self.store = store
        self.config = config or TickConfig()
        self.config_scope: TickConfigScope = "builtin" if config is None else "runtime_default"
        self.queue = JobQueue()
        self._drain_step: DrainStep | None = None
        self._inputs: dict[ExternalInput, None] = {}
        self._batch_depth = 0
        self._flushing = False
        self._handle: asyncio.Handle | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        """The asyncio loop a tick was last scheduled on (None while ticks have only run synchronously)."""
        self._next: tuple[str, int, bool, str | None] = ("microtask", 0, False, None)
        self._degraded: tuple[int, str, int] | None = None
        """(tickSeq, degradeReason, backlogCount) of the tick that opened the unstable stretch, while it lasts."""
        self._low: dict[str, None] = {}
        self._low_handle: asyncio.Handle | None = None
        self._low_loop: asyncio.AbstractEventLoop | None = None
        """The loop `_low_handle` was set on."""
        self._timers = 0
        self._tally: TriggerTally | None = TriggerTally()
        """Commits waiting for the next tick, counted for its settled event (while diagnostics are on); None from the
        start of a tick at diagnostics on, which took it, until the next commit (see _counting)."""
        self._spare_tally: TriggerTally | None = None
        """The tally of the last reported tick, emptied for reuse: no allocation on the way to the listeners."""
        self._start: TickStart | None = None
        """The start event of the running tick, reserved (one object reused by every tick at diagnostics on)."""
        self.disposed = False
        self.solo_ticks = True
        """Publish a window's lone commit without the queue (see on_commit); False sends every commit through the
        queue and the full tick (the reference the property tests compare the short way with)."""
        self._solo: tuple[str, ModuleInstance, TxnRecord, Any] | None = None
        """The one commit of a window that a plain tick will publish (see on_commit), held outside the queue."""
        self._drain_quiet: Callable[[str], bool] = self._never_quiet
        """Whether the drain step would do nothing for a commit of an instance (asked when there is one)."""
        store.on_listener_error = self._listener_error
        store.on_selector_error = self._selector_error

    def set_drain(self, step: DrainStep) -> None:
        """What each drain round applies to fresh commits (declarative links, module-as-source fields)."""
        self._drain_step = step
        # A drain step that cannot say which instances it reacts to sees every commit through the full tick.
        self._drain_quiet = getattr(step, "idle_for", None) or self._never_quiet

    # -- inputs -----------------------------------------------------------------------------------------------------

    def on_commit(self, inst: ModuleInstance, record: TxnRecord, state: Any) -> None:
        """An instance committed: publish it in the next tick.

        The common case, a window's only commit with nothing else waiting (no loop, diagnostics off, no drain work
        for the instance), is held aside and published by on_settled without the queue's bookkeeping; anything
        else arriving first puts it into the queue, in order."""
        if self.disposed:
            return
        key = inst.topic_key
        solo = self._solo
        if solo is None:
            if self.solo_ticks and record.priority != "low" and self.host.in_transaction and self._solo_clear(key):
                self._solo = (key, inst, record, state)
                return
        else:
            self._unstash()
        self.queue.enqueue_commit(key, inst, record, state)
        sink = self.host.sink
        if sink.on:
            self._counting().add(record)
            if record.link_id is not None and sink.e2e_enabled and sink.e2e.following:
                sink.e2e.txn_committed(record)
        if not self._flushing:
            self._request()

    def mark_input(self, source: ExternalInput) -> None:
        """An external store signalled: read it in the next tick (many signals, one read)."""
        if self.disposed:
            return
        self._inputs[source] = None
        if not self._flushing:
            self._request()

    def note_timer(self) -> None:
        """A coalescing window elapsed (counted as a `timer` trigger of the next tick)."""
        self._timers += 1

    def mark_topic_dirty(self, key: str, *, low_priority: bool = False) -> None:
        """Bump a topic and notify its listeners in the next tick without a module commit (unparseable keys are
        dropped then, with a diagnostic)."""
        self.queue.mark_topic(key, low_priority)
        if not self._flushing:
            self._request()

    def has_work(self) -> bool:
        queue = self.queue  # spelled out: asked two or three times by every synchronous tick
        return bool(queue.pending or queue.fresh or queue.topics or self._inputs or self._solo is not None)

    def _solo_clear(self, key: str) -> bool:
        """Nothing stands between a lone commit of `key` and its short tick: no followed e2e run, no batch, tick, loop
        or scheduled tick, no degraded stretch to track, nothing else queued, no drain work for it."""
        queue = self.queue  # its three parts read here rather than through bool(queue): asked twice per commit
        sink = self.host.sink  # on: the short tick reports itself, unless a followed run needs the full one's e2e
        return ((not sink.on or not sink.e2e.following) and not self._batch_depth and not self._flushing
                and not self.disposed
                and self._handle is None and self._degraded is None and not self._inputs
                and not (queue.pending or queue.fresh or queue.topics)
                and (self._drain_step is None or self._drain_quiet(key)) and _running_loop() is None)

    def publish_lone(self, inst: ModuleInstance, record: TxnRecord, state: Any) -> bool:
        """The short tick of a fused window's commit (runtime.kernel.fast_dispatch), called once its window closed:
        what on_commit and then on_settled do for a lone commit with nothing in its way, in one call. False, with
        nothing done: the caller takes the general way (on_commit inside the window, on_settled after it)."""
        key = inst.topic_key
        if (self._solo is not None or not self.solo_ticks or record.priority == "low" or emit_scope.depth
                or not self._solo_clear(key)):
            return False
        self._publish_solo((key, inst, record, state))
        queue = self.queue
        if queue.pending or queue.fresh or queue.topics or self._inputs:  # has_work(), spelled out
            self._run_sync("unknown", 1)  # the ticks its listeners caused, chained as after any tick
        return True

    def _never_quiet(self, key: str) -> bool:
        return False

    def _counting(self) -> TriggerTally:
        """The tally the next tick's settled event summarises: a tick at diagnostics on takes the current one at its
        start, and the first commit after that takes the spare one (so a tick touches no other tally on the way to
        its listeners)."""
        tally = self._tally
        if tally is None:
            tally = self._tally = self._spare_tally or TriggerTally()
            self._spare_tally = None
        return tally

    def _new_start(self) -> TickStart:
        """The object the ticks' start events are reserved in, made at the first tick with diagnostics on (the host's
        sink and label are fixed for a runtime)."""
        start = self._start = TickStart(self.host.sink, self.host.label)
        return start

    def _unstash(self) -> None:
        """The held commit joins the queue, ahead of anything later."""
        solo = self._solo
        if solo is not None:
            self._solo = None
            self.queue.enqueue_commit(*solo)
            if self.host.sink.on:
                self._counting().add(solo[2])  # counted as on_commit counts a queued commit

    # -- scheduling -------------------------------------------------------------------------------------------------

    def _request(self) -> None:
        if self._batch_depth or self._flushing or self.disposed:
            return
        loop = _running_loop()
        if self._handle is not None:
            if loop is self.loop:
                return  # the scheduled tick takes this work too
            self._cancel()  # scheduled on a loop that stopped before running it: it would hold every later tick
        if loop is None:
            if not self.host.in_transaction and not defer_to_emit_end(self.on_settled):
                self._run_sync("unknown")
            return  # else the end of the outermost window (on_settled) or of the store's emit runs it
        self.loop = loop
        self._next = ("microtask", 0, False, None)
        self._handle = loop.call_soon(self._run_scheduled)

    def on_settled(self) -> None:
        """The outermost transaction window, or a store emit that asked for a synchronous tick, has ended."""
        solo = self._solo
        if solo is not None:
            if not self.host.in_transaction and self._solo_clear(solo[0]):
                if emit_scope.depth:
                    defer_to_emit_end(self.on_settled)
                else:
                    self._publish_solo(solo)
                    queue = self.queue
                    if queue.pending or queue.fresh or queue.topics or self._inputs:  # has_work(), spelled out
                        self._run_sync("unknown", 1)  # the ticks its listeners caused, chained as after any tick
                return
            self._unstash()
        if (self._batch_depth or self._flushing or self.disposed or self._handle is not None
                or not self.has_work() or _running_loop() is not None or self.host.in_transaction):
            return
        if not defer_to_emit_end(self.on_settled):
            self._run_sync("unknown")

    def _run_sync(self, started_as: str, depth: int = 0) -> None:
        while self.has_work() and not self.disposed:
            if depth >= self.config.microtask_chain_depth_limit:
                loop = _running_loop()
                if loop is None:
                    self._warn_starvation(self.store.tick_seq + 1, depth)  # the tick that will carry what is left
                else:  # a later loop turn carries the rest (and warns), as after a chain of scheduled ticks
                    self.loop = loop
                    self._next = ("macrotask", depth, True, "microtask_starvation")
                    self._handle = loop.call_later(0, self._run_scheduled)
                return
            self._tick(started_as, depth, False, None)
            started_as = "unknown"
            depth += 1

    def _run_scheduled(self) -> None:
        self._handle = None
        if self.disposed or self._flushing or self._batch_depth or not self.has_work():
            return
        started_as, depth, forced, reason = self._next
        stable, degrade = self._tick(started_as, depth, forced, reason)
        if not self.has_work() or self._handle is not None or self.disposed:
            return
        loop = asyncio.get_running_loop()
        # A macrotask tick ends a chain: the ticks it causes count from 1 again. A forced macrotask tick carries the
        # depth of the chain that forced it.
        chain = (0 if started_as == "macrotask" else depth) + 1
        if not stable:
            self._next = ("macrotask", chain, True, "budget" if degrade == "budget_steps" else "cycle_detected")
            self._handle = loop.call_later(0, self._run_scheduled)
        elif chain >= self.config.microtask_chain_depth_limit:
            self._next = ("macrotask", chain, True, "microtask_starvation")
            self._handle = loop.call_later(0, self._run_scheduled)
        else:
            self._next = ("microtask", chain, False, None)
            self._handle = loop.call_soon(self._run_scheduled)

    def _cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    @contextmanager
    def batch(self) -> Iterator[None]:
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if not self._batch_depth and self.has_work() and not self.disposed:
                if self._flushing or self.host.in_transaction:
                    self._request()
                else:
                    self._cancel()
                    self._run_sync("batch")

    def flush_now(self) -> None:
        if self.host.in_transaction:
            raise SchedulingError("flush_now() cannot run inside a transaction window; the tick runs after it commits")
        if self._flushing or self.disposed:
            return
        self._cancel()
        self._run_sync("unknown")
        self._flush_low()

    # -- the tick ---------------------------------------------------------------------------------------------------

    def _tick(self, started_as: str, depth: int, forced: bool, reason: str | None) -> tuple[bool, str | None]:
        sink = self.host.sink
        on = sink.on
        store = self.store
        queue = self.queue
        tick_seq = store.tick_seq + 1
        t0 = time.perf_counter()
        tally: TriggerTally | None = None
        inputs: Any = ()
        timers = self._timers
        e2e_t0 = sink.e2e.mono_ms() if on and sink.e2e_enabled and sink.e2e.following else None
        self._unstash()
        self._flushing = True
        try:
            if on:
                # The start event marks the beginning (t0) and how the tick was scheduled; what triggered it is
                # taken now and summarised in the settled event, after the listeners were told.
                if self._inputs:
                    inputs = [t for source in self._inputs for t in source.triggers]
                tally = self._tally or self._counting()
                self._tally = None  # this tick's: a later commit counts into the spare one
                # Held by the hub, made and recorded once the listeners were told (or before anything else is
                # recorded): the listeners wait for nothing else. Stored inline (TickStart.hold), not through a
                # call: at full every step here is a cold one.
                start = self._start or self._new_start()
                sink.hub.record_later(start)  # first: it records the one still held, which may be this object
                start.tick_seq = tick_seq
                start.t0 = t0
                start.started_as = started_as
                start.depth = depth
                start.forced = forced
                start.reason = reason
            self._timers = 0
            if forced and reason == "microtask_starvation":
                self._warn_starvation(tick_seq, depth)
            cycle = self._drain()
            accepted, deferred, degrade = self._accept(queue.drain(), cycle)
            counting = self._tally
            if counting is not None and counting.first is not None:
                counting.clear()  # what this tick drained was its own; later commits trigger the next
            if deferred:
                queue.requeue(deferred)
                if on:
                    counting = self._counting()
                    for entry in deferred:
                        for record in entry.records:
                            counting.add(record)
            self._publish(tick_seq, accepted)
            if e2e_t0 is not None:
                sink.e2e.tick_published(tick_seq, e2e_t0, [(e.urgent, e.records) for e in accepted],
                                        low_delayed=bool(self._low))
                if not self._low and sink.e2e.low_waiting:
                    sink.e2e.low_flushed()  # this tick's urgent notifications told what earlier ticks held back
            if degrade is not None or self._degraded is not None:
                self._track_degrade(tick_seq, degrade, len(deferred))
            if on:
                assert tally is not None
                self._report(tick_seq, t0, schedule_of(started_as, depth, forced, reason), (tally, inputs, timers),
                             accepted, deferred, degrade)
            if degrade is not None or forced:
                self._tell_telemetry(DegradedTick(tick_seq, degrade is None, degrade, forced, reason, depth,
                                                  len(deferred)))
            return degrade is None, degrade
        finally:
            self._flushing = False
            if on:
                sink.hub.flush_later()  # the start event, also when the tick failed

    def _publish_solo(self, solo: tuple[str, ModuleInstance, TxnRecord, Any]) -> None:
        """The tick of one urgent commit with nothing else to do (no inputs, links, topics or degrade to track): what
        _tick does then, without the queue, drain and accept bookkeeping; its trace:tick events, with diagnostics on,
        are the ones _tick records for such a tick (the settled one built when read)."""
        self._solo = None
        key, inst, record, state = solo
        store = self.store
        sink = self.host.sink
        on = sink.on
        timers = self._timers
        self._timers = 0
        self._flushing = True
        try:
            tick_seq = store.tick_seq + 1
            if on:  # the start event as _tick records it: its seq now, made once the listeners were told
                t0 = time.perf_counter()
                label = self.host.label
                # a fused light dispatch's commit: the tick's events join the hub entry of its other events
                entry = sink.hub.open
                if entry is None or entry.parts != 1 or entry.record is not record or not sink.dispatch_tick_started(
                        entry, label, tick_seq, t0, start_meta):
                    entry = None
                    (self._start or self._new_start()).hold(tick_seq, t0, "unknown", 0, False, None)
            counting = self._tally
            if counting is not None and counting.first is not None:
                counting.clear()
            urgent = store.commit_one(tick_seq, key, state,
                                      None if key not in store.attached else lambda: record_paths(inst, record))
            low_pending = self._low
            if low_pending:
                for changed in urgent:
                    low_pending.pop(changed, None)  # told now: this covers the earlier low-priority change too
            if urgent:
                store.notify(store.listeners_of(urgent))
            if self._low:
                self._schedule_low()
            if on:  # what _report says of this tick, built when read
                t1 = time.perf_counter()
                inputs = len(self._inputs)  # what its listeners left for the next tick, as _report counts it
                if self._drain_step is not None:
                    inputs += self._drain_step.pending_windows()
                work = len(self.queue.fresh)
                if entry is None or not sink.dispatch_tick_settled(entry, t1, solo_settled_meta, self.config.max_steps,
                                                                   inputs, work, timers):
                    now = sink.clock.now_ms()
                    sink.emit_pending("runtime", label, "devtools", "trace:tick", 0, None, None, solo_settled_meta,
                                      tick_seq, now, self.config.max_steps, (t1 - t0) * 1000.0, inputs, work, record,
                                      timers, sink.full, timestamp=now)
        finally:
            self._flushing = False
            if on:
                sink.hub.flush_later()  # the start event, also when the tick failed

    def _publish(self, tick_seq: int, accepted: list[PendingModule]) -> None:
        """Commit the accepted states at `tick_seq` and tell the listeners of the changed topics."""
        store = self.store
        published = [PublishedModule(e.key, e.state, not e.urgent, None if e.paths is None else tuple(e.paths),
                                     e.removed) for e in accepted]
        urgent, low = store.commit_tick(tick_seq, published)
        if self.queue.topics:
            self._bump_marked_topics(urgent, low)
        low_pending = self._low
        if low_pending and urgent:
            for key in urgent:
                low_pending.pop(key, None)  # told now: this covers the earlier low-priority change too
        batches = store.listeners_of(urgent)
        if low:
            for key in low:
                low_pending[key] = None
        store.notify(batches)
        if self._low:
            self._schedule_low()

    def _drain(self) -> bool:
        """Read signalled inputs and apply links until nothing new appears; True when work is left after the
        last allowed round (cycle_detected)."""
        queue = self.queue
        for _ in range(self.config.max_drain_rounds):
            if self._inputs:
                inputs = list(self._inputs)
                self._inputs.clear()
                for source in inputs:
                    source.pull()
            fresh = queue.fresh
            if fresh:
                queue.fresh = {}
            if fresh and self._drain_step is not None:
                self._drain_step.apply(fresh)
            if not self._inputs and not queue.fresh:
                return False
        step = self._drain_step
        if not self._inputs and (step is None or not step.has_work_for(queue.fresh)):
            queue.fresh.clear()  # the last commits lead nowhere: nothing is pending after all
            return False
        return True

    def _accept(self, pending: dict[str, PendingModule],
                cycle: bool) -> tuple[list[PendingModule], list[PendingModule], str | None]:
        if len(pending) == 1 and not cycle:  # the common tick: one instance committed; every budget admits one
            return list(pending.values()), [], None
        cfg = self.config
        deferred: list[PendingModule] = []
        degrade: str | None = None
        if cycle:
            # What committed is published (holding it back could starve one side of a cycle for good); the links
            # still to apply to the last commits are the deferred work, picked up by the next tick.
            degrade = "cycle_detected"
        entries = list(pending.values())
        urgent = [e for e in entries if e.urgent]
        lazy = [e for e in entries if not e.urgent]
        if len(urgent) > cfg.urgent_step_cap:
            deferred += urgent[cfg.urgent_step_cap:] + lazy
            return urgent[: cfg.urgent_step_cap], deferred, "cycle_detected"
        if len(lazy) > cfg.max_steps:
            deferred += lazy[cfg.max_steps:]
            degrade = degrade or "budget_steps"
            lazy = lazy[: cfg.max_steps]
        return urgent + lazy, deferred, degrade

    def _bump_marked_topics(self, urgent: list[str], low: list[str]) -> None:
        for key, is_low in self.queue.take_topics().items():
            parsed = parse_topic_key(key)
            if parsed is None:
                self.host.sink.diagnostic(
                    module_id="runtime", instance_id=self.host.label, code="runtime_store::topic_key_unparseable",
                    severity="warning", message=f"dirty topic {key!r} is not a topic key; it was dropped",
                )
                continue
            if self.store.bump_topic(key):
                (low if is_low else urgent).append(key)

    # -- low-priority notifications ---------------------------------------------------------------------------------

    def _schedule_low(self) -> None:
        loop = _running_loop()
        if loop is None:
            self._flush_low()
            return
        if self._low_handle is not None:
            if self._low_loop is loop:
                return  # the timer set takes this work too
            self._low_handle.cancel()  # set on a loop that stopped before its delay: it would never fire
        self._low_loop = loop
        self._low_handle = loop.call_later(self.config.low_priority_delay_ms / 1000.0, self._flush_low)

    def _flush_low(self) -> None:
        if self._low_handle is not None:
            self._low_handle.cancel()
            self._low_handle = None
        e2e = self.host.sink.e2e
        if not self._low:
            if e2e.low_waiting:
                e2e.low_flushed()
            return
        keys = list(self._low)
        self._low.clear()
        self.store.notify(self.store.listeners_of(keys))
        if e2e.low_waiting:
            e2e.low_flushed()

    # -- instances and external inputs -----------------------------------------------------------------------------

    def forget_inputs(self, sources: list[ExternalInput]) -> None:
        """These inputs are gone (their instance unmounts): a pending read of them is dropped."""
        for source in sources:
            self._inputs.pop(source, None)

    def on_unmount(self, inst: ModuleInstance) -> None:
        """Publish the instance's removal in the next tick."""
        if self.disposed:
            return
        self._unstash()
        self.queue.enqueue_removal(module_key(inst.module_id, inst.instance_id), inst)
        self._request()

    def dispose(self) -> None:
        self.disposed = True
        self._cancel()
        if self._low_handle is not None:
            self._low_handle.cancel()
            self._low_handle = None
        self._inputs.clear()

    # -- diagnostics ------------------------------------------------------------------------------------------------

    def _emit(self, meta: dict[str, Any]) -> None:
        # The meta is bounded by construction (budget=None) and already carries the time the event stands for.
        self.host.sink.emit_bounded("runtime", self.host.label, "devtools", "trace:tick", meta, meta["timestampMs"])

    def _report(self, tick_seq: int, t0: float, schedule: dict[str, Any] | None,
                trigger: tuple[TriggerTally, Any, int] | None, accepted: list[PendingModule],
                deferred: list[PendingModule], degrade: str | None) -> None:
        sink = self.host.sink
        pending_inputs = len(self._inputs)
        if self._drain_step is not None:
            pending_inputs += self._drain_step.pending_windows()
        pending_work = len(deferred) + len(self.queue.fresh)
        if pending_inputs or pending_work:
            backlog: dict[str, Any] = {"pendingExternalInputs": pending_inputs, "pendingDeferredWork": pending_work}
            if deferred:
                backlog["deferredPrimary"] = _deferred_primary(deferred)
        else:
            backlog = _NO_BACKLOG
        carried = [r for entry in accepted for r in entry.records]  # frozen records, copied out of the entries
        now = sink.clock.now_ms()
        budget = {"maxSteps": self.config.max_steps, "elapsedMs": round((time.perf_counter() - t0) * 1000.0, 4),
                  "steps": len(accepted), "txnCount": len(carried)}
        summary = None
        if trigger is not None:
            tally, inputs, timers = trigger
            summary = tally.summary(inputs, timers)
            tally.clear()
            self._spare_tally = tally
        if degrade is None:  # the usual tick: its event is built when read (runtime.debug.pending)
            sink.emit_pending("runtime", self.host.label, "devtools", "trace:tick", 0, None, None, settled_meta,
                              tick_seq, now, schedule, budget, backlog, _STABLE, summary, carried, sink.full,
                              timestamp=now)
            return
        meta, _ = settled_meta(tick_seq, now, schedule, budget, backlog, {"stable": False, "degradeReason": degrade},
                               summary, carried, sink.full)
        self._emit({**meta, "phase": "budgetExceeded"})
        inverted = next((e for e in deferred if not e.urgent and self.store.has_listeners(e.key)), None)
        if inverted is not None:
            sink.diagnostic(
                module_id=inverted.inst.module_id, instance_id=inverted.inst.instance_id,
                code="warn:priority-inversion", severity="warning",
                message=f"tick {tick_seq} deferred non-urgent work of {inverted.key}, which has subscribers",
                extra={"tickSeq": tick_seq, "reason": "deferredBacklog"},
            )
        self._emit(meta)

    def _track_degrade(self, tick_seq: int, degrade: str | None, backlog: int) -> None:
        # Tracked whatever the diagnostics level, so switching diagnostics on mid-window stays coherent.
        sink = self.host.sink
        scope = self.config_scope
        if degrade is not None and self._degraded is None:
            self._degraded = (tick_seq, degrade, backlog)
            sink.diagnostic(module_id="runtime", instance_id=self.host.label, code="scheduling::degrade",
                            severity="warning",
                            extra={"tickSeq": tick_seq, "degradeReason": degrade, "backlogCount": backlog,
                                   "configScope": scope},
                            message=f"tick {tick_seq} was not stable ({degrade}); {backlog} deferred entries follow "
                            "in later ticks")
        elif degrade is None and self._degraded is not None:
            from_tick, from_reason, from_backlog = self._degraded
            self._degraded = None
            sink.diagnostic(module_id="runtime", instance_id=self.host.label, code="scheduling::recover",
                            severity="info",
                            extra={"tickSeq": tick_seq, "fromTickSeq": from_tick, "fromReason": from_reason,
                                   "backlogCount": backlog, "previousBacklogCount": from_backlog,
                                   "configScope": scope},
                            message=f"tick {tick_seq} is stable again (unstable since tick {from_tick})")

    def _tell_telemetry(self, event: DegradedTick) -> None:
        telemetry = self.config.telemetry
        hook = telemetry.on_tick_degraded
        if hook is None or not sampled(event.tick_seq, telemetry.sample_rate):
            return
        try:
            hook(event)
        except Exception:  # user telemetry never breaks a tick
            log.exception("on_tick_degraded hook %r raised", hook)

    def _warn_starvation(self, tick_seq: int, depth: int) -> None:
        if self.host.sink.on:
            self.host.sink.diagnostic(
                module_id="runtime", instance_id=self.host.label, code="warn:microtask-starvation", severity="warning",
                message=f"{depth} ticks chained (listeners keep committing); tick {tick_seq} waits for a later turn",
                extra={"tickSeq": tick_seq, "microtaskChainDepth": depth},
            )

    def _listener_error(self, key: str, listener: Any, exc: Exception) -> None:
        parsed = parse_topic_key(key)
        self.host.sink.diagnostic(
            module_id=parsed.module_id if parsed else "runtime",
            instance_id=parsed.instance_id if parsed else self.host.label,
            code="runtime_store::listener_threw", severity="error",
            message=f"listener {listener!r} of topic {key!r} raised {type(exc).__name__}: {exc}",
            error=exc, extra={"tickSeq": self.store.tick_seq, "topic": key},
        )

    def _selector_error(self, topic: SelectorTopic, exc: Exception) -> None:
        parsed = parse_topic_key(topic.key)
        assert parsed is not None
        self.host.sink.diagnostic(
            module_id=parsed.module_id, instance_id=parsed.instance_id, code="read_query::eval_error",
            severity="error", message=f"selector of topic {topic.key!r} raised {type(exc).__name__}: {exc}; "
            "it keeps its last value", error=exc, extra={"topic": topic.key},
        )


def _deferred_primary(deferred: list[PendingModule]) -> dict[str, Any]:
    external = next((e for e in deferred if e.records and e.records[-1].origin.kind == "field-external-store"), None)
    entry = external or deferred[0]
    out: dict[str, Any] = {"kind": "externalStore" if external else "unknown", "moduleId": entry.inst.module_id,
                           "instanceId": entry.inst.instance_id}
    if external is not None and entry.records[-1].origin.name:
        out["fieldPath"] = entry.records[-1].origin.name
    return out
