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

__all__ = ["Kernel", "CommitListener", "ShortTick"]

CommitListener = Callable[[ModuleInstance, TxnRecord, Any], None]
"""Called as (instance, record, committed_state) after every commit of every instance."""
log = logging.getLogger("tickscope")


ShortTick = Callable[[ModuleInstance, TxnRecord, Any], bool]
"""The tick layer's short tick of a lone commit: publishes it and returns True, or does nothing and returns False
(then the commit takes the general way: the commit listeners, then the settle listeners)."""


def _remover(items: list[Any], item: Any, changed: Callable[[], None]) -> Callable[[], None]:
    def remove() -> None:
        if item in items:
            items.remove(item)
            changed()

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
        self.converge_config: Callable[[str], ResolvedConvergeConfig] = converge.resolve
        """The converge settings of a module (the settings' own resolve, bound: asked by every transaction)."""
        self._instances: dict[str, ModuleInstance] = {}
        self._commit_listeners: list[CommitListener] = []
        self._settle_listeners: list[Callable[[], None]] = []
        self.in_transaction = False
        """True while a transaction window (or the queue behind it) is running (an attribute: asked by every commit
        and tick)."""
        self._queue: deque[WindowRun] = deque()
        self._ticks: tuple[CommitListener, Callable[[], None], ShortTick] | None = None
        self.fused_windows = True
        """Dispatches may take the fused path (runtime.kernel.fast_dispatch); set_fused_windows(False) sends every
        one the general way (the reference the property tests compare the fused path with)."""
        self.short_tick: ShortTick | None = None
        """The tick layer's short tick while its two listeners are the only commit and settle listeners (the fused
        dispatch path, runtime.kernel.fast_dispatch, then publishes through it); None otherwise."""

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
            self.end_window()

    def end_window(self) -> None:
        """The outermost window (and the entries queued behind it) is over, committed or raised: entries still
        queued belonged to a window that raised and are dropped with it; the settle listeners run."""
        self.in_transaction = False
        if self._queue:
            self._queue.clear()
        for listener in tuple(self._settle_listeners):
            try:
                listener()
            except Exception:
                log.exception("settle listener %r raised", listener)

    def close_fused(self, inst: ModuleInstance, record: TxnRecord, state: Any) -> None:
        """The end of a fused window (runtime.kernel.fast_dispatch, which opened it by setting `in_transaction`)
        that committed `record`: the tick layer's short tick when it is the only listener and nothing is queued,
        else what a window through `enter` does after its commit (commit listeners, queued entries, settle)."""
        short = self.short_tick
        if short is not None and not self._queue:
            self.in_transaction = False  # as for the settle listeners: what the tick's listeners start runs at once
            try:
                if short(inst, record, state):
                    return
            except Exception:
                log.exception("settle listener %r raised", short)
                return
            self.in_transaction = True
        try:
            self.after_commit(inst, record, state)
        except BaseException:
            self.end_window()
            raise
        self.finish_window()

    def finish_window(self) -> None:
        """What enter does once its window ran: the entries queued behind it, then the end of the window."""
        try:
            if self._queue:
                self._run_queued()
        finally:
            self.end_window()

    def set_fused_windows(self, on: bool) -> None:
        self.fused_windows = on
        for inst in self._instances.values():
            inst.refresh_fused()

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
            self.listener_threw(inst, record, listener, exc)

    def listener_threw(self, inst: ModuleInstance, record: TxnRecord, listener: Callable[..., None],
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
                self.listener_threw(inst, record, listener, exc)

    # -- listeners --------------------------------------------------------------------------------------------------

    def add_commit_listener(self, listener: CommitListener) -> Callable[[], None]:
        """Call `listener(instance, record, state)` after every commit of every instance."""
        self._commit_listeners.append(listener)
        self._relisten()
        return _remover(self._commit_listeners, listener, self._relisten)

    def add_settle_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener()` whenever the outermost transaction window (and the entries queued behind it) finished."""
        self._settle_listeners.append(listener)
        self._relisten()
        return _remover(self._settle_listeners, listener, self._relisten)

    def attach_ticks(self, on_commit: CommitListener, on_settled: Callable[[], None], short_tick: ShortTick) -> None:
        """The tick layer's commit and settle listeners, and its short tick of a lone commit (which a fused window
        calls instead of the two while they are the only listeners)."""
        self._ticks = (on_commit, on_settled, short_tick)
        self.add_commit_listener(on_commit)
        self.add_settle_listener(on_settled)

    def _relisten(self) -> None:
        ticks = self._ticks
        self.short_tick = (ticks[2] if ticks is not None and self._commit_listeners == [ticks[0]]
                           and self._settle_listeners == [ticks[1]] else None)

    def clear_listeners(self) -> None:
        self._commit_listeners.clear()
        self._settle_listeners.clear()
        self._relisten()

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
