"""The operation tracker: sends writes, supervises their observers, owns their deadlines, and reports every step.

    tracker = OperationTracker(runtime, HttpTransport(url))
    receipt = await tracker.submit("todo.create", "t1", {"title": "x"}, wait_for=Stage.ACCEPTED)
    tracker.get(receipt.command_id).stage      # later stages arrive as continuation events, never via the receipt

- `submit` mints the command id once, resends it on every retry, and returns when the operation reached `wait_for`
  (or raises OperationRejected / OperationFailed / OperationTimedOut / OperationCancelled). Afterwards the operation
  is `detached` and is still tracked to a terminal stage.
- All facts go through `apply` and the pure `step`, one at a time on the loop thread. One timer per operation is
  armed at its nearest unmet stage deadline on the injected clock; nothing the server says moves it.
- `dispose()` ends every open operation as timed_out (reason `disposed`) and cancels every task; `aclose()` also
  waits for them, so nothing is left running.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from runtime.base.clock import Clock, LoopClock
from runtime.base.task_set import TaskSet
from runtime.errors import (
    NoTransport,
    OperationCancelled,
    OperationFailed,
    OperationOutcomeError,
    OperationRejected,
    OperationTimedOut,
    TrackerDisposed,
    TransportError,
)
from runtime.operations.events import LABELS, ExportPhase, operation_meta
from runtime.operations.machine import DEADLINE_SPENT, OperationState, deadline_for, reached, step
from runtime.operations.observers import DRAIN_S, EventStreamObserver, Observer, ReadModelObserver, StatusPoller
from runtime.operations.records import Budget, FactEntry, OperationError, OperationEvent, OperationReceipt, StageFact
from runtime.operations.stages import Stage, rank
from runtime.operations.tracked import KindPolicy, ObserverName, OperationListener, TrackedOperation, Watch
from runtime.operations.transport import Transport

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance
    from runtime.runtime import Runtime

__all__ = ["CancelOutcome", "OperationTracker"]

CancelOutcome = Literal["cancelled", "too_late", "not_accepted", "finished"]
"""What asking the backend to cancel came to: confirmed, refused (too late), never accepted, or already over."""

_OBSERVER_FACTORIES: dict[ObserverName, Callable[[Transport], Observer]] = {
    "sse": EventStreamObserver,
    "status": StatusPoller,
    "read-model": ReadModelObserver,
}


class OperationTracker:
    """Tracks the backend operations of one runtime."""

    def __init__(
        self,
        runtime: Runtime,
        transport: Transport | None = None,
        *,
        clock: Clock | None = None,
        budget: Budget | None = None,
        observers: Sequence[ObserverName] = ("sse", "read-model"),
        kinds: dict[str, KindPolicy] | None = None,
        label: str = "operations",
        max_finished: int = 2048,
        late_grace_s: float = 5.0,
    ) -> None:
        if not label or "::" in label:
            raise ValueError(f"tracker label {label!r} must be non-empty and without '::' (it is an instance id)")
        unknown = [o for o in observers if o not in _OBSERVER_FACTORIES]
        if unknown:
            raise ValueError(f"unknown observer(s) {unknown}; known: {sorted(_OBSERVER_FACTORIES)}")
        self.runtime = runtime
        self.transport = transport
        self.clock: Clock = clock or LoopClock()
        self.budget = budget or Budget()
        self.observers = tuple(observers)
        self.kinds = dict(kinds or {})
        self.label = label
        self.max_finished = max_finished
        self.late_grace_s = late_grace_s
        self.disposed = False
        self.fact_count = 0
        self._ops: dict[str, TrackedOperation] = {}
        self._listeners: list[OperationListener] = []
        self._tasks: TaskSet[None] = TaskSet()
        runtime.on_dispose(self.dispose)

    # -- reading ----------------------------------------------------------------------------------------------------

    def get(self, command_id: str) -> OperationState:
        try:
            return self._ops[command_id].state
        except KeyError:
            raise KeyError(f"no operation {command_id!r} in tracker {self.label!r}") from None

    def receipt(self, command_id: str) -> OperationReceipt | None:
        return self._ops[command_id].receipt

    def operations(self) -> list[OperationState]:
        return [op.state for op in self._ops.values()]

    def pending(self) -> list[OperationState]:
        """Operations that have not reached a terminal stage."""
        return [op.state for op in self._ops.values() if not op.state.terminal]

    def running_tasks(self) -> list[asyncio.Task[None]]:
        return self._tasks.running()

    def subscribe(self, listener: OperationListener) -> Callable[[], None]:
        """Call `listener(event, state)` for every continuation event of every operation."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- starting operations ----------------------------------------------------------------------------------------

    def begin(self, kind: str, target: str | None, *, wait_for: Stage = Stage.ACCEPTED, budget: Budget | None = None,
              correlation_id: str | None = None, link_id: str | None = None, command_id: str | None = None,
              instance: ModuleInstance | None = None, listener: OperationListener | None = None,
              payload: Any = None) -> str:
        """Register an operation at `submitted` and arm its accept deadline; returns its command id.

        `submit` does this and then sends; calling it alone lets facts be applied by hand (tests, replays).
        """
        if self.disposed:
            raise TrackerDisposed(f"tracker {self.label!r} is disposed; {kind} was not submitted")
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"an operation kind must be a non-empty string, not {kind!r}")
        if wait_for not in (Stage.ACCEPTED, Stage.COMMITTED, Stage.OBSERVED, Stage.READY):
            raise ValueError(f"wait_for must be accepted, committed, observed or ready, not {wait_for!r}")
        policy = self.kinds.get(kind, KindPolicy())
        cid = command_id or str(uuid.uuid4())  # the one place a random id is right: it names the write everywhere
        if cid in self._ops:
            raise ValueError(f"command id {cid!r} is already tracked")
        now = self.clock.now()
        state = OperationState(
            command_id=cid, correlation_id=correlation_id or cid, kind=kind, target=target, link_id=link_id,
            wait_for=Stage(wait_for), budget=budget or policy.budget or self.budget, submitted_at=now,
            deadline_at=0.0, ready_on_observed=policy.ready_on_observed,
        )
        state = replace(state, deadline_at=deadline_for(state))
        op = TrackedOperation(state, instance, listener, payload)
        self._ops[cid] = op
        self._arm(op)
        self._export(op, "submitted", now=now)
        self._trim()
        return cid

    async def submit(self, kind: str, target: str | None, payload: Any = None, *,
                     wait_for: Stage = Stage.ACCEPTED, budget: Budget | None = None,
                     correlation_id: str | None = None, link_id: str | None = None,
                     instance: ModuleInstance | None = None,
                     listener: OperationListener | None = None,
                     on_begin: Callable[[str], None] | None = None) -> OperationReceipt:
        """Send a write; return its receipt once it reached `wait_for` (accepted by default).

        `on_begin(command_id)` is called as soon as the id is minted, before anything is sent.
        """
        if self.transport is None:
            raise NoTransport(f"tracker {self.label!r} has no transport to send {kind} with")
        cid = self.begin(kind, target, wait_for=wait_for, budget=budget, correlation_id=correlation_id,
                         link_id=link_id, instance=instance, listener=listener, payload=payload)
        op = self._ops[cid]
        if on_begin is not None:
            on_begin(cid)
        self._spawn(op, self._send(op), f"send:{cid}")
        try:
            await self.wait(cid, wait_for)
        finally:
            self._detach(op)
        assert op.receipt is not None
        return op.receipt

    async def wait(self, command_id: str, stage: Stage) -> OperationState:
        """Wait until the operation reaches `stage` (by rank); raises the typed outcome error if it ends first."""
        op = self._ops[command_id]
        done = reached(op.state, stage)
        if done is not None:
            return self._outcome(op.state, stage)
        fut: asyncio.Future[OperationState] = asyncio.get_running_loop().create_future()
        op.waiters.append((stage, fut))
        try:
            await fut
        finally:
            if (stage, fut) in op.waiters:
                op.waiters.remove((stage, fut))
        return self._outcome(op.state, stage)

    def _outcome(self, state: OperationState, stage: Stage) -> OperationState:
        if reached(state, stage):
            return state
        last = max((s for s, _ in state.stage_at if rank(s) < 5), key=rank, default=Stage.SUBMITTED)
        cls: type[OperationOutcomeError] = {
            Stage.REJECTED: OperationRejected, Stage.FAILED: OperationFailed, Stage.TIMED_OUT: OperationTimedOut,
            Stage.CANCELLED: OperationCancelled,
        }[state.stage]
        why = f" ({state.error.code}: {state.error.message})" if state.error else ""
        raise cls(f"operation {state.kind} {state.command_id} ended {state.stage} at {last} before {stage}{why}",
                  command_id=state.command_id, stage=state.stage, stage_reached=last, error=state.error)

    # -- facts ------------------------------------------------------------------------------------------------------

    def apply(self, fact: StageFact) -> OperationState | None:
        """Apply one fact to its operation (None when the operation is not tracked)."""
        op = self._ops.get(fact.command_id)
        if op is None:
            return None
        self.fact_count += 1
        now = self.clock.now()
        old = op.state
        new, events = step(old, fact, now)
        op.state = new
        if new.terminal and not old.terminal:
            self._end(op)
        elif new.late_resolution is not None and old.late_resolution is None:
            self._stop_observing(op)
        elif new.deadline_at != old.deadline_at:
            self._arm(op)
        recorded_only = not events and len(new.facts) + new.dropped_facts > len(old.facts) + old.dropped_facts
        if recorded_only and self.runtime.sink.on:
            self._export(op, "fact", entry=new.facts[-1], now=now)
        for event in events:
            self._export(op, event.type, event=event, now=now)
            self._deliver(op, event)
        self._settle_waiters(op)
        op.changed.set()
        op.changed = asyncio.Event()
        return new

    def _deliver(self, op: TrackedOperation, event: OperationEvent) -> None:
        for listener in ([op.listener] if op.listener else []) + list(self._listeners):
            try:
                listener(event, op.state)
            except Exception as exc:  # a failing listener must not break the tracker's bookkeeping
                self._diagnostic(op, "operation::listener_threw", f"{listener!r} raised {type(exc).__name__}: {exc}")

    def _settle_waiters(self, op: TrackedOperation) -> None:
        for stage, fut in list(op.waiters):
            if not fut.done() and reached(op.state, stage) is not None:
                fut.set_result(op.state)

    # -- timers, tasks, ends ----------------------------------------------------------------------------------------

    def _arm(self, op: TrackedOperation) -> None:
        if op.timer is not None:
            op.timer.cancel()
        cid = op.state.command_id
        expired = StageFact(cid, Stage.TIMED_OUT, "timer", error=DEADLINE_SPENT)
        op.timer = self.clock.call_at(op.state.deadline_at, lambda: self.apply(expired))

    def _end(self, op: TrackedOperation) -> None:
        if op.timer is not None:
            op.timer.cancel()
            op.timer = None
        if op.state.stage is Stage.TIMED_OUT and not self.disposed and op.tasks and self.late_grace_s > 0:
            # Our verdict is final, but the backend may still resolve it: keep listening a while to record that.
            op.timer = self.clock.call_at(self.clock.now() + self.late_grace_s, lambda: self._stop_observing(op))
            return
        self._stop_observing(op)

    def _stop_observing(self, op: TrackedOperation) -> None:
        op.observing = False
        if op.timer is not None:
            op.timer.cancel()
            op.timer = None
        current = asyncio.current_task() if _loop_running() else None
        for task in op.tasks:
            if task is current:
                continue
            if task in op.draining and not self.disposed:
                # A stream may be in the middle of facts the backend already sent: let it read them, briefly.
                asyncio.get_running_loop().call_later(DRAIN_S, task.cancel)
            else:
                task.cancel()

    def _spawn(self, op: TrackedOperation, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = self._tasks.start(coro, name)
        op.tasks.append(task)

        def forget(done: asyncio.Task[None]) -> None:
            if done in op.tasks:
                op.tasks.remove(done)

        task.add_done_callback(forget)
        return task

    def _detach(self, op: TrackedOperation) -> None:
        if not op.state.detached:
            op.state = replace(op.state, detached=True)
            if self.runtime.sink.on:
                self._export(op, "detached", now=self.clock.now())

    def detach(self, command_id: str) -> None:
        """Mark an operation as no longer awaited by its submitter (it stays tracked)."""
        self._detach(self._ops[command_id])

    def _trim(self) -> None:
        if len(self._ops) <= self.max_finished:
            return
        for cid in [c for c, o in self._ops.items() if o.state.terminal and not o.tasks][: len(self._ops) // 4]:
            del self._ops[cid]

    # -- sending and observing --------------------------------------------------------------------------------------

    async def _send(self, op: TrackedOperation) -> None:
        assert self.transport is not None
        s = op.state
        while not op.state.terminal:
            op.send_attempts += 1
            try:
                answer = await self.transport.send_command(s.kind, s.target, op.payload, command_id=s.command_id,
                                                           correlation_id=s.correlation_id)
            except TransportError as exc:  # no answer: resend the same command id until the accept deadline
                self._export(op, "retry", now=self.clock.now(), note=str(exc))
                await asyncio.sleep(min(1.0, 0.02 * 2 ** min(op.send_attempts, 6)))
                continue
            body = answer.body if isinstance(answer.body, dict) else {}
            if answer.status == 202:
                op.receipt = self._receipt(op, body, answer.location, answer.retry_after_s)
                self.apply(StageFact(s.command_id, Stage.ACCEPTED, "http-202"))
                if op.observing:  # also after a timed-out accept: a late resolution is worth recording
                    self._observe(op)
                return
            if 400 <= answer.status < 500 and answer.status not in (408, 425, 429):
                code = str(body.get("code") or f"http_{answer.status}")
                self.apply(StageFact(s.command_id, Stage.REJECTED, "http-4xx",
                                     error=OperationError(code, str(body.get("message", "")))))
                return
            self._export(op, "retry", now=self.clock.now(), note=f"HTTP {answer.status}")
            await asyncio.sleep(min(1.0, max(answer.retry_after_s or 0.0, 0.02 * 2 ** min(op.send_attempts, 6))))

    def _receipt(self, op: TrackedOperation, body: dict[str, Any], location: str | None,
                 retry_after: float | None) -> OperationReceipt:
        links = body.get("links")
        links = links if isinstance(links, dict) else {}
        s = op.state
        return OperationReceipt(
            command_id=s.command_id, correlation_id=str(body.get("correlationId") or s.correlation_id), kind=s.kind,
            target=s.target, accepted_at=self.clock.now(), operation_id=body.get("operationId"),
            status_url=links.get("status") or location, observe_url=links.get("observe"),
            read_model_url=links.get("readModel"), readiness_url=links.get("readiness"),
            cancel_url=links.get("cancel"), retry_after_s=retry_after,
        )

    def _observe(self, op: TrackedOperation) -> None:
        assert self.transport is not None
        names = self.kinds.get(op.state.kind, KindPolicy()).observers or self.observers
        watch = Watch(op)
        for name in names:
            observer = _OBSERVER_FACTORIES[name](self.transport)
            task = self._spawn(op, self._run_observer(observer, watch, op), f"observe:{name}:{op.state.command_id}")
            if getattr(observer, "drains", False):
                op.draining.add(task)
                task.add_done_callback(op.draining.discard)

    async def _run_observer(self, observer: Observer, watch: Watch, op: TrackedOperation) -> None:
        try:
            await observer.observe(watch, self.apply)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an observer bug must not end the operation: the deadline still will
            self._diagnostic(op, "operation::observer_threw", f"{observer.name} raised {type(exc).__name__}: {exc}")

    async def cancel(self, command_id: str) -> CancelOutcome:
        """Ask the backend to cancel: `cancelled` (confirmed), `too_late`, `not_accepted` or `finished`."""
        op = self._ops[command_id]
        if op.state.terminal:
            return "finished"
        if op.receipt is None or not op.receipt.cancel_url or self.transport is None:
            return "not_accepted"
        return await self._request_cancel(op, self.transport, op.receipt.cancel_url)

    async def _request_cancel(self, op: TrackedOperation, transport: Transport, url: str) -> CancelOutcome:
        """POST the cancel until the backend answers it or the operation ends meanwhile."""
        command_id = op.state.command_id
        while not op.state.terminal:
            try:
                answer = await transport.post(url)
            except TransportError:
                await asyncio.sleep(0.05)
                continue
            if answer.status == 202:
                self.apply(StageFact(command_id, Stage.CANCELLED, "http-cancel"))
                return "cancelled"
            if answer.status == 409:
                body = answer.body if isinstance(answer.body, dict) else {}
                self._export(op, "fact", now=self.clock.now(), note=f"cancel refused: {body.get('code', 'too_late')}")
                return "too_late"
            await asyncio.sleep(0.05)
        return "finished"

    # -- disposal ---------------------------------------------------------------------------------------------------

    def dispose(self) -> None:
        """End every open operation as timed_out (reason disposed) and cancel every task."""
        if self.disposed:
            return
        self.disposed = True
        for op in list(self._ops.values()):
            if not op.state.terminal:
                self.apply(StageFact(op.state.command_id, Stage.TIMED_OUT, "disposal",
                                     error=OperationError("disposed", "the tracker was disposed")))
            for _stage, fut in op.waiters:
                if not fut.done():
                    fut.set_result(op.state)
            self._stop_observing(op)
        self._tasks.cancel_all()

    async def aclose(self, *, close_transport: bool = True) -> None:
        """dispose(), then wait until every task of the tracker has finished."""
        self.dispose()
        await self._tasks.wait_all()
        if close_transport and self.transport is not None:
            await self.transport.aclose()

    # -- reporting --------------------------------------------------------------------------------------------------

    def _ids(self, op: TrackedOperation) -> tuple[str, str]:
        if op.instance is not None:
            return op.instance.module_id, op.instance.instance_id
        return "operations", self.label

    def _export(self, op: TrackedOperation, phase: ExportPhase, *, event: OperationEvent | None = None,
                entry: FactEntry | None = None, now: float | None = None, note: str | None = None) -> None:
        sink = self.runtime.sink
        if not sink.on:
            return
        module_id, instance_id = self._ids(op)
        sink.emit(module_id=module_id, instance_id=instance_id, kind="operation", label=LABELS[phase],
                  meta=operation_meta(phase, op.state, event=event, entry=entry, now=now, note=note),
                  link_id=op.state.link_id)

    def _diagnostic(self, op: TrackedOperation, code: str, message: str) -> None:
        module_id, instance_id = self._ids(op)
        self.runtime.sink.diagnostic(module_id=module_id, instance_id=instance_id, code=code, severity="error",
                                     message=message, link_id=op.state.link_id)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False
