"""The converge planner: chooses full or dirty for each transaction and says why.

The rules, in order (docs/rules/converge.md):

1. an instance's first converge -> full (`cold_start`), whatever mode is requested;
2. a requested `full` or `dirty` is obeyed (`module_override`);
3. no dirty path at all -> dirty with zero steps (a Noop);
4. two steps or fewer -> full (`near_full`);
5. dirty-all -> full (`dirty_all`, `unknown_write`); no roots -> full (`unknown_write`);
6. roots / steps at or above 0.9 (0.75 from 512 steps, 0.70 from 1024, 0.65 from 1536) -> full (`near_full`);
7. diagnostics off: a two-slot inline cache with two-hit admission (first sighting full,
   `low_hit_rate_protection`; second computes the plan, `inline_dirty` + `cache_miss`; then `cache_hit`);
   without a usable key, dirty (`inline_dirty`) when the plan is cheap (its roots' memoised closures add up to at
   most half the steps), else full (`fast_full`) while full converges are cheap or still warming up, else dirty
   (what planning works out for such a root set is kept per graph: roots_memo.py);
8. diagnostics on: the LRU plan cache (`cache_hit` / `cache_miss`) and plans covering 90 % of the steps run full
   (`near_full`). From 32 steps up every plan computed is held to the decision budget, checked when planning ends
   (and along the way in long plans): an over-budget decision runs full (`budget_cutoff`) and its plan is not
   cached.

At diagnostics off the planner hands back the plan only (`choose`); the reasons and the Decision record are
evidence, built only while diagnostics are on (`decide`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from runtime.base.paths import DirtySet
from runtime.base.records import ConvergeMode
from runtime.converge.kernel_cache import KernelCache
from runtime.converge.generation import BumpReason, bump_reason
from runtime.converge.ir import StaticIr
from runtime.converge.plan_cache import DEFAULT_CAPACITY, PlanCache
from runtime.converge.roots_memo import UNKNOWN, RootsMemo
from runtime.converge.short_plan import ShortPlans

__all__ = ["Decision", "Planner", "near_full_threshold"]

INLINE_KEY_LIMIT = 64
INLINE_SKIP_LIMIT = 32
FAST_FULL_MS = 0.6
"""The reference's rule: without a usable inline key, run full while a full converge costs at most this. It assumes
planning is expensive; here it only decides once the cheap-plan rule below has declined."""
CHEAP_PLAN_SHARE = 0.5
"""Python-specific (docs/rules/converge.md, rule 7): a plan is cheap when the closures of its roots, each reached once
and memoised, add up to at most this share of the steps. Measured on the 2000-pair graph (bench/peers.py sparse,
one rotating root): a memoised closure costs a dict lookup and a plan of k one-step closures about 0.1 us per step
to union and sort, while a full converge of 2000 steps costs about 0.3-0.7 ms. With FAST_FULL_MS alone that graph ran
full forever (0.33 ms a write against 0.03 for a dirty run): 0.6 ms is the JS reference's figure for a planner
without memoised closures. At half the steps, planning plus a dirty run stays under one full converge."""
DECISION_CHECK_FROM_STEPS = 32
CACHEABLE_MAX_ROOTS = 128
CACHEABLE_MAX_RATIO = 0.5
PLAN_NEAR_FULL_RATIO = 0.9
GENERATION_THRASH_BUMPS = 3
CLOSURE_MEMO_LIMIT = 4096
"""Per-root reachable-step lists kept between transactions (cleared past this many roots)."""


def near_full_threshold(steps: int) -> float:
    if steps >= 1536:
        return 0.65
    if steps >= 1024:
        return 0.70
    if steps >= 512:
        return 0.75
    return 0.9


@dataclass(slots=True)
class Decision:
    """What the planner chose for one transaction."""

    requested_mode: ConvergeMode
    executed_mode: ConvergeMode
    plan: tuple[int, ...] | None
    """Step ids to run in topological order; None runs every step (full)."""
    reasons: tuple[str, ...]
    decision_ms: float
    cache_hit: bool = False
    miss_reason: str | None = None
    key_size: int = 0
    used_cache: bool = False


class _InlineSlot:
    __slots__ = ("key", "plan", "computed")

    def __init__(self, key: tuple[int, ...]) -> None:
        self.key = key
        self.plan: tuple[int, ...] | None = None
        self.computed = False


class _BudgetCut(Exception):
    pass


class Planner:
    """Per-instance planner state: generation, plan caches, and the cost history auto relies on."""

    def __init__(self, ir: StaticIr, capacity: int = DEFAULT_CAPACITY,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.ir = ir
        self.generation = 0
        self.bump_count = 0
        self.last_bump_reason: BumpReason | None = None
        self._generation_evidence: dict[str, Any] | None = None
        """generation_evidence() until the next bump (every converge record of a generation takes the same)."""
        self._bumps_since_txn = 0
        self.cache = PlanCache(capacity)
        self.kernels = KernelCache()
        """The assembled kernels of this IR's plans (rebuilt with every new IR: they bake its derivations in)."""
        self.short = ShortPlans(ir)
        """The rows short plans of plain steps run from at diagnostics off (new with every IR, as the kernels)."""
        self._clock = clock
        self._cold = True
        self._slots: list[_InlineSlot] = []
        self._inline_skips = 0
        self._inline_computes = 0
        self._inline_disabled = False
        self._full_samples = 0
        self._full_ewma_ms = 0.0
        self._closures: dict[int, tuple[int, ...]] = {}
        self._cheap_plans = RootsMemo()
        """Per root set without an inline key: its plan when cheap, None when not (rule 7's cheap-plan test)."""
        self._plans = RootsMemo()
        """Per root set of more than one root: its plan, as `_plan` works it out without a budget."""
        self.last_decision_ms = 0.0
        """How long the latest decision took (kept at every level: numbers, not evidence)."""
        self.last_ran_all = True
        """Whether the latest decision ran every step."""

    # -- generation -------------------------------------------------------------------------------------------------

    def adopt(self, ir: StaticIr) -> BumpReason | None:
        """Take a rebuilt IR. When its graph differs (writers, deps or imports), that is a generation bump: every
        cached plan is dropped, and the reason says what changed. The same graph (new derivations, same shape)
        keeps the generation and the plans. Returns the bump reason, None when there was no bump."""
        reason = bump_reason(self.ir, ir)
        self.ir = ir
        self.kernels.clear()
        self.short = ShortPlans(ir)
        if reason is None:
            return None
        self.generation += 1
        self.bump_count += 1
        self.last_bump_reason = reason
        self._generation_evidence = None
        self._bumps_since_txn += 1
        self.cache.invalidate("generation_bumped")
        self._slots.clear()
        self._closures = {}
        self._cheap_plans.clear()
        self._plans.clear()
        if self._bumps_since_txn >= GENERATION_THRASH_BUMPS and not self.cache.disabled:
            self.cache.disable("generation_thrash")
        return reason

    def generation_evidence(self) -> dict[str, Any]:
        """The generation as a converge record exports it: one dict per generation, shared (exported metas are
        read-only)."""
        out = self._generation_evidence
        if out is None:
            out = self._generation_evidence = {"generation": self.generation, "generationBumpCount": self.bump_count}
            if self.last_bump_reason:
                out["lastBumpReason"] = self.last_bump_reason
        return out

    def record_evidence(self, decision: Decision, ir: StaticIr) -> tuple[dict[str, Any], dict[str, Any], int]:
        """What of the planner a converge record of `decision` takes when its window converged (its cache and
        generation counters change later): the cache evidence, the generation evidence, the IR's field path count."""
        return (self.cache.evidence(decision.cache_hit, decision.key_size, decision.miss_reason),
                self.generation_evidence(), len(ir.registry.paths))

    def note_full_duration(self, ms: float) -> None:
        """Feed the cost of a full converge to the fast-path estimate (EWMA)."""
        self._full_samples += 1
        self._full_ewma_ms = ms if self._full_samples == 1 else self._full_ewma_ms * 0.8 + ms * 0.2

    # -- decision ---------------------------------------------------------------------------------------------------

    def choose(self, dirty: DirtySet, requested: ConvergeMode) -> tuple[int, ...] | None:
        """The plan at diagnostics off: step ids to run in topological order, None for every step. No evidence."""
        t0 = self._clock()
        self._bumps_since_txn = 0
        if self._cold:
            self._cold = False
            plan = None
        else:
            plan = self._choose(dirty, requested, False, 0.0, t0)[1]
        self.last_decision_ms = (self._clock() - t0) * 1000.0
        self.last_ran_all = plan is None
        return plan

    def decide(self, dirty: DirtySet, requested: ConvergeMode, decision_budget_ms: float) -> Decision:
        """The plan and its evidence at diagnostics on: the mode, the reasons and what the cache did."""
        t0 = self._clock()
        self._bumps_since_txn = 0
        if self._cold:
            self._cold = False
            self.last_decision_ms = (self._clock() - t0) * 1000.0
            self.last_ran_all = True
            return Decision(requested, "full", None, ("cold_start",), self.last_decision_ms,
                            key_size=len(dirty.root_ids))
        mode, plan, reasons, extra = self._choose(dirty, requested, True, decision_budget_ms, t0)
        self.last_decision_ms = elapsed_ms = (self._clock() - t0) * 1000.0
        self.last_ran_all = plan is None
        decision = Decision(requested, mode, plan, reasons, elapsed_ms, key_size=len(dirty.root_ids))
        if extra:
            decision.used_cache = True
            decision.cache_hit, decision.miss_reason = extra
        return decision

    def _choose(
        self,
        dirty: DirtySet,
        requested: ConvergeMode,
        diagnostics_on: bool,
        budget_ms: float,
        t0: float,
    ) -> tuple[ConvergeMode, tuple[int, ...] | None, tuple[str, ...], tuple[bool, str | None] | None]:
        n_steps = len(self.ir.steps)
        roots = dirty.root_ids
        if requested == "full":
            return "full", None, ("module_override",), None
        if requested == "dirty":
            plan = None if dirty.dirty_all else self._known_plan(roots)
            return "dirty", plan, ("module_override",), None
        if dirty.empty:
            return "dirty", (), ("inline_dirty",), None
        if n_steps <= 2:
            return "full", None, ("near_full",), None
        if dirty.dirty_all:
            return "full", None, ("dirty_all", "unknown_write"), None
        if not roots:
            return "full", None, ("unknown_write",), None
        threshold = near_full_threshold(n_steps)
        if len(roots) / n_steps >= threshold:
            return "full", None, ("near_full",), None
        if not diagnostics_on:
            return self._choose_inline(roots, n_steps)
        return self._choose_cached(roots, n_steps, threshold, budget_ms, t0)

    def _choose_inline(
        self, roots: tuple[int, ...], n_steps: int
    ) -> tuple[ConvergeMode, tuple[int, ...] | None, tuple[str, ...], None]:
        if len(roots) <= INLINE_KEY_LIMIT and not self._inline_disabled:
            for slot in self._slots:
                if slot.key == roots:
                    if slot.computed:
                        return self._run_plan(slot.plan, n_steps, ("inline_dirty", "cache_hit"))
                    slot.plan = self._plan(roots, None, 0.0)
                    slot.computed = True
                    self._inline_computes += 1
                    return self._run_plan(slot.plan, n_steps, ("inline_dirty", "cache_miss"))
            self._slots.insert(0, _InlineSlot(roots))
            del self._slots[2:]
            self._inline_skips += 1
            if self._inline_skips >= INLINE_SKIP_LIMIT and self._inline_computes <= 2:
                self._inline_disabled = True
            return "full", None, ("low_hit_rate_protection",), None
        cheap = self._cheap_plans.get(roots)
        if cheap is UNKNOWN:
            cheap = self._cheap_plans.keep(roots, self._cheap_plan(roots, n_steps))
        if cheap is not None:
            return self._run_plan(cheap, n_steps, ("inline_dirty",))
        warming = self._full_samples < 2 and n_steps <= 1024
        if warming or self._full_ewma_ms <= FAST_FULL_MS:
            return "full", None, ("fast_full",), None
        return self._run_plan(self._known_plan(roots), n_steps, ("inline_dirty",))

    def _known_plan(self, roots: tuple[int, ...]) -> tuple[int, ...]:
        """`_plan(roots)` without a budget, worked out once per root set (one root's is its memoised closure)."""
        if len(roots) == 1:
            return self._plan(roots, None, 0.0)
        plan = self._plans.get(roots)
        if plan is UNKNOWN or plan is None:  # never None once known: `_plan` always gives steps
            plan = self._plan(roots, None, 0.0)
            self._plans.keep(roots, plan)
        return plan

    def _cheap_plan(self, roots: tuple[int, ...], n_steps: int) -> tuple[int, ...] | None:
        """The plan of `roots` when their closures add up to at most CHEAP_PLAN_SHARE of the steps, else None. A
        closure not memoised yet is reached now (a walk no longer than the closure itself) and kept either way."""
        left = int(n_steps * CHEAP_PLAN_SHARE)
        if len(roots) == 1:  # a sparse write's, again and again: its memoised closure is the plan
            known = self._closures.get(roots[0])
            if known is not None:
                return known if len(known) <= left else None
        self._bound_closures()
        # The memoised closures alone already past the share (the rest count 0 here, at least that much in truth):
        # a wide write is refused in one C-level sum instead of a Python loop over its roots.
        if sum(map(len, map(self._closures.get, roots, repeat(())))) > left:
            return None
        parts = []
        for root in roots:
            plan = self._closure(root, None, 0.0)
            left -= len(plan)
            if left < 0:
                return None
            parts.append(plan)
        return parts[0] if len(parts) == 1 else self._order(set().union(*parts))

    def _choose_cached(
        self, roots: tuple[int, ...], n_steps: int, threshold: float, budget_ms: float, t0: float
    ) -> tuple[ConvergeMode, tuple[int, ...] | None, tuple[str, ...], tuple[bool, str | None] | None]:
        cache = self.cache
        if cache.disabled:
            if n_steps >= 512 and len(roots) >= threshold / 1.05 * n_steps:
                return "full", None, ("near_full",), (False, None)
            plan = self._plan_with_budget(roots, n_steps, budget_ms, t0)
            if plan is None:
                return "full", None, ("budget_cutoff",), (False, None)
            return self._run_plan(plan, n_steps, ("cache_miss",), (False, None))
        found = cache.lookup(roots)
        if found is not PlanCache.NOT_FOUND:
            cache.settle()
            if found is None:
                return "full", None, ("cache_hit", "near_full"), (True, None)
            return self._run_plan(found, n_steps, ("cache_hit",), (True, None))
        miss_reason = cache.take_miss_reason()
        plan = self._plan_with_budget(roots, n_steps, budget_ms, t0)
        if plan is None:  # over budget: run full, and cache nothing (a later, quicker planning may succeed)
            cache.settle()
            return "full", None, ("cache_miss", "budget_cutoff"), (False, miss_reason)
        if len(roots) <= CACHEABLE_MAX_ROOTS and len(roots) / n_steps <= CACHEABLE_MAX_RATIO:
            cache.store(roots, None if len(plan) >= PLAN_NEAR_FULL_RATIO * n_steps else plan)
        cache.settle()
        return self._run_plan(plan, n_steps, ("cache_miss",), (False, miss_reason))

    @staticmethod
    def _run_plan(
        plan: tuple[int, ...] | None, n_steps: int, reasons: tuple[str, ...], extra: Any = None
    ) -> tuple[ConvergeMode, tuple[int, ...] | None, tuple[str, ...], Any]:
        if plan is None or len(plan) >= PLAN_NEAR_FULL_RATIO * n_steps:
            return "full", None, (*reasons, "near_full"), extra
        return "dirty", plan, reasons, extra

    def _plan_with_budget(
        self, roots: tuple[int, ...], n_steps: int, budget_ms: float, t0: float
    ) -> tuple[int, ...] | None:
        """The plan, or None when the decision ran past its budget (graphs under 32 steps are exempt). Long plans
        are checked along the way; every plan is checked when it is done."""
        if n_steps < DECISION_CHECK_FROM_STEPS:
            return self._plan(roots, None, 0.0)
        try:
            plan = self._plan(roots, t0, budget_ms)
        except _BudgetCut:
            return None
        if (self._clock() - t0) * 1000.0 > budget_ms:
            return None
        return plan

    def _plan(self, roots: tuple[int, ...], t0: float | None, budget_ms: float) -> tuple[int, ...]:
        """Steps reachable from the dirty roots, in topological order (closures per root are memoised)."""
        self._bound_closures()
        if len(roots) == 1:
            return self._closure(roots[0], t0, budget_ms)
        parts = []
        for i, root in enumerate(roots):
            parts.append(self._closure(root, t0, budget_ms))
            if t0 is not None and i & 15 == 15 and (self._clock() - t0) * 1000.0 > budget_ms:
                raise _BudgetCut
        return self._order(set().union(*parts))

    def _bound_closures(self) -> None:
        if len(self._closures) > CLOSURE_MEMO_LIMIT:
            self._closures.clear()

    def _closure(self, root: int, t0: float | None, budget_ms: float) -> tuple[int, ...]:
        """The steps reachable from one root, in topological order, memoised."""
        plan = self._closures.get(root)
        if plan is None:
            plan = self._closures[root] = self._lone_step(root) or self._order(self._reach((root,), t0, budget_ms))
        return plan

    def _lone_step(self, root: int) -> tuple[int, ...]:
        """The closure of a root that triggers one step with nothing downstream of it (a leaf derived from one input,
        what a sparse write into a wide state mostly reaches), without the walk; () for any other root."""
        ir = self.ir
        trig_off = ir.triggers.offsets
        lo = trig_off[root]
        if trig_off[root + 1] - lo != 1:
            return ()
        step = ir.triggers.targets[lo]
        down_off = ir.downstream.offsets
        return (step,) if down_off[step] == down_off[step + 1] else ()

    def _reach(self, roots: tuple[int, ...], t0: float | None, budget_ms: float) -> set[int]:
        ir = self.ir
        trig_off, trig = ir.triggers.offsets, ir.triggers.targets
        down_off, down = ir.downstream.offsets, ir.downstream.targets
        seen: set[int] = set()
        stack: list[int] = []
        for r in roots:
            for s in trig[trig_off[r] : trig_off[r + 1]]:
                if s not in seen:
                    seen.add(s)
                    stack.append(s)
        checked = 0
        while stack:
            s = stack.pop()
            for t in down[down_off[s] : down_off[s + 1]]:
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
            if t0 is not None:
                checked += 1
                if checked & 63 == 0 and (self._clock() - t0) * 1000.0 > budget_ms:
                    raise _BudgetCut
        return seen

    def _order(self, steps: set[int] | tuple[int, ...]) -> tuple[int, ...]:
        """Put step ids in topological order (sorting positions, which are plain ints, is done in C)."""
        if len(steps) <= 1:
            return tuple(steps)
        ir = self.ir
        if ir.topo_is_identity:
            return tuple(sorted(steps))
        pos, order = ir.topo_pos, ir.topo_order
        return tuple([order[p] for p in sorted([pos[s] for s in steps])])
