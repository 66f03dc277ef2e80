"""The plan cache: an LRU whose protection is decided after a missed key was stored and the LRU evicted, so its
evidence shows capacity, evictions and the low-hit-rate switch-off in order; `evicts` counts real evictions."""

from __future__ import annotations

from collections import OrderedDict

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime import ConvergeConfig, Runtime
from runtime.converge.plan_cache import PlanCache
from converge_support import pairs


class ModelCache:
    """What the rules say the cache does, written out plainly."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.entries: OrderedDict[tuple[int, ...], tuple[int, ...]] = OrderedDict()
        self.hits = self.misses = self.evicts = 0
        self.disabled = False

    def use(self, key: tuple[int, ...]) -> None:
        if key in self.entries:
            self.hits += 1
            self.entries.move_to_end(key)
        else:
            self.misses += 1
            if not self.disabled:
                self.entries[key] = key
                if len(self.entries) > self.capacity:
                    self.entries.popitem(last=False)
                    self.evicts += 1
        total = self.hits + self.misses
        if not self.disabled and total >= max(64, self.capacity + 1) and self.hits <= total * 0.01:
            self.disabled = True
            self.entries.clear()


@settings(max_examples=60, deadline=None)
@given(capacity=st.integers(1, 80), keys=st.lists(st.integers(0, 150), min_size=1, max_size=260))
def test_the_cache_follows_its_rules_step_by_step(capacity, keys):
    cache, model = PlanCache(capacity), ModelCache(capacity)
    for k in keys:
        key = (k,)
        if cache.lookup(key) is PlanCache.NOT_FOUND:
            cache.store(key, key)
        cache.settle()
        model.use(key)
        ev = cache.evidence(hit=False, key_size=1, miss_reason=None)
        assert (ev["size"], ev["hits"], ev["misses"], ev["evicts"]) == (
            len(model.entries), model.hits, model.misses, model.evicts)
        assert ev.get("disabled", False) == model.disabled
        assert ev["size"] <= capacity


def test_the_decision_that_switches_the_cache_off_shows_the_eviction_first():
    # No decision budget to speak of: on a loaded machine a plan over it would run full uncached (budget_cutoff),
    # and this is about the order of store, eviction and switch-off, not about time.
    rt = Runtime(diagnostics="light", converge=ConvergeConfig(decision_budget_ms=1e9))
    inst = rt.mount(pairs(300))
    seen = [inst.dispatch("bump", [k]).converge.cache for k in range(129)]  # every key new: no hit at all
    assert seen[0]["missReason"] == "cold_start"
    full = seen[127]
    assert (full["size"], full["evicts"], full.get("disabled")) == (128, 0, None)
    last = seen[128]  # stored as the 129th entry, the LRU evicted one, then the hit rate switched the cache off
    assert last["evicts"] == 1 and last["disabled"] and last["disableReason"] == "low_hit_rate"
    assert last["misses"] == 129 and last["size"] == 0
