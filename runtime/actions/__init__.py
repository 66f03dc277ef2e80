"""Async actions: definitions, runs, and the coordinator that runs them on one instance.

    from runtime.actions import action, ActionCoordinator

    async def save(ctx, todo):
        receipt = await ctx.submit("todo.create", todo["id"], todo)   # returns once the backend accepted it
        return receipt.command_id

    save_def = action("save-todo", save, concurrency="latest-wins",
                      on_success=lambda draft, cid: draft.__setitem__("lastSaved", cid))
    actions = ActionCoordinator(inst, operations=tracker)
    run = actions.trigger(save_def, {"id": "t1"})      # pending committed now, under linkId `inst::o<opSeq>`
    final = await run.settled()                         # success | failure | cancelled, exactly once

Optimistic changes: `ctx.optimistic(body)` applies a change at once, bound to the run (runtime.actions.optimistic);
the run's outcome confirms or rolls it back.

Events: kind `action`, label `async-action`, one per phase (trigger, pending, settle) with the meta described in
docs/rules/async-actions.md; none at diagnostics off. Every transaction of a run (pending, its writes, its operations'
continuations, its result) carries the run's linkId.
"""

from runtime.actions.context import ActionContext
from runtime.actions.coordinator import ActionCoordinator
from runtime.actions.definitions import (
    CANCEL_REASONS,
    CONCURRENCY,
    LANES,
    ActionDef,
    ActionLane,
    ActionRun,
    CancelReason,
    Concurrency,
    RunStatus,
    action,
)
from runtime.actions.handle import RunHandle
from runtime.actions.optimistic import (
    OPTIMISTIC_REASONS,
    OptimisticLedger,
    OptimisticReason,
    OptimisticStatus,
    OptimisticToken,
)
from runtime.errors import ActionError, OptimisticError

__all__ = [
    "CANCEL_REASONS",
    "CONCURRENCY",
    "LANES",
    "OPTIMISTIC_REASONS",
    "ActionContext",
    "ActionCoordinator",
    "ActionDef",
    "ActionError",
    "ActionLane",
    "ActionRun",
    "CancelReason",
    "Concurrency",
    "OptimisticError",
    "OptimisticLedger",
    "OptimisticReason",
    "OptimisticStatus",
    "OptimisticToken",
    "RunHandle",
    "RunStatus",
    "action",
]
