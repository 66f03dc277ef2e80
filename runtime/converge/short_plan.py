"""Short plans of plain steps, run in one loop over a table instead of through the interpreter's hops.

A sparse write (one key of thousands, a different one each time) makes a plan of one or a few steps that seldom
repeats, so it never runs assembled: kernels are kept per plan, from its second run, and compiling one costs far
more than running it once. The interpreter (executor.run_steps) pays per step for the step's compute closure, its
output reader, WorkingState.set and the write listener behind it; planning it into the kernel cache costs more.

Most steps are plain: inputs and output top-level keys, the default equality, a derivation of their values. For
those, `ShortPlans` keeps one row per step of its IR (made when the step first runs here) and `run` does what a
kernel assembled `direct` does for them (assembly._direct_write): reads through the root's own get, the derivation,
the comparison, and a changed value written straight into the owned root's store with its path id marked. A plan
with any other step, or longer than SHORT_PLAN_STEPS, is not run here (`run` says None before running anything).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runtime.base.draft import WorkingState
from runtime.base.state_access import same_value
from runtime.converge.assembly import direct_key, escape_awaitable, unassemblable
from runtime.converge.executor import BUDGET_CHECK_EVERY, PLAIN_TYPES
from runtime.converge.ir import StaticIr, Step

__all__ = ["SHORT_PLAN_STEPS", "ShortPlans", "ShortRun"]

SHORT_PLAN_STEPS = BUDGET_CHECK_EVERY
"""The longest plan run here: the interpreter checks the budget after every BUDGET_CHECK_EVERY steps but the last,
so in a plan this short it never checks it, and neither does `run`."""

Row = tuple[Callable[..., Any], tuple[str, ...], str, int, Step]
"""(derivation, input keys, output key, output path id, the step)."""

ShortRun = tuple[int, int, int, BaseException | None, Step | None]
"""(steps executed, changed, of those the ones written into the store directly, the derivation's error and its step
when one failed)."""

_UNSEEN: Any = object()


def _row(step: Step) -> Row | None:
    """The step's row, None when it is not plain."""
    if unassemblable(step) is not None or step.equals is not same_value:
        return None
    key = direct_key(step)
    keys = tuple(path[0] for path in step.dep_paths if len(path) == 1 and path[0].__class__ is str)
    if key is None or len(keys) != len(step.dep_paths) or step.derive is None:
        return None
    return step.derive, keys, key, step.out_id, step


class ShortPlans:
    """The plain-step rows of one IR (a new IR gets a new table: the rows hold its derivations)."""

    __slots__ = ("ir", "_rows")

    def __init__(self, ir: StaticIr) -> None:
        self.ir = ir
        self._rows: list[Row | None] = [_UNSEEN] * len(ir.steps)

    def run(self, plan: tuple[int, ...], ws: WorkingState, ids: dict[int, None]) -> ShortRun | None:
        """Run `plan` over `ws`, marking the path ids of the writes made directly in `ids`; None, with nothing run,
        when the plan is too long or has a step that is not plain. A derivation that returns an awaitable raises
        AsyncDerive; one that raises stops the run (what ran before it stands for the caller to roll back)."""
        if len(plan) > SHORT_PLAN_STEPS:
            return None
        table = self._rows
        rows = []
        for sid in plan:
            row = table[sid]
            if row is _UNSEEN:
                row = table[sid] = _row(self.ir.steps[sid])
            if row is None:
                return None
            rows.append(row)
        ws_set = ws.set
        root = ws.root
        get = root.get
        mine: Any = None
        store: Any = None
        executed = changed = slow = 0
        for derive, keys, key, out_id, step in rows:
            try:
                v = derive(get(keys[0])) if len(keys) == 1 else derive(*map(get, keys))
            except Exception as exc:  # a failing derivation degrades the window, as in the interpreter
                return executed, changed, changed - slow, exc, step
            vc = v.__class__
            if vc not in PLAIN_TYPES:
                escape_awaitable(v, step)
            executed += 1
            old = get(key)
            if old is v or (type(old) is type(v) and old == v):
                continue
            if old is None or vc is list or old.__class__ is list:  # what the write listener marks further
                ws_set(step.out_path, v, True)
                root = ws.root
                get = root.get
                slow += 1
            else:
                if root is not mine:
                    mine, store = ws.claim_root()
                    root = mine
                    get = root.get
                store[key] = v
                ids[out_id] = None
            changed += 1
        return executed, changed, changed - slow, None, None
