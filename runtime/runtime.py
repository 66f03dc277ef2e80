"""The Runtime: mounts module instances, serialises their transaction windows, and owns the debug sink and hub.

Its `store` (RuntimeStore: published snapshots and topic facades) and `scheduler` (TickScheduler: the ticks that
publish commits) are the consistency layer; `links` holds its declarative links. See runtime.ticks.scheduler for when
ticks run (asyncio loop or synchronously).

Transaction windows of one runtime never nest: an entry point called while a window is open (from a reducer, a
derivation or a commit listener) is queued and runs right after the current one commits, in order. A queued entry
that fails is reported as a diagnostic (its caller has already returned).
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from runtime.base.records import TxnOrigin, TxnRecord
from runtime.converge.config import ConvergeConfig
from runtime.debug.hub import DebugHub
from runtime.debug.sink import Clock, DebugSink
from runtime.errors import DefinitionError, TickscopeError
from runtime.kernel.instance import ModuleInstance
from runtime.kernel.module import Module
from runtime.ticks.scheduler import TickConfig, TickScheduler
from runtime.ticks.store import RuntimeStore

if TYPE_CHECKING:
    from runtime.sources.links import DeclarativeLinks

__all__ = ["Runtime", "RuntimeCommitListener"]

RuntimeCommitListener = Callable[[ModuleInstance, TxnRecord, Any], None]
log = logging.getLogger("tickscope")


class Runtime:
    """A set of module instances sharing one transaction queue, one clock and one debug sink."""

    def __init__(
        self,
        *,
        label: str = "runtime",
        diagnostics: str = "off",
        buffer_size: int = 500,
        history_size: int = 500,
        converge: ConvergeConfig | None = None,
        converge_by_module: dict[str, ConvergeConfig] | None = None,
        tick: TickConfig | None = None,
        inspect: Any = None,
    ) -> None:
        if "::" in label or not label:
            raise DefinitionError(f"runtime label {label!r} must be non-empty and without '::'")
        self.label = label
        self.clock = Clock()
        self.hub = DebugHub(buffer_size)
        self.sink = DebugSink(self.hub, diagnostics, label, self.clock)
        self.history_size = history_size
        self._instances: dict[str, ModuleInstance] = {}
        self._mount_counts: dict[str, int] = {}
        self._commit_listeners: list[RuntimeCommitListener] = []
        self._depth = 0
        self._queue: deque[Callable[[], Any]] = deque()
        self._converge_default = converge
        self._converge_by_module = dict(converge_by_module or {})
        self._converge_overrides: dict[str, ConvergeConfig] = {}
        self._config_version = 0
        self._dispose_hooks: list[Callable[[], None]] = []
        self._settle_listeners: list[Callable[[], None]] = []
        self.disposed = False
        self.store = RuntimeStore(self)
        self.scheduler = TickScheduler(self, self.store, tick)
        self.inspector: Any = None
        """The live inspector server (runtime.inspect) when `inspect=` or TICKSCOPE_INSPECT asked for one."""
        if inspect is not None or "TICKSCOPE_INSPECT" in os.environ:
            from runtime.inspect import open_for_runtime

            self.inspector = open_for_runtime(self, inspect)

    # -- instances --------------------------------------------------------------------------------------------------

    def mount(self, module: Module, instance_id: str | None = None, *, label: str | None = None) -> ModuleInstance:
        """Create an instance of `module`; its derived fields are computed once (a `lifecycle/mount` transaction)."""
        n = self._mount_counts.get(module.id, 0) + 1
        iid = instance_id or f"{module.id}#{n}"
        if "::" in iid:
            raise DefinitionError(f"instance id {iid!r} must not contain '::'")
        if iid in self._instances:
            raise DefinitionError(f"instance id {iid!r} is already mounted in runtime {self.label!r}")
        shape = module.build_shape()
        self._mount_counts[module.id] = n
        inst = ModuleInstance(self, module, iid, label, shape)
        self._instances[iid] = inst
        self.store.register_instance(inst)
        if self.sink.on:
            self.sink.emit(module_id=module.id, instance_id=iid, kind="lifecycle", label="module:init",
                           meta={"label": inst.label})
            self.hub.announce_static_ir(inst.static_ir_export())
        with self.batch():  # the mount converge and the first external-store reads publish in one tick
            if shape.ir.steps:
                inst.transact(lambda draft: None, origin_kind="lifecycle", origin_name="mount", converge_all=True)
            try:
                self.scheduler.on_mount(inst)
            except Exception:
                self.unmount(inst)  # an external store that cannot be wired leaves no half-mounted instance
                raise
        return inst

    def instance(self, instance_id: str) -> ModuleInstance:
        try:
            return self._instances[instance_id]
        except KeyError:
            raise KeyError(f"no instance {instance_id!r} in runtime {self.label!r}") from None

    def instances(self) -> list[ModuleInstance]:
        return list(self._instances.values())

    def unmount(self, instance: ModuleInstance) -> None:
        if self._instances.get(instance.instance_id) is instance:
            del self._instances[instance.instance_id]
            self.scheduler.on_unmount(instance)
            instance.dispose()
            if self.sink.on:
                self.sink.emit(module_id=instance.module_id, instance_id=instance.instance_id, kind="lifecycle",
                               label="module:destroy")

    # -- configuration ----------------------------------------------------------------------------------------------

    def set_diagnostics(self, level: str) -> None:
        """Switch the diagnostics level (off | light | sampled | full); applies from the next event."""
        self.sink.set_level(level)
        if self.sink.on:
            for inst in self._instances.values():
                self.hub.announce_static_ir(inst.static_ir_export())

    def set_buffer_size(self, size: int) -> None:
        """Resize the hub's event ring (0 keeps no window); recorded as `trace:devtools:ring-trim-policy`."""
        self.hub.resize(size)
        self.sink.emit(module_id="runtime", instance_id=self.label, kind="devtools",
                       label="trace:devtools:ring-trim-policy",
                       meta={"mode": "strict" if size else "disabled", "threshold": size, "bufferSize": size})

    def set_converge_override(self, module_id: str, config: ConvergeConfig | None) -> None:
        """Override converge settings of one module (scope `provider`) from the next transaction; None removes it."""
        if config is None:
            self._converge_overrides.pop(module_id, None)
        else:
            self._converge_overrides[module_id] = config
        self._config_version += 1

    # -- commits ----------------------------------------------------------------------------------------------------

    def add_commit_listener(self, listener: RuntimeCommitListener) -> Callable[[], None]:
        """Call `listener(instance, record, state)` after every commit of every instance."""
        self._commit_listeners.append(listener)
        return lambda: self._commit_listeners.remove(listener) if listener in self._commit_listeners else None

    def add_settle_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener()` whenever the outermost transaction window (and the entries queued behind it) finished."""
        self._settle_listeners.append(listener)
        return lambda: self._settle_listeners.remove(listener) if listener in self._settle_listeners else None

    # -- ticks ------------------------------------------------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Defer ticks to the end of the outermost batch, then publish everything committed inside in one tick."""
        with self.scheduler.batch():
            yield

    def flush_now(self) -> None:
        """Run the pending tick(s) and low-priority notifications synchronously (for tests and scripts)."""
        self.scheduler.flush_now()

    @property
    def links(self) -> DeclarativeLinks:
        """The declarative links of this runtime (see runtime.sources.links)."""
        return self.scheduler.links

    def _after_commit(self, inst: ModuleInstance, record: TxnRecord, state: Any) -> None:
        for listener in tuple(self._commit_listeners):
            self._notify(inst, record, listener, inst, record, state)

    def _notify(self, inst: ModuleInstance, record: TxnRecord, listener: Callable[..., None], *args: Any) -> None:
        try:
            listener(*args)
        except Exception as exc:  # one failing subscriber must not keep the others from hearing about the commit
            self.sink.diagnostic(
                module_id=inst.module_id, instance_id=inst.instance_id, code="commit_listener::threw",
                severity="error", message=f"commit listener {listener!r} raised {type(exc).__name__}: {exc}",
                txn_seq=record.txn_seq, txn_id=record.txn_id, error=exc,
            )

    def _enter(self, inst: ModuleInstance, run: Callable[[], TxnRecord | None], origin: TxnOrigin) -> TxnRecord | None:
        if self._depth:
            self._queue.append(run)
            self.sink.diagnostic(
                module_id=inst.module_id, instance_id=inst.instance_id,
                code="state_transaction::enqueue_in_transaction",
                severity="info", message=f"{origin.kind} {origin.name or ''} queued behind the open transaction",
            )
            return None
        self._depth = 1
        try:
            result = run()
            while self._queue:
                queued = self._queue.popleft()
                try:
                    queued()
                except TickscopeError:
                    pass  # already reported as a diagnostic by the instance
                except Exception:
                    log.exception("a queued transaction failed")
            return result
        finally:
            # Entries queued by a window that raised belong to that aborted window: they are dropped with it.
            self._depth = 0
            self._queue.clear()
            for listener in tuple(self._settle_listeners):
                try:
                    listener()
                except Exception:
                    log.exception("settle listener %r raised", listener)

    @property
    def in_transaction(self) -> bool:
        """True while a transaction window (or the queue behind it) is running."""
        return bool(self._depth)

    def on_dispose(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Call `hook()` first thing in dispose(), while every instance is still mounted (owners of async work,
        such as an operation tracker, settle it there). Returns the function that removes the hook."""
        self._dispose_hooks.append(hook)
        return lambda: self._dispose_hooks.remove(hook) if hook in self._dispose_hooks else None

    def dispose(self) -> None:
        hooks, self._dispose_hooks = self._dispose_hooks, []
        for hook in reversed(hooks):
            try:
                hook()
            except Exception:  # one failing owner must not keep the others (or the instances) from cleaning up
                log.exception("a runtime dispose hook failed")
        for inst in list(self._instances.values()):
            self.unmount(inst)
        self.scheduler.dispose()
        self._commit_listeners.clear()
        self._settle_listeners.clear()
        self.disposed = True
        if self.inspector is not None:
            self.inspector.close()

