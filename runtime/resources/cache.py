"""The resource cache: one entry per resourceKey, shared loads, reference-counted cancellation, a bounded size.

    cache = ResourceCache(rt.sink)                               # Runtime builds one: rt.resources
    value = await cache.read(catalog, "tea", link_id=run_link)  # a consumer: shares a pending load of the key
    cache.invalidate_key(resource_key(catalog, "tea"))           # the next read loads again
    off = cache.on_pending(lambda change: ...)                   # pending start/end per key (what busy reads)

Per key: a monotonic generation (every load is the next one), status idle | pending | success | failure |
cancelled. Concurrent reads of a key share one load; a consumer that goes away (its task cancelled) releases it,
and the load is cancelled only when no consumer is left (`no-subscribers`). A result of a generation that is no
longer the entry's current one is dropped. Settled entries serve reads (`cacheHit`) until invalidated or evicted:
at most `max_entries` (200), settled entries without consumers go first, least recently used first; only when
there are none is a pending load evicted (cancel reason `override`). The rules are in docs/rules/resources.md.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from runtime.base.state_access import MISSING
from runtime.debug.sink import DebugSink, error_summary
from runtime.errors import ResourceError
from runtime.resources.definitions import ResourceDef, ResourceStatus, resource_key

__all__ = ["CancelReason", "PendingChange", "ResourceCache", "ResourceState"]

CancelReason = Literal["override", "invalidated", "no-subscribers", "timeout", "unknown"]
InvalidateReason = Literal["key", "tag", "manual", "unknown"]
Phase = Literal["start", "resolve", "reject", "cancel", "invalidate"]


@dataclass(frozen=True, slots=True)
class ResourceState:
    """One key's state as it is now."""

    key: str
    status: ResourceStatus
    generation: int
    value: Any = None
    error_summary: dict[str, Any] | None = None
    pending_since_mono_ms: float | None = None
    tags: tuple[str, ...] = ()
    consumer_count: int = 0


@dataclass(frozen=True, slots=True)
class PendingChange:
    """A load of `resource_key` began (`pending` True) or ended (False, with how: resolve | reject | cancel)."""

    resource_key: str
    generation: int
    pending: bool
    initiator_link_id: str | None
    outcome: Literal["resolve", "reject", "cancel"] | None = None

    @property
    def load_id(self) -> str:
        """`<resourceKey>#<generation>`: one load (a restart of the key is another one)."""
        return f"{self.resource_key}#{self.generation}"


class _Restarted(Exception):
    """The generation a consumer waited for was replaced by a new load of the same key: wait for that one."""


class _Entry:
    __slots__ = ("key", "defn", "args", "tags", "status", "generation", "value", "error", "consumers",
                 "last_access", "task", "waiter", "initiator", "pending_since", "stale", "value_generation")

    def __init__(self, key: str, defn: ResourceDef, args: Any, tags: tuple[str, ...]) -> None:
        self.key = key
        self.defn = defn
        self.args = args
        self.tags = tags
        self.status: ResourceStatus = "idle"
        self.generation = 0
        self.value: Any = None
        self.error: dict[str, Any] | None = None
        self.consumers = 0
        self.last_access = 0.0
        self.task: asyncio.Task[None] | None = None
        self.waiter: asyncio.Future[Any] | None = None
        self.initiator: str | None = None
        self.pending_since: float | None = None
        self.stale = False
        """The value is kept and served while a revalidation loads the next generation."""
        self.value_generation = 0
        """The generation the value came from (a stale value's is older than the one loading)."""


class ResourceCache:
    """The resources of one runtime (or of whoever builds one), reporting to `sink`."""

    def __init__(self, sink: DebugSink, *, max_entries: int = 200, label: str = "resources") -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self.sink = sink
        self.max_entries = max_entries
        self.label = label
        self.disposed = False
        self._entries: dict[str, _Entry] = {}
        self._pending_listeners: list[Callable[[PendingChange], None]] = []

    # -- reading ----------------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[str]:
        return list(self._entries)

    def state(self, key: str) -> ResourceState:
        """The state of `key` (status idle, generation 0 for a key the cache does not hold): the degrade mode,
        which never waits and never starts a load."""
        entry = self._entries.get(key)
        if entry is None:
            return ResourceState(key, "idle", 0)
        return ResourceState(key, entry.status, entry.generation, entry.value, entry.error, entry.pending_since,
                             entry.tags, entry.consumers)

    def pending_keys(self) -> list[str]:
        return [k for k, e in self._entries.items() if e.status == "pending"]

    def on_pending(self, listener: Callable[[PendingChange], None]) -> Callable[[], None]:
        """Call `listener(PendingChange)` when a load of any key begins and when it ends (however it ends); the
        fact source of busy state. Returns the function that removes the listener."""
        self._pending_listeners.append(listener)
        return lambda: self._pending_listeners.remove(listener) if listener in self._pending_listeners else None

    async def read(self, defn: ResourceDef, args: Any, *, link_id: str | None = None) -> Any:
        """The value of `defn` for `args`: from the cache, from the pending load of its key, or from a new load.
        Raises what the load raised, or ResourceError when the load was cancelled under it (timeout, eviction).
        Cancelling the awaiting task releases this consumer (the load stops when it was the last one)."""
        if self.disposed:
            raise ResourceError(f"resource cache {self.label!r} is disposed; {defn.name} was not read")
        key = resource_key(defn, args)
        entry = self._entries.get(key)
        if entry is None:
            entry = _Entry(key, defn, args, defn.tags_of(args))
            self._entries[key] = entry
            self._evict(keep=entry)
        entry.last_access = self.sink.clock.mono_ms()
        if entry.status == "success" or entry.stale:
            self._emit(entry, "resolve", cacheHit=True, consumerCount=entry.consumers, link_id=link_id,
                       generation=entry.value_generation)
            return entry.value
        if entry.status != "pending":
            self._start(entry, link_id)
        entry.consumers += 1
        try:
            while True:
                waiter = entry.waiter
                assert waiter is not None  # a pending entry always has one
                try:
                    return await asyncio.shield(waiter)
                except _Restarted:
                    continue
        finally:
            entry.consumers -= 1
            if entry.consumers == 0 and entry.status == "pending" and self._entries.get(key) is entry:
                self._cancel(entry, "no-subscribers")

    # -- loads ------------------------------------------------------------------------------------------------------

    def _start(self, entry: _Entry, link_id: str | None) -> None:
        entry.generation += 1
        entry.status = "pending"
        entry.initiator = link_id
        entry.pending_since = self.sink.clock.mono_ms()
        loop = asyncio.get_running_loop()
        if entry.waiter is None or entry.waiter.done():
            entry.waiter = loop.create_future()
        entry.task = loop.create_task(self._load(entry, entry.generation), name=f"resource:{entry.key}")
        self._emit(entry, "start", cacheHit=False, consumerCount=entry.consumers, link_id=link_id)
        self._tell(PendingChange(entry.key, entry.generation, True, link_id))

    async def _load(self, entry: _Entry, generation: int) -> None:
        defn = entry.defn
        outcome: Any = MISSING
        error: BaseException | None = None
        try:
            async with asyncio.timeout(defn.timeout_s):  # None: no limit; a cancel from outside goes through
                outcome = await defn.load(entry.args)
        except asyncio.CancelledError:
            return  # whoever cancelled it settled the entry
        except Exception as exc:  # a TimeoutError among them: cancelled as "timeout" below
            error = exc
        if entry.generation != generation or entry.status != "pending":
            return  # an old generation's result: dropped
        entry.task = None
        if isinstance(error, TimeoutError) and defn.timeout_s is not None:
            self._cancel(entry, "timeout")
        elif error is not None:
            self._settle(entry, "failure", error=error_summary(error, "resource::load_failed"), exc=error)
        else:
            self._settle(entry, "success", value=outcome)

    def _settle(self, entry: _Entry, status: ResourceStatus, *, value: Any = None,
                error: dict[str, Any] | None = None, exc: BaseException | None = None) -> None:
        entry.stale = False
        entry.status = status
        entry.value = value
        entry.value_generation = entry.generation
        entry.error = error
        entry.pending_since = None
        waiter = entry.waiter
        phase: Literal["resolve", "reject"] = "resolve" if status == "success" else "reject"
        self._emit(entry, phase, cacheHit=False, consumerCount=entry.consumers, link_id=entry.initiator, error=error)
        self._tell(PendingChange(entry.key, entry.generation, False, entry.initiator, phase))
        if waiter is not None and not waiter.done():
            if exc is not None:
                waiter.set_exception(exc)
                waiter.exception()  # marked retrieved: a failure nobody awaits any more is not an asyncio warning
            else:
                waiter.set_result(value)

    def _cancel(self, entry: _Entry, reason: CancelReason, *, restart: bool = False) -> None:
        """Stop the pending load of `entry`; with `restart` its consumers wait for a new generation instead."""
        if entry.task is not None and not entry.task.done():
            entry.task.cancel()
        entry.task = None
        entry.status = "cancelled"
        entry.stale = False
        entry.pending_since = None
        self._emit(entry, "cancel", cancelReason=reason, consumerCount=entry.consumers, link_id=entry.initiator)
        self._tell(PendingChange(entry.key, entry.generation, False, entry.initiator, "cancel"))
        waiter, entry.waiter = entry.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(_Restarted() if restart else ResourceError(
                f"{entry.key} generation {entry.generation} was cancelled ({reason})"))
            waiter.exception()
        if restart:
            self._start(entry, entry.initiator)

    # -- invalidation and eviction ----------------------------------------------------------------------------------

    def invalidate_key(self, key: str, *, reason: InvalidateReason = "key", revalidate: bool = False) -> bool:
        """Drop `key` (no stale value is kept: the next read loads again). A pending load with consumers is
        restarted as the next generation, one without consumers is cancelled. False when the key was not held.

        `revalidate` asks for stale-while-revalidate instead: a held value stays and is served while the next
        generation loads at once in the background (a failed revalidation then drops it)."""
        entry = self._entries.get(key)
        if entry is None:
            return False
        self._emit(entry, "invalidate", invalidateReason=reason, consumerCount=entry.consumers,
                   link_id=entry.initiator)
        if revalidate and entry.status == "success":
            entry.stale = True
            self._start(entry, None)
            return True
        if entry.status == "pending" and entry.consumers > 0:
            self._cancel(entry, "invalidated", restart=True)
            return True
        if entry.status == "pending":
            self._cancel(entry, "invalidated")
        del self._entries[key]
        return True

    def invalidate_tag(self, tag: str, *, revalidate: bool = False) -> int:
        """invalidate_key for every entry carrying `tag`; returns how many."""
        return sum(self.invalidate_key(k, reason="tag", revalidate=revalidate)
                   for k, e in list(self._entries.items()) if tag in e.tags)

    def _evict(self, keep: _Entry) -> None:
        while len(self._entries) > self.max_entries:
            idle = [e for e in self._entries.values() if e is not keep and e.status != "pending" and not e.consumers]
            pool = idle or [e for e in self._entries.values() if e is not keep]
            victim = min(pool, key=lambda e: e.last_access)
            if victim.status == "pending":
                self._cancel(victim, "override")
            del self._entries[victim.key]

    # -- events -----------------------------------------------------------------------------------------------------

    def _tell(self, change: PendingChange) -> None:
        for listener in tuple(self._pending_listeners):
            listener(change)

    def _emit(self, entry: _Entry, phase: Phase, *, link_id: str | None, error: dict[str, Any] | None = None,
              **extra: Any) -> None:
        sink = self.sink
        if not sink.on:
            return
        meta: dict[str, Any] = {"type": "resource", "phase": phase, "resourceKey": entry.key,
                                "generation": extra.pop("generation", entry.generation), "tagCount": len(entry.tags)}
        if entry.tags:
            meta["tags"] = list(entry.tags)
        if link_id is not None:
            meta["initiatorLinkId"] = link_id
        meta.update(extra)
        sink.emit(module_id="resources", instance_id=self.label, kind="service", label="resource", meta=meta,
                  link_id=link_id, error=error, budget=None)

    # -- disposal ---------------------------------------------------------------------------------------------------

    def dispose(self) -> None:
        """Cancel every pending load (reason `unknown`) and drop every entry."""
        if self.disposed:
            return
        self.disposed = True
        for entry in list(self._entries.values()):
            if entry.status == "pending":
                with contextlib.suppress(RuntimeError):  # the loop may be gone already
                    self._cancel(entry, "unknown")
        self._entries.clear()
