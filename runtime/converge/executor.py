"""Runs converge steps inside a transaction window, under the execution budget.

A step computes its field from the latest working state, so a chain sees the writes of earlier steps. A step that
raises, or running past the budget, stops the run: the caller rolls every derived write of the transaction back.

Every step execution is an operation of its instance: the k-th step run takes opSeq `op_base + k`, so its op id
`instanceId::o<opSeq>` is deterministic and unique (docs/rules/transactions.md). A step over the rows of a list
(a list check) is handed the rows the transaction changed (`rows_of`), so it revalidates only those.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from runtime.base.draft import WorkingState
from runtime.base.paths import path_text
from runtime.base.records import CheckRun
from runtime.base.state_access import same_value
from runtime.converge.ir import StaticIr, Step

__all__ = ["ExecResult", "AsyncDerive", "PLAIN_TYPES", "run_steps"]

PLAIN_TYPES = frozenset({int, float, str, bool, type(None), list, dict, tuple, set, frozenset})
BUDGET_CHECK_EVERY = 32


class AsyncDerive(Exception):
    """A derivation returned an awaitable (the transaction is aborted as an async escape)."""

    def __init__(self, step: Step) -> None:
        self.step = step
        super().__init__(step.name)


@dataclass(slots=True)
class ExecResult:
    executed: int = 0
    changed: int = 0
    degrade_reason: str | None = None
    """budget_exceeded | runtime_error."""
    error: BaseException | None = None
    failed_step: Step | None = None
    duration_ms: float = 0.0
    direct_writes: int = 0
    """Writes an assembled kernel made itself (not through WorkingState.set, so no write listener counted them)."""
    timings: list[tuple[int, float, bool, int]] = field(default_factory=list)
    """(step_id, ms, changed, opSeq) per executed step, when asked for."""
    checks: list[CheckRun] = field(default_factory=list)
    """The check steps executed, with their rules' outcomes, when asked for (`traced`)."""


def run_steps(
    ir: StaticIr,
    order: Sequence[int],
    ws: WorkingState,
    on_step: Callable[[Step | None, int], None] | None,
    budget_ms: float,
    timed: bool,
    op_base: int = 0,
    rows_of: Callable[[int], tuple[int, ...] | None] | None = None,
    traced: bool = False,
) -> ExecResult:
    """Execute `order` (step ids in topological order); `on_step(step, opSeq)` names the step execution whose
    writes follow (`on_step(None, op_base)` when the run is over). Without `on_step` (nobody records patches) no
    call is made per step. `traced` records what each check step's rules found (for `trait:check` events)."""
    res = ExecResult()
    steps = ir.steps
    t0 = time.perf_counter()
    deadline = t0 + budget_ms / 1000.0
    perf = time.perf_counter
    executed = changed = 0
    for sid in order:
        step = steps[sid]
        root = ws.root
        ts = perf() if timed else 0.0
        try:
            if step.compute_rows is None:
                value = step.compute(root)
            else:
                rows = rows_of(step.list_id) if rows_of is not None else None
                value = step.compute_rows(root, step.read_out(root), rows)
        except Exception as exc:  # a failing derivation degrades the transaction, it does not abort it
            res.degrade_reason, res.error, res.failed_step = "runtime_error", exc, step
            break
        if value.__class__ not in PLAIN_TYPES and inspect.isawaitable(value):
            if inspect.iscoroutine(value):
                value.close()
            raise AsyncDerive(step)
        old = step.read_out(root)
        eq = step.equals
        is_same = (old is value or (type(old) is type(value) and old == value)) if eq is same_value else eq(old, value)
        executed += 1
        if not is_same:
            if on_step is not None:
                on_step(step, op_base + executed)
            ws.set(step.out_path, value, True)
            changed += 1
        if timed:
            res.timings.append((sid, (perf() - ts) * 1000.0, not is_same, op_base + executed))
        if traced and step.report is not None:
            res.checks.append(_check_run(step, value, not is_same))
        if executed % BUDGET_CHECK_EVERY == 0 and perf() > deadline and executed < len(order):
            res.degrade_reason = "budget_exceeded"
            break
    if on_step is not None:
        on_step(None, op_base)
    res.executed, res.changed = executed, changed
    res.duration_ms = (perf() - t0) * 1000.0
    return res


def _check_run(step: Step, verdict: object, changed: bool) -> CheckRun:
    assert step.report is not None
    rules, rows = step.report()
    valid = not any(verdict) if isinstance(verdict, list) else not verdict
    return CheckRun(step.step_id, path_text(step.out_path[1:]), rules, valid, changed, rows)
