"""The kernel of a runtime: its mounted instances and the one transaction window they share.

Transaction windows of one runtime never nest: an entry point called while a window is open (from a reducer, a
derivation or a commit listener) is queued and runs right after the current one commits, in order. A queued entry
that fails is reported as a diagnostic (its caller has already returned). Entries queued by a window that raised
belong to that aborted window and are dropped with it. When the outermost window and the entries queued behind it
are done, the settle listeners run (the tick layer starts a synchronous tick there when no event loop runs).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from runtime.base.quote import quoted
from runtime.base.records import TxnOrigin, TxnRecord
from runtime.busy.registry import PendingRegistry
from runtime.converge.config import ConvergeSettings, ResolvedConvergeConfig
from runtime.debug.sink import DebugSink
from runtime.errors import DefinitionError, TickscopeError
from runtime.kernel.instance import ModuleInstance, WindowRun

__all__ = ["Kernel", "CommitListener"]

CommitListener = Callable[[ModuleInstance, TxnRecord, Any], None]
"""Called as (instance, record, committed_state) after every commit of every instance."""
log = logging.getLogger("tickscope")


def _remover(items: list[Any], item: Any) -> Callable[[], None]:
    def remove() -> None:
        if item in items:
            items.remove(item)

    return remove


class Kernel:
    """The instances of one runtime, its transaction window and its commit and settle listeners."""

    def __init__(self, label: str, sink: DebugSink, converge: ConvergeSettings, history_size: int,
                 pending: PendingRegistry | None = None) -> None:
        self._label = label
        self._pending = pending or PendingRegistry()
        self._sink = sink
        self.sink = sink
        """The debug sink of the runtime (an attribute, not a property: read several times per transaction)."""
        self._history_size = history_size
        self.converge = converge
        self.converge_config: Callable[[str], ResolvedConvergeConfig] = converge.resolve
        """The converge settings of a module (the settings' own resolve, bound: asked by every transaction)."""
        self._instances: dict[str, ModuleInstance] = {}
        self._commit_listeners: list[CommitListener] = []
        self._settle_listeners: list[Callable[[], None]] = []
        self.in_transaction = False
        """True while a transaction window (or the queue behind it) is running (an attribute: asked by every commit
        and tick)."""
        self._queue: deque[WindowRun] = deque()

    # -- the host protocol of an instance ---------------------------------------------------------------------------

    @property
    def label(self) -> str:
        return self._label

    @property
    def history_size(self) -> int:
        return self._history_size

    @property
    def pending(self) -> PendingRegistry:
        return self._pending

    def enter(self, inst: ModuleInstance, run: WindowRun, origin: TxnOrigin) -> TxnRecord | None:
        if self.in_transaction:
            self._queue.append(run)
            self._sink.diagnostic(
                module_id=inst.module_id, instance_id=inst.instance_id,
                code="state_transaction::enqueue_in_transaction",
                severity="info", message=f"{origin.kind} {origin.name or ''} queued behind the open transaction",
            )
            return None
        self.in_transaction = True
        try:
            result = run()
            if self._queue:
                self._run_queued()
            return result
        finally:
            self.in_transaction = False
            if self._queue:  # entries queued by a window that raised belong to it: dropped with it
                self._queue.clear()
            for listener in tuple(self._settle_listeners):  # _settled(), spelled out: every window ends here
                try:
                    listener()
                except Exception:
                    log.exception("settle listener %r raised", listener)

    def _run_queued(self) -> None:
        while self._queue:
            queued = self._queue.popleft()
            try:
                queued()
            except TickscopeError:
                pass  # already reported as a diagnostic by the instance
            except Exception:
                log.exception("a queued transaction failed")

    def notify(self, inst: ModuleInstance, record: TxnRecord, listener: Callable[..., None], *args: Any) -> None:
        try:
            listener(*args)
        except Exception as exc:  # one failing subscriber must not keep the others from hearing about the commit
            self._listener_threw(inst, record, listener, exc)

    def _listener_threw(self, inst: ModuleInstance, record: TxnRecord, listener: Callable[..., None],
                        exc: Exception) -> None:
        self._sink.diagnostic(
            module_id=inst.module_id, instance_id=inst.instance_id, code="commit_listener::threw",
            severity="error", message=f"commit listener {listener!r} raised {type(exc).__name__}: {exc}",
            txn_seq=record.txn_seq, txn_id=record.txn_id, error=exc,
        )

    def after_commit(self, inst: ModuleInstance, record: TxnRecord, state: Any) -> None:
        for listener in tuple(self._commit_listeners):
            try:  # notify(), spelled out: every commit passes here
                listener(inst, record, state)
            except Exception as exc:
                self._listener_threw(inst, record, listener, exc)

    # -- listeners --------------------------------------------------------------------------------------------------

    def add_commit_listener(self, listener: CommitListener) -> Callable[[], None]:
        """Call `listener(instance, record, state)` after every commit of every instance."""
        self._commit_listeners.append(listener)
        return _remover(self._commit_listeners, listener)

    def add_settle_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener()` whenever the outermost transaction window (and the entries queued behind it) finished."""
        self._settle_listeners.append(listener)
        return _remover(self._settle_listeners, listener)

    def clear_listeners(self) -> None:
        self._commit_listeners.clear()
        self._settle_listeners.clear()

    # -- instances --------------------------------------------------------------------------------------------------

    def add(self, inst: ModuleInstance) -> None:
        if inst.instance_id in self._instances:
            raise DefinitionError(f"instance id {inst.instance_id!r} is already mounted in runtime {self._label!r}")
        self._instances[inst.instance_id] = inst

    def remove(self, inst: ModuleInstance) -> bool:
        """Forget `inst`; False when it was not mounted here."""
        if self._instances.get(inst.instance_id) is not inst:
            return False
        del self._instances[inst.instance_id]
        return True

    def has(self, instance_id: str) -> bool:
        return instance_id in self._instances

    def holds(self, inst: ModuleInstance) -> bool:
        """True when `inst` itself is mounted here (not just an instance with its id)."""
        return self._instances.get(inst.instance_id) is inst

    def instance(self, instance_id: str) -> ModuleInstance:
        try:
            return self._instances[instance_id]
        except KeyError:
            raise KeyError(f"no instance {quoted(instance_id)} in runtime {self._label!r}") from None

    def instances(self) -> list[ModuleInstance]:
        return list(self._instances.values())
