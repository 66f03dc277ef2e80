"""The per-instance LRU of converge plans, keyed by a transaction's dirty root ids, with its own protections.

An entry maps exact root ids to the step ids to run (None: run everything). Its protections (docs/rules/converge.md):
once `hits + misses >= max(64, capacity + 1)` and the hit rate is at most 1 %, the cache disables itself
(`low_hit_rate`); three generation bumps before any transaction runs disable it too (`generation_thrash`).

The low-hit-rate check runs once a lookup is settled (`settle`), after a missed key was stored and the LRU evicted,
so one decision's evidence shows, in this order, the entry stored, the eviction it caused and the switch-off.
`evicts` counts entries the LRU pushed out, nothing else (emptying the cache on a bump or a switch-off is no
eviction).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

__all__ = ["PlanCache", "MISS_NOT_CACHED", "DEFAULT_CAPACITY"]

DEFAULT_CAPACITY = 128
MISS_NOT_CACHED = "not_cached"
_NOT_FOUND = object()


class PlanCache:
    """LRU of plans with hit/miss/evict counters and self-protection."""

    __slots__ = ("capacity", "_entries", "hits", "misses", "evicts", "disabled_reason", "_next_miss_reason",
                 "_changes", "_evidence")

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[int, ...], tuple[int, ...] | None] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.evicts = 0
        self.disabled_reason: str | None = None
        self._next_miss_reason = "cold_start"
        self._changes = 0
        """Counts every change of what `evidence` reports (its memo holds while it stays)."""
        self._evidence: tuple[int, bool, int, str | None, dict[str, Any]] | None = None
        """The last evidence and what it was made of: most windows of an app report the same."""

    @property
    def disabled(self) -> bool:
        return self.disabled_reason is not None

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, key: tuple[int, ...]) -> Any:
        """The cached plan, or the sentinel `PlanCache.NOT_FOUND` (counted as a miss)."""
        plan = self._entries.get(key, _NOT_FOUND)
        self._changes += 1
        if plan is _NOT_FOUND:
            self.misses += 1
            return _NOT_FOUND
        self._entries.move_to_end(key)
        self.hits += 1
        return plan

    NOT_FOUND = _NOT_FOUND

    def take_miss_reason(self) -> str:
        reason = self._next_miss_reason
        self._next_miss_reason = MISS_NOT_CACHED
        return reason

    def store(self, key: tuple[int, ...], plan: tuple[int, ...] | None) -> None:
        if self.disabled:
            return
        self._changes += 1
        self._entries[key] = plan
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
            self.evicts += 1

    def invalidate(self, miss_reason: str = "generation_bumped") -> None:
        """Drop every plan (a generation bump); the next miss says why."""
        self._changes += 1
        self._entries.clear()
        self._next_miss_reason = miss_reason

    def disable(self, reason: str) -> None:
        self._changes += 1
        self.disabled_reason = reason
        self._entries.clear()

    def settle(self) -> None:
        """A lookup and whatever it stored are done: check the hit rate (the low-hit-rate switch-off)."""
        self._protect()

    def _protect(self) -> None:
        total = self.hits + self.misses
        if total >= max(64, self.capacity + 1) and self.hits <= total * 0.01 and not self.disabled:
            self.disable("low_hit_rate")

    def evidence(self, hit: bool, key_size: int, miss_reason: str | None) -> dict[str, Any]:
        """The cache's evidence as exported in `trait:converge` (capacity, size, hits, misses, evicts, disabled): the
        same dict while nothing changed (exported metas are read-only)."""
        memo = self._evidence
        if (memo is not None and memo[0] == self._changes and memo[1] is hit and memo[2] == key_size
                and memo[3] == miss_reason):
            return memo[4]
        out: dict[str, Any] = {
            "capacity": self.capacity,
            "size": len(self._entries),
            "hits": self.hits,
            "misses": self.misses,
            "evicts": self.evicts,
            "hit": hit,
            "keySize": key_size,
        }
        if miss_reason and not hit:
            out["missReason"] = miss_reason
        if self.disabled_reason:
            out["disabled"] = True
            out["disableReason"] = self.disabled_reason
        self._evidence = (self._changes, hit, key_size, miss_reason, out)
        return out
