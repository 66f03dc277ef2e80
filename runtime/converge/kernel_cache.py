"""Which plans run assembled: the kernels of one planner's IR, per plan, assembled a part per run.

Compiling costs about 0.1-0.3 ms per step (CPython's compiler), far more than one interpreted run of it, so a plan is
assembled from its second run on (one-off plans never pay for it), one part of PART_STEPS steps per run (no single
transaction stalls on compiling a 2000-step plan). Each run, the parts that have a kernel run through it and the others
through the interpreter (executor.run_steps), with the budget checked between parts where the interpreter checks it.
A part that cannot be assembled (assembly.unassemblable) stays interpreted; the plan's other parts do not.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from runtime.base.draft import WorkingState
from runtime.base.paths import fnv1a32_text
from runtime.converge.assembly import DISABLED, FIRST_SIGHTING, ExecVm, Kernel, assemble, run_kernel
from runtime.converge.executor import BUDGET_CHECK_EVERY, ExecResult, run_steps
from runtime.converge.ir import StaticIr, Step

__all__ = ["KernelCache", "PART_STEPS", "PlanKernels", "run_converge"]

KERNEL_CACHE_LIMIT = 64
"""Plans whose kernels are kept per planner (the plan cache's own protections bound the distinct plans)."""
PART_STEPS = 256
"""Steps per kernel, a multiple of BUDGET_CHECK_EVERY (the budget is checked between parts)."""


class PlanKernels:
    """The kernels of one plan and variant, one per part of PART_STEPS steps (None: not assembled yet; an ExecVm: the
    part cannot be assembled and runs interpreted, for the reason it gives)."""

    __slots__ = ("parts", "pending", "runs", "evidence")

    def __init__(self, n_parts: int, digest: str) -> None:
        self.parts: list[Kernel | ExecVm | None] = [None] * n_parts
        self.pending = n_parts > 0
        """Some part is still to be assembled (False once all are, or once one turned out not assemblable)."""
        self.runs = 0
        self.evidence = FIRST_SIGHTING if n_parts else ExecVm(True, exec_ir_hash=f"{digest}:empty")
        """What the latest run says (an empty plan has nothing to assemble: it runs as assembled as it gets)."""

    def add(self, i: int, made: Kernel | ExecVm) -> None:
        """Part i assembled (a Kernel), or why it cannot be (an ExecVm: it stays interpreted, the others do not)."""
        parts = self.parts
        parts[i] = made
        kernels = [part for part in parts if isinstance(part, Kernel)]
        refused = next((part for part in parts if isinstance(part, ExecVm)), None)
        self.pending = any(part is None for part in parts)
        if refused is not None:
            self.evidence = refused  # every later run says why it cannot run fully assembled
        elif self.pending:
            self.evidence = ExecVm(False, "missing_capability", f"{len(kernels)} of {len(parts)} parts of "
                                                                f"{PART_STEPS} steps assembled: one more per run")
        elif len(parts) == 1:
            self.evidence = kernels[0].evidence
        else:
            hashes = " ".join(k.exec_ir_hash for k in kernels)
            digest = kernels[0].exec_ir_hash.rsplit(":", 1)[0]  # the static IR digest has a colon of its own
            self.evidence = ExecVm(True, exec_ir_hash=f"{digest}:{fnv1a32_text(hashes):08x}")


class KernelCache:
    """The kernels of one planner's IR, keyed by (plan, variant). A plan is assembled from its second run on, one
    part of PART_STEPS steps per run, so no single transaction pays for compiling more than one part."""

    __slots__ = ("_plans",)

    def __init__(self) -> None:
        self._plans: dict[tuple[Any, ...], PlanKernels] = {}

    def clear(self) -> None:
        """A new IR (new derivations, maybe a new graph): every kernel baked the old one in."""
        self._plans.clear()

    def __len__(self) -> int:
        return len(self._plans)

    def whole(self, plan: tuple[int, ...] | None, notify: bool, timed: bool, traced: bool,
              direct: bool = False) -> Kernel | None:
        """The plan's one kernel once it is assembled whole (a plan of one part); None before, or when it cannot be.
        A caller that keeps it may run it without `get` while the IR stays (`clear` drops it here)."""
        found = self._plans.get((plan, notify, timed, traced, direct))
        if found is None or len(found.parts) != 1:
            return None
        only = found.parts[0]
        return only if isinstance(only, Kernel) else None

    def get(self, ir: StaticIr, plan: tuple[int, ...] | None, order: Sequence[int], notify: bool, timed: bool,
            traced: bool, direct: bool = False) -> PlanKernels:
        """The plan's kernels, one more part assembled when it runs a second time or later."""
        key = (plan, notify, timed, traced, direct)
        found = self._plans.get(key)
        if found is None:
            if len(self._plans) >= KERNEL_CACHE_LIMIT:
                del self._plans[next(iter(self._plans))]  # the oldest
            found = self._plans[key] = PlanKernels(-(-len(order) // PART_STEPS), ir.digest)
        found.runs += 1
        if found.pending and found.runs >= 2:
            for i, part in enumerate(found.parts):
                if part is None:
                    found.add(i, assemble(ir, order[i * PART_STEPS:(i + 1) * PART_STEPS], notify=notify,
                                          timed=timed, traced=traced, direct=direct))
                    break
        return found


def run_converge(
    ir: StaticIr,
    kernels: KernelCache,
    enabled: bool,
    plan: tuple[int, ...] | None,
    ws: WorkingState,
    on_step: Callable[[Step | None, int], None] | None,
    budget_ms: float,
    timed: bool,
    op_base: int = 0,
    rows_of: Callable[[int], tuple[int, ...] | None] | None = None,
    traced: bool = False,
    dirty_ids: dict[int, None] | None = None,
) -> tuple[ExecResult, ExecVm]:
    """Run `plan` (None: every step): its assembled parts through their kernels, the others interpreted; says
    whether every part ran assembled. With `dirty_ids` (the path ids the write listener marks) and nobody recording
    patches (`on_step` None), kernels write top-level values themselves and mark their ids there in bulk."""
    order = ir.topo_order if plan is None else plan
    evidence = DISABLED
    if enabled:
        direct = dirty_ids is not None and on_step is None
        found = kernels.get(ir, plan, order, on_step is not None, timed, traced, direct)
        parts, evidence = found.parts, found.evidence
        if len(parts) != 1:
            return _run_parts(parts, ir, order, ws, on_step, budget_ms, timed, op_base, rows_of, traced,
                              dirty_ids), evidence
        only = parts[0]
        if isinstance(only, Kernel):
            return run_kernel(only, ir, order, ws, on_step, budget_ms, op_base, dirty_ids), evidence
    # off, or a one-part plan not assembled (yet, or ever): interpreted whole
    return run_steps(ir, order, ws, on_step, budget_ms, timed, op_base, rows_of, traced), evidence


def _run_parts(parts: list[Kernel | ExecVm | None], ir: StaticIr, order: Sequence[int], ws: WorkingState,
               on_step: Callable[[Step | None, int], None] | None, budget_ms: float, timed: bool, op_base: int,
               rows_of: Callable[[int], tuple[int, ...] | None] | None, traced: bool,
               dirty_ids: dict[int, None] | None) -> ExecResult:
    """A plan of several parts: each through its kernel or the interpreter, the budget checked between them at the
    positions the interpreter checks it (PART_STEPS is a multiple of BUDGET_CHECK_EVERY)."""
    res = ExecResult()
    perf = time.perf_counter
    t0 = perf()
    deadline = t0 + budget_ms / 1000.0
    n = len(order)
    for i, part in enumerate(parts):
        lo = i * PART_STEPS
        chunk = order[lo:lo + PART_STEPS]
        if not isinstance(part, Kernel):
            sub = run_steps(ir, chunk, ws, on_step, (deadline - perf()) * 1000.0, timed, op_base + lo, rows_of,
                            traced)
        else:
            sub = run_kernel(part, ir, chunk, ws, on_step, (deadline - perf()) * 1000.0, op_base + lo, dirty_ids)
        res.executed += sub.executed
        res.changed += sub.changed
        res.direct_writes += sub.direct_writes
        res.timings += sub.timings
        res.checks += sub.checks
        if sub.degrade_reason is not None:
            res.degrade_reason, res.error, res.failed_step = sub.degrade_reason, sub.error, sub.failed_step
            break
        if res.executed < n and res.executed % BUDGET_CHECK_EVERY == 0 and perf() > deadline:
            res.degrade_reason = "budget_exceeded"
            break
    res.duration_ms = (perf() - t0) * 1000.0
    return res
