"""What the tracker keeps per operation (`TrackedOperation`), what observers see of it (`Watch`), and the per-kind
policy. Internal to the tracker except for Watch (the observers' protocol) and KindPolicy (configuration)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from runtime.base.clock import TimerHandle
from runtime.base.waits import wait_set
from runtime.operations.machine import OperationState
from runtime.operations.records import Budget, OperationEvent, OperationReceipt
from runtime.operations.stages import Stage

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance

__all__ = ["KindPolicy", "ObserverName", "OperationListener", "TrackedOperation", "Watch"]

OperationListener = Callable[[OperationEvent, OperationState], None]
ObserverName = Literal["sse", "status", "read-model"]
"""The observation surfaces (see observers.py): the event stream, the status poll, the read model."""


@dataclass(frozen=True, slots=True)
class KindPolicy:
    """Per-kind settings: budgets, the observation surfaces (in order), and whether observed implies ready."""

    budget: Budget | None = None
    observers: tuple[ObserverName, ...] | None = None
    ready_on_observed: bool = True


class Watch:
    """What an observer sees of one operation."""

    def __init__(self, op: TrackedOperation) -> None:
        self._op = op

    @property
    def command_id(self) -> str:
        return self._op.state.command_id

    @property
    def receipt(self) -> OperationReceipt:
        assert self._op.receipt is not None
        return self._op.receipt

    @property
    def done(self) -> bool:
        """True once the operation no longer needs observing (terminal, and past any late-fact grace)."""
        return not self._op.observing

    @property
    def version(self) -> int | None:
        return self._op.state.version

    async def wait_changed(self, timeout_s: float) -> None:
        """Return at the operation's next change, or after `timeout_s`."""
        await wait_set(self._op.changed, timeout_s)


class TrackedOperation:
    __slots__ = ("state", "receipt", "timer", "tasks", "waiters", "changed", "instance", "listener", "payload",
                 "send_attempts", "observing", "draining")

    def __init__(self, state: OperationState, instance: ModuleInstance | None, listener: OperationListener | None,
                 payload: Any) -> None:
        self.state = state
        self.receipt: OperationReceipt | None = None
        self.timer: TimerHandle | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.waiters: list[tuple[Stage, asyncio.Future[OperationState]]] = []
        self.changed = asyncio.Event()
        self.instance = instance
        self.listener = listener
        self.payload = payload
        self.draining: set[asyncio.Task[None]] = set()
        """Observer tasks that read on what was already sent when observing stops (cancelled after a grace)."""
        self.send_attempts = 0
        self.observing = True
