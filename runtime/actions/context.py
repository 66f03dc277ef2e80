"""What an action handler gets: read state, write under the run's linkId, submit backend operations.

    async def save(ctx, todo):
        ctx.dispatch("markSaving", todo["id"])
        receipt = await ctx.submit("todo.create", todo["id"], todo)     # returns once the backend accepted it
        return receipt.command_id

Writes of a run that has settled (superseded, cancelled, timed out) are dropped with a diagnostic: that is the
linkId guard that keeps a late result from touching state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from runtime.base.records import TxnRecord
from runtime.kernel.transaction import Body
from runtime.operations.records import Budget, OperationReceipt
from runtime.operations.stages import Stage

if TYPE_CHECKING:
    from runtime.actions.optimistic import OptimisticToken
    from runtime.kernel.instance import ModuleInstance
    from runtime.resources import ResourceDef

__all__ = ["ActionContext", "RunPort"]


class RunPort(Protocol):
    """The one run a context speaks for, as the coordinator running it provides it."""

    @property
    def link_id(self) -> str: ...

    @property
    def action_id(self) -> str: ...

    @property
    def settled(self) -> bool: ...

    @property
    def instance(self) -> ModuleInstance:
        """The instance the run belongs to."""
        ...

    def may_write(self, what: str) -> bool:
        """False once the run has settled: the write `what` is then dropped and reported as a diagnostic."""
        ...

    async def submit(self, kind: str, target: str | None, payload: Any, *, wait_for: Stage, budget: Budget | None,
                     correlation_id: str | None) -> OperationReceipt:
        """Send a backend write under the run; its receipt once it reached `wait_for`."""
        ...

    def optimistic(self, body: Body, name: str | None) -> OptimisticToken:
        """Apply an optimistic change under the run (its own transaction, origin `optimistic`)."""
        ...

    async def read(self, defn: ResourceDef, args: Any) -> Any:
        """Read a resource through the coordinator's cache, the run as its initiator."""
        ...


class ActionContext:
    """The handler's view of its run."""

    __slots__ = ("_run",)

    def __init__(self, run: RunPort) -> None:
        self._run = run

    @property
    def link_id(self) -> str:
        return self._run.link_id

    @property
    def state(self) -> Mapping[str, Any]:
        """The instance's committed state (read it, never mutate it): a dict, or a SharedRoot for a large one."""
        return self._run.instance.get_state()

    @property
    def active(self) -> bool:
        """False once the run has settled (a handler may check it before expensive work)."""
        return not self._run.settled

    def dispatch(self, action_type: str, payload: Any = None) -> TxnRecord | None:
        if not self._run.may_write(f"dispatch {action_type!r}"):
            return None
        return self._run.instance.dispatch(action_type, payload, link_id=self.link_id)

    def transact(self, body: Body, *, name: str | None = None) -> TxnRecord | None:
        if not self._run.may_write(f"transact {name or ''}"):
            return None
        return self._run.instance.transact(body, origin_kind="async-action", origin_name=name or self._run.action_id,
                                           reason="async-action", link_id=self.link_id)

    def optimistic(self, body: Body, *, name: str | None = None) -> OptimisticToken:
        """Apply `body` now as an optimistic change of this run: its own transaction (origin `optimistic`), with a
        bounded inverse and a token `<linkId>::p<seq>`. The run's outcome settles it: reaching the stage a
        `submit` waits for, or success, confirms it; failure, cancel, override or timeout roll it back (newest
        first). Raises OptimisticError, applying nothing, when the run has settled or the change is too large."""
        return self._run.optimistic(body, name)

    async def read(self, defn: ResourceDef, args: Any) -> Any:
        """The value of resource `defn` for `args`, through the coordinator's cache (shared with every reader of
        its key; its events name this run as the initiator). Cancelling the run releases this consumer."""
        return await self._run.read(defn, args)

    async def submit(self, kind: str, target: str | None, payload: Any = None, *,
                     wait_for: Stage = Stage.ACCEPTED, budget: Budget | None = None,
                     correlation_id: str | None = None) -> OperationReceipt:
        """Send a backend write under this run; returns its receipt once it reached `wait_for`."""
        return await self._run.submit(kind, target, payload, wait_for=wait_for, budget=budget,
                                      correlation_id=correlation_id)
