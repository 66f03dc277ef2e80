"""The async action coordinator of one instance: creates runs, applies concurrency policies, settles every run.

    actions = ActionCoordinator(inst, operations=tracker)      # one per instance
    run = actions.trigger(save, todo)                          # pending is committed before this returns
    settled = await run.settled()                              # ActionRun with status success | failure | cancelled

Policies: `latest-wins` settles the previous pending runs of the action as cancelled/override at once (their tasks
are cancelled, their operations detached but still tracked); `queue` starts one run at a time in trigger order;
`allow-concurrent` runs up to `max_concurrent` at once and keeps the rest pending until a slot frees; `exhaust`
ignores a trigger while a run of its action is pending: the trigger gets a run that is `ignored` at once (never
pending, never run), reported as the info diagnostic `action::trigger_ignored`.
Nothing stays pending: results, failures, timeouts, user cancels and disposal all settle runs, exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from runtime.actions.context import ActionContext
from runtime.actions.definitions import (
    CANCEL_REASONS,
    MAX_RUN_TXN_SEQS,
    ActionDef,
    ActionError,
    ActionRun,
    CancelReason,
    RunPhase,
    RunStatus,
    run_event_meta,
)
from runtime.actions.handle import RunHandle
from runtime.actions.optimistic import OptimisticLedger, OptimisticReason, OptimisticToken
from runtime.base.clock import Clock, LoopClock
from runtime.base.draft import DraftDict, unwrap
from runtime.base.records import TxnRecord
from runtime.base.task_set import TaskSet
from runtime.debug.sink import error_summary, summarize_cause
from runtime.errors import OperationCancelled, OperationOutcomeError, OptimisticError, TickscopeError
from runtime.operations.binding import StateBinding
from runtime.operations.records import Budget, OperationReceipt
from runtime.operations.stages import Stage
from runtime.resources import ResourceCache, ResourceDef

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance
    from runtime.operations.tracker import OperationTracker

__all__ = ["ActionCoordinator"]

_ROLLBACK_REASON: dict[str, OptimisticReason] = {
    "failure": "failure", "override": "override", "user": "cancel", "timeout": "cancel", "navigation": "cancel",
    "unknown": "unknown",
}
"""A settled run's status (failure) or cancel reason, as the reason its optimistic tokens roll back."""


class _RunPort:
    """One run as its ActionContext reaches it (the RunPort of that context)."""

    __slots__ = ("_coordinator", "_handle")

    def __init__(self, coordinator: ActionCoordinator, handle: RunHandle) -> None:
        self._coordinator = coordinator
        self._handle = handle

    @property
    def link_id(self) -> str:
        return self._handle.link_id

    @property
    def action_id(self) -> str:
        return self._handle.defn.action_id

    @property
    def settled(self) -> bool:
        return self._handle.run.settled

    @property
    def instance(self) -> ModuleInstance:
        return self._coordinator.inst

    def may_write(self, what: str) -> bool:
        return self._coordinator.write_allowed(self._handle, what)

    def optimistic(self, body: Callable[[DraftDict], Any], name: str | None) -> OptimisticToken:
        return self._coordinator.apply_optimistic(self._handle, body, name)

    async def read(self, defn: ResourceDef, args: Any) -> Any:
        resources = self._coordinator.resources
        if resources is None:
            raise ActionError(f"{self.action_id}: no resource cache was given to this coordinator")
        return await resources.read(defn, args, link_id=self.link_id)

    async def submit(self, kind: str, target: str | None, payload: Any, *, wait_for: Stage, budget: Budget | None,
                     correlation_id: str | None) -> OperationReceipt:
        return await self._coordinator.submit_for(self._handle, kind, target, payload, wait_for=wait_for,
                                                  budget=budget, correlation_id=correlation_id)


class ActionCoordinator:
    """Runs the async actions of one instance."""

    def __init__(self, inst: ModuleInstance, *, operations: OperationTracker | None = None,
                 runs_key: str | None = "runs", operations_key: str | None = "operations",
                 clock: Clock | None = None, max_runs_kept: int = 512,
                 resources: ResourceCache | None = None) -> None:
        self.inst = inst
        self.resources = resources
        """The resource cache `ctx.read` reads through (e.g. `rt.resources`)."""
        self.sink = inst.host.sink
        self.tracker = operations
        self.runs_key = runs_key
        self.clock: Clock = clock or LoopClock()
        self.max_runs_kept = max_runs_kept
        self.binding = StateBinding(inst, mirror_key=operations_key)
        self.pending_registry = inst.host.pending
        """Where runs report pending (busy state reads it; see runtime.busy)."""
        self._e2e = self.sink.e2e
        self.optimistic = OptimisticLedger(inst)
        """The optimistic tokens of the instance's runs (runtime.actions.optimistic)."""
        self.disposed = False
        self._runs: dict[str, RunHandle] = {}
        self._active: dict[str, list[RunHandle]] = {}
        self._waiting: dict[str, deque[RunHandle]] = {}
        self._tasks: TaskSet[Any] = TaskSet()
        self._pending_count: dict[str, int] = {}
        self._off_commit = inst.subscribe(self._on_commit)
        self._off_dispose = inst.on_dispose(self.dispose)

    # -- reading ----------------------------------------------------------------------------------------------------

    def runs(self, action_id: str | None = None) -> list[ActionRun]:
        """Every run kept (oldest first), optionally of one action."""
        return [h.run for h in self._runs.values() if action_id is None or h.run.action_id == action_id]

    def pending(self) -> list[ActionRun]:
        return [h.run for h in self._runs.values() if not h.run.settled]

    def handle(self, link_id: str) -> RunHandle:
        try:
            return self._runs[link_id]
        except KeyError:
            raise KeyError(f"no run {link_id!r} on {self.inst.instance_id}") from None

    def running_tasks(self) -> list[asyncio.Task[Any]]:
        return self._tasks.running()

    # -- triggering -------------------------------------------------------------------------------------------------

    def trigger(self, defn: ActionDef, payload: Any = None) -> RunHandle:
        """Start a run of `defn`; its pending state is committed (or queued behind an open window) before return."""
        if not isinstance(defn, ActionDef):
            raise ActionError(f"trigger takes an ActionDef (see runtime.actions.action), not {type(defn).__name__}")
        if self.disposed or self.inst.disposed:
            raise ActionError(f"{defn.action_id} triggered on {self.inst.instance_id} after its disposal")
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise ActionError(f"{defn.action_id}: async actions need a running asyncio loop") from None
        link_id = f"{self.inst.instance_id}::o{self.inst.next_op_seq()}"
        aid = defn.action_id
        if defn.concurrency == "exhaust" and self._pending_count.get(aid, 0):
            return self._ignore(defn, link_id, payload)
        handle = RunHandle(defn, ActionRun(defn.action_id, link_id, "pending", self.sink.clock.mono_ms()),
                           payload)
        if self.sink.full:
            handle.call_site = self.sink.call_sites.capture(2)
        self._runs[link_id] = handle
        self._pending_count[defn.action_id] = self._pending_count.get(defn.action_id, 0) + 1
        if self._e2e.active:
            self._e2e.run_triggered(link_id, defn.action_id, self.inst.module_id, self.inst.instance_id)
        self.pending_registry.begin("run", link_id, owner=defn.action_id, instance_id=self.inst.instance_id,
                                    link_id=link_id)
        self._emit(handle, "trigger")
        if defn.concurrency == "latest-wins":
            for older in [*self._active.get(aid, ()), *self._waiting.get(aid, ())]:
                self._settle(older, "cancelled", reason="override")
        record = self._write(handle, "pending", lambda draft: defn.on_pending and defn.on_pending(draft, payload))
        self._emit(handle, "pending", record)
        if defn.timeout_s is not None:
            handle.timer = self.clock.call_at(self.clock.now() + defn.timeout_s,
                                              lambda: self._settle(handle, "cancelled", reason="timeout"))
        self._waiting.setdefault(aid, deque()).append(handle)
        self._pump(defn)
        self._trim()
        return handle

    def _ignore(self, defn: ActionDef, link_id: str, payload: Any) -> RunHandle:
        """An exhaust trigger while a run is pending: settled as `ignored` before it returns, nothing written."""
        now = self.sink.clock.mono_ms()
        busy = next((h.link_id for h in (*self._active.get(defn.action_id, ()), *self._waiting.get(defn.action_id, ()))
                     if not h.run.settled), None)
        handle = RunHandle(defn, ActionRun(defn.action_id, link_id, "ignored", now, settled_at_mono_ms=now,
                                           extra={"ignoredFor": busy}), payload)
        handle.collecting = False
        self._runs[link_id] = handle
        self.sink.diagnostic(
            module_id=self.inst.module_id, instance_id=self.inst.instance_id, code="action::trigger_ignored",
            severity="info", link_id=link_id,
            message=f"{defn.action_id} (exhaust) ignored a trigger while {busy} is pending",
            extra={"actionId": defn.action_id, "concurrencyPolicy": "exhaust", "busyLinkId": busy},
        )
        self._trim()
        return handle

    def cancel(self, run: RunHandle | str, reason: CancelReason = "user") -> bool:
        """Settle a pending run as cancelled; False when it had settled already."""
        if reason not in CANCEL_REASONS:
            raise ActionError(f"cancel reason {reason!r} is not one of {', '.join(CANCEL_REASONS)}")
        handle = run if isinstance(run, RunHandle) else self.handle(run)
        return self._settle(handle, "cancelled", reason=reason)

    def cancel_action(self, action_id: str, reason: CancelReason = "user") -> int:
        """Cancel every pending run of one action; returns how many were cancelled."""
        return sum(self.cancel(h, reason) for h in list(self._runs.values())
                   if h.run.action_id == action_id and not h.run.settled)

    # -- running ----------------------------------------------------------------------------------------------------

    def _pump(self, defn: ActionDef) -> None:
        aid = defn.action_id
        waiting = self._waiting.get(aid)
        active = self._active.setdefault(aid, [])
        limit = {"queue": 1, "exhaust": 1, "allow-concurrent": defn.max_concurrent}.get(defn.concurrency)
        while waiting and (limit is None or len(active) < limit):
            handle = waiting.popleft()
            handle.run = replace(handle.run, started=True)
            active.append(handle)
            handle.task = self._spawn(self._execute(handle), f"action:{handle.link_id}")

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        return self._tasks.start(coro, name)

    async def _execute(self, handle: RunHandle) -> None:
        ctx = ActionContext(_RunPort(self, handle))
        e2e = self._e2e
        if e2e.following:
            e2e.run_started(handle.link_id)
        try:
            try:
                result = await handle.defn.handler(ctx, handle.payload)
            finally:
                if e2e.following:
                    e2e.handler_done(handle.link_id)
        except asyncio.CancelledError:
            self._settle(handle, "cancelled", reason="unknown")  # a no-op when we cancelled it ourselves
            return
        except OperationCancelled as exc:
            self._settle(handle, "cancelled", reason="user", error=error_summary(exc, "operation::cancelled"))
            return
        except OperationOutcomeError as exc:
            self._settle(handle, "failure", error=error_summary(exc, f"operation::{exc.stage}"))
            return
        except Exception as exc:
            summary, handle.error_downgrade = summarize_cause(exc, "action::handler_threw")
            self._settle(handle, "failure", error=summary)
            return
        if not self._settle(handle, "success", result=result):
            self._late(handle, "result")

    def _settle(self, handle: RunHandle, status: RunStatus, *, reason: CancelReason | None = None,
                error: dict[str, Any] | None = None, result: Any = None) -> bool:
        """Settle once: later calls (a late result, a second cancel) change nothing and return False."""
        if handle.run.settled:
            return False
        defn = handle.defn
        aid = defn.action_id
        settle_start = self._e2e.mono_ms() if self._e2e.following else 0.0
        self.pending_registry.end("run", handle.link_id)
        handle.run = replace(handle.run, status=status, settled_at_mono_ms=self.sink.clock.mono_ms(),
                             cancel_reason=reason if status == "cancelled" else None,
                             error_summary=error if status != "success" else None)
        handle.result = result
        self._pending_count[aid] -= 1
        if handle in self._active.get(aid, ()):
            self._active[aid].remove(handle)
        waiting = self._waiting.get(aid)
        if waiting and handle in waiting:
            waiting.remove(handle)
        if handle.timer is not None:
            handle.timer.cancel()
            handle.timer = None
        if handle.task is not None and handle.task is not asyncio.current_task():
            handle.task.cancel()
        if self.tracker is not None:
            for cid in handle.run.command_ids:
                with contextlib.suppress(KeyError):  # an operation trimmed from the tracker long ago
                    self.tracker.detach(cid)  # nobody waits for it now; it is still tracked to a terminal stage
                    if status == "cancelled" and reason == "override" and defn.cancel_on_supersede:
                        self._spawn(self.tracker.cancel(cid), f"cancel:{cid}")
        self._settle_optimistic(handle, status, reason)

        def body(draft: DraftDict) -> None:
            if status == "success" and defn.on_success:
                defn.on_success(draft, result)
            elif status == "failure" and defn.on_failure:
                defn.on_failure(draft, error or {})
            elif status == "cancelled" and defn.on_cancel:
                defn.on_cancel(draft, reason or "unknown")

        record = self._write(handle, status, body) if not self.inst.disposed else None
        if self._e2e.following:
            self._e2e.run_settled(handle.link_id, status, settle_start)
        handle.collecting = False
        self._emit(handle, "settle", record, error=handle.run.error_summary)
        handle.wake_waiters()
        if not self.disposed:
            self._pump(defn)
        return True

    def _settle_optimistic(self, handle: RunHandle, status: RunStatus, reason: CancelReason | None) -> None:
        """The run's outcome settles its optimistic tokens before its own result is written."""
        if not self.optimistic.applied(handle.link_id):
            return
        if status == "success":
            self.optimistic.confirm_run(handle.link_id)
        elif not self.inst.disposed:
            self.optimistic.rollback_run(handle.link_id, _ROLLBACK_REASON[status if status == "failure" else
                                                                           reason or "unknown"])

    def apply_optimistic(self, handle: RunHandle, body: Callable[[DraftDict], Any],
                         name: str | None) -> OptimisticToken:
        """Apply an optimistic change under the pending run `handle` (what its context's `optimistic` does)."""
        if handle.run.settled:
            raise OptimisticError(f"{handle.link_id} has settled; its optimistic change was not applied")
        return self.optimistic.apply(handle.link_id, body, name=name,
                                     priority="low" if handle.defn.lane == "nonUrgent" else "normal")

    def _late(self, handle: RunHandle, what: str) -> None:
        self.sink.diagnostic(
            module_id=self.inst.module_id, instance_id=self.inst.instance_id, code="action::late_result_dropped",
            severity="info", link_id=handle.link_id,
            message=f"{handle.defn.action_id} {handle.link_id} produced a {what} after it settled "
                    f"({handle.run.status}/{handle.run.cancel_reason}); dropped",
        )

    def write_allowed(self, handle: RunHandle, what: str) -> bool:
        """Whether the run may still write; a settled run's write `what` is dropped with a diagnostic."""
        if handle.run.settled:
            self._late(handle, what)
            return False
        return True

    async def submit_for(self, handle: RunHandle, kind: str, target: str | None, payload: Any, *, wait_for: Stage,
                         budget: Budget | None, correlation_id: str | None) -> OperationReceipt:
        """Send a backend write under the run `handle` (what its context's `submit` does)."""
        if self.tracker is None:
            raise ActionError(f"{handle.defn.action_id}: no operation tracker was given to this coordinator")
        if handle.run.settled:
            raise ActionError(f"{handle.link_id} has settled; {kind} was not submitted")

        def note(command_id: str) -> None:
            handle.run = replace(handle.run, command_ids=handle.run.command_ids + (command_id,))

        e2e = self._e2e
        io_start = e2e.mono_ms() if e2e.follows(handle.link_id) else None
        try:
            receipt = await self.tracker.submit(kind, target, payload, wait_for=wait_for, budget=budget,
                                                correlation_id=correlation_id, link_id=handle.link_id,
                                                instance=self.inst, listener=self.binding, on_begin=note)
        finally:
            if io_start is not None:
                e2e.io_waited(handle.link_id, io_start, "operation")
        if not handle.run.settled:
            self.optimistic.confirm_run(handle.link_id)  # the operation reached the stage the run waits for
        return receipt

    # -- state and events -------------------------------------------------------------------------------------------

    def _write(self, handle: RunHandle, phase: str, extra: Callable[[DraftDict], object]) -> TxnRecord | None:
        key = self.runs_key
        mirror = key if key is not None and isinstance(self.inst.get_state().get(key), dict) else None
        aid = handle.defn.action_id

        def body(draft: DraftDict) -> None:
            if mirror is not None:
                runs = dict(unwrap(draft.get(mirror)) or {})
                summary = handle.run.to_json()
                summary["pendingCount"] = self._pending_count.get(aid, 0)
                runs[aid] = summary
                draft[mirror] = runs
            extra(draft)

        try:
            # The lane is the priority of the run's own bookkeeping writes (pending, result) for the tick layer.
            return self.inst.transact(body, origin_kind="async-action", origin_name=f"{aid}:{phase}",
                                      details={"linkId": handle.link_id, "lane": handle.defn.lane},
                                      priority="low" if handle.defn.lane == "nonUrgent" else "normal",
                                      reason="async-action", link_id=handle.link_id, call_site=handle.call_site)
        except TickscopeError:
            return None  # reported as a diagnostic by the instance; the run's status stands

    def _on_commit(self, record: TxnRecord, state: Any) -> None:
        if record.link_id is None:
            return
        handle = self._runs.get(record.link_id)
        if handle is None or not handle.collecting:
            return
        run = handle.run
        if len(run.txn_seqs) < MAX_RUN_TXN_SEQS:
            handle.run = replace(run, txn_seqs=run.txn_seqs + (record.txn_seq,))
        else:
            handle.run = replace(run, dropped_txn_seq_count=run.dropped_txn_seq_count + 1)

    def _emit(self, handle: RunHandle, phase: RunPhase, record: TxnRecord | None = None,
              error: dict[str, Any] | None = None) -> None:
        sink = self.sink
        if not sink.on:
            return
        sink.emit(module_id=self.inst.module_id, instance_id=self.inst.instance_id, kind="action",
                  label="async-action", meta=run_event_meta(phase, handle.defn, handle.run),
                  txn_seq=record.txn_seq if record else 0, txn_id=record.txn_id if record else None,
                  link_id=handle.link_id, error=error, budget=None,
                  downgrade=handle.error_downgrade if phase == "settle" else None)

    def _trim(self) -> None:
        if len(self._runs) <= self.max_runs_kept:
            return
        for link_id in [k for k, h in self._runs.items() if h.run.settled][: len(self._runs) // 4]:
            del self._runs[link_id]

    # -- disposal ---------------------------------------------------------------------------------------------------

    def dispose(self) -> None:
        """Settle every pending run as cancelled (reason `navigation`: its scope went away) and stop every task."""
        if self.disposed:
            return
        self.disposed = True
        for handle in list(self._runs.values()):
            self._settle(handle, "cancelled", reason="navigation")
        self._tasks.cancel_all()
        self._off_commit()
        self._off_dispose()

    async def aclose(self) -> None:
        """dispose(), then wait until every task of the coordinator has finished."""
        self.dispose()
        await self._tasks.wait_all()
