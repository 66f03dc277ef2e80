"""Action definitions and the record of one run, with the exported event meta of a run.

The rules and their numbers are in docs/rules/async-actions.md.

    save = action("save-todo", save_handler, concurrency="latest-wins", lane="nonUrgent", timeout_s=10)

A run is `pending`, then exactly one of `success | failure | cancelled`; its linkId is `instanceId::o<opSeq>`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

from runtime.base.draft import DraftDict
from runtime.errors import ActionError, DefinitionError

if TYPE_CHECKING:
    from runtime.actions.context import ActionContext

__all__ = [
    "CANCEL_REASONS",
    "CONCURRENCY",
    "LANES",
    "MAX_RUN_TXN_SEQS",
    "ActionDef",
    "ActionError",
    "ActionLane",
    "ActionRun",
    "CancelReason",
    "Concurrency",
    "Handler",
    "RunPhase",
    "RunStatus",
    "action",
    "run_event_meta",
]

Concurrency = Literal["latest-wins", "queue", "allow-concurrent", "exhaust"]
"""How runs of one action share the instance (see runtime.actions.coordinator)."""
ActionLane = Literal["urgent", "nonUrgent"]
"""The priority of a run's own bookkeeping writes for the tick layer (nonUrgent: low)."""
CancelReason = Literal["override", "user", "navigation", "timeout", "unknown"]
RunStatus = Literal["pending", "success", "failure", "cancelled", "ignored"]
"""`ignored`: an exhaust trigger that came while a run of its action was pending; it never ran (and never was
pending)."""
RunPhase = Literal["trigger", "pending", "settle"]
"""The exported events of a run: triggered, its pending state committed, settled."""

CONCURRENCY: tuple[Concurrency, ...] = ("latest-wins", "queue", "allow-concurrent", "exhaust")
EXPORTED_POLICIES = frozenset({"latest-wins", "queue", "allow-concurrent"})
"""The policies the exported vocabulary (088) names; an exhaust run's events leave `concurrencyPolicy` out."""
LANES: tuple[ActionLane, ...] = ("urgent", "nonUrgent")
CANCEL_REASONS: tuple[CancelReason, ...] = ("override", "user", "navigation", "timeout", "unknown")
MAX_RUN_TXN_SEQS = 8
"""txnSeqs kept per run in its exported meta; the rest are counted in droppedTxnSeqCount."""

Handler = Callable[["ActionContext", Any], Awaitable[Any]]
"""An action's handler: `async def handler(ctx, payload) -> result`."""


@dataclass(frozen=True, slots=True)
class ActionDef:
    """An async action: a stable id, a handler, and how its runs share the instance."""

    action_id: str
    handler: Handler
    label: str = ""
    concurrency: Concurrency = "latest-wins"
    lane: ActionLane = "nonUrgent"
    max_concurrent: int = 16
    """allow-concurrent: runs beyond this wait (pending) for a free slot."""
    timeout_s: float | None = None
    """A run still pending after this long is cancelled with reason `timeout`."""
    on_pending: Callable[[DraftDict, Any], None] | None = None
    """(draft, payload): written in the run's pending transaction."""
    on_success: Callable[[DraftDict, Any], None] | None = None
    """(draft, result): written in the run's own result transaction."""
    on_failure: Callable[[DraftDict, dict[str, Any]], None] | None = None
    """(draft, errorSummary): written in the run's own result transaction."""
    on_cancel: Callable[[DraftDict, CancelReason], None] | None = None
    """(draft, cancelReason): written in the transaction that settles a cancelled run."""
    cancel_on_supersede: bool = False
    """latest-wins: also ask the backend to cancel the superseded run's operations (default: only detach them)."""

    @property
    def name(self) -> str:
        return self.label or self.action_id


@overload
def action(action_id: str, handler: Handler, **options: Any) -> ActionDef: ...


@overload
def action(action_id: str, handler: None = None, **options: Any) -> Callable[[Handler], ActionDef]: ...


def action(action_id: str, handler: Handler | None = None,
           **options: Any) -> ActionDef | Callable[[Handler], ActionDef]:
    """Define an async action; usable as `action("id", fn, ...)` or as the decorator `@action("id", ...)`.

    `options` are the other fields of ActionDef; anything else, or a value out of its range, raises
    DefinitionError naming the action.
    """

    def build(fn: Handler) -> ActionDef:
        if not isinstance(action_id, str) or not action_id or "::" in action_id:
            raise DefinitionError(f"action id {action_id!r} must be a non-empty string without '::'")
        if not callable(fn):
            raise DefinitionError(f"action {action_id!r}: the handler must be an async function")
        unknown = sorted(set(options) - (set(ActionDef.__dataclass_fields__) - {"action_id", "handler"}))
        if unknown:
            raise DefinitionError(f"action {action_id!r}: unknown option(s) {', '.join(unknown)}")
        defn = ActionDef(action_id, fn, **options)
        if defn.concurrency not in CONCURRENCY:
            raise DefinitionError(f"action {action_id!r}: concurrency {defn.concurrency!r} is not one of "
                                  f"{', '.join(CONCURRENCY)}")
        if defn.lane not in LANES:
            raise DefinitionError(f"action {action_id!r}: lane {defn.lane!r} is not one of {', '.join(LANES)}")
        if not isinstance(defn.max_concurrent, int) or defn.max_concurrent < 1:
            raise DefinitionError(f"action {action_id!r}: max_concurrent must be a positive integer")
        if defn.timeout_s is not None and not defn.timeout_s > 0:
            raise DefinitionError(f"action {action_id!r}: timeout_s must be positive")
        return defn

    return build(handler) if handler is not None else build


@dataclass(frozen=True, slots=True)
class ActionRun:
    """One run of an action, as it is (a snapshot; the coordinator hands out a new one at every change)."""

    action_id: str
    link_id: str
    status: RunStatus
    started_at_mono_ms: float
    settled_at_mono_ms: float | None = None
    cancel_reason: CancelReason | None = None
    error_summary: dict[str, Any] | None = None
    txn_seqs: tuple[int, ...] = ()
    dropped_txn_seq_count: int = 0
    command_ids: tuple[str, ...] = ()
    """The backend operations this run submitted."""
    started: bool = False
    """False while it waits its turn (queue, or allow-concurrent at its bound)."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def settled(self) -> bool:
        return self.status != "pending"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"actionId": self.action_id, "linkId": self.link_id, "status": self.status,
                               "startedAtMonoMs": round(self.started_at_mono_ms, 3)}
        if self.settled_at_mono_ms is not None:
            out["settledAtMonoMs"] = round(self.settled_at_mono_ms, 3)
        if self.cancel_reason:
            out["cancelReason"] = self.cancel_reason
        if self.error_summary:
            out["errorSummary"] = self.error_summary
        out["txnSeqs"] = list(self.txn_seqs)
        if self.command_ids:
            out["commandIds"] = list(self.command_ids)
        return out


def run_event_meta(phase: RunPhase, defn: ActionDef, run: ActionRun) -> dict[str, Any]:
    """The meta of a run's exported event: exactly these keys, no others (see docs/rules/async-actions.md)."""
    meta: dict[str, Any] = {"type": "async-action", "phase": phase, "actionId": defn.action_id}
    if defn.concurrency in EXPORTED_POLICIES:
        meta["concurrencyPolicy"] = defn.concurrency
    meta["lane"] = defn.lane
    meta["status"] = run.status
    if phase == "settle":
        if run.cancel_reason:
            meta["cancelReason"] = run.cancel_reason
        if run.settled_at_mono_ms is not None:
            meta["durationMs"] = max(0.0, round(run.settled_at_mono_ms - run.started_at_mono_ms, 3))
        meta["txnSeqs"] = list(run.txn_seqs)
        if run.dropped_txn_seq_count:
            meta["droppedTxnSeqCount"] = run.dropped_txn_seq_count
    return meta
