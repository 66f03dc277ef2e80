"""The Runtime: the composition root. It builds the kernel, the tick layer and the sources layer and wires them.

    kernel     (runtime.kernel)   the mounted instances and their one transaction window
    store      (runtime.ticks)    the published snapshots and their topic facades
    scheduler  (runtime.ticks)    the ticks that publish commits (see runtime.ticks.scheduler for when they run)
    links      (runtime.sources)  declarative cross-module links
    resources  (runtime.resources) the keyed, shared, bounded resource cache
    external_fields               the external-store fields of every instance, wired at mount

Nothing below this module takes the Runtime: each part gets the small protocol it uses (InstanceHost in
runtime.kernel.instance, the ports of runtime.ticks.ports). A live inspector (runtime.inspect) is attached when
`inspect=` or TICKSCOPE_INSPECT asks for one, an OpenTelemetry export (runtime.otel)
when `otel=` or TICKSCOPE_OTEL does.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from runtime.converge.config import ConvergeConfig, ConvergeSampling, ConvergeSettings
from runtime.debug.call_site import DEFAULT_CALL_SITE_LIMIT
from runtime.debug.config_errors import report_config_error
from runtime.debug.highlight import UpdateHighlight
from runtime.debug.hub import DebugHub
from runtime.debug.sink import DebugSink, EventClock, Level
from runtime.errors import DefinitionError, FieldConfigError
from runtime.inspect import ENV_VAR as INSPECT_ENV_VAR
from runtime.inspect import InspectorServer, attach
from runtime.kernel.instance import ModuleInstance
from runtime.kernel.kernel import CommitListener, Kernel
from runtime.kernel.module import Module
from runtime.otel import ENV_VAR as OTEL_ENV_VAR
from runtime.otel import LiveExport, OtelConfig, OtelUnavailable
from runtime.otel import from_environment as otel_from_environment
from runtime.otel import resolve as otel_resolve
from runtime.resources import PendingChange, ResourceCache
from runtime.sources.drain import SourceDrain
from runtime.sources.external_fields import ExternalFields
from runtime.sources.links import DeclarativeLinks
from runtime.ticks.scheduler import TickConfig, TickScheduler
from runtime.ticks.store import RuntimeStore

__all__ = ["Runtime", "RuntimeCommitListener"]

RuntimeCommitListener = CommitListener
log = logging.getLogger("tickscope")


class Runtime:
    """A set of module instances sharing one transaction queue, one clock and one debug sink."""

    def __init__(
        self,
        *,
        label: str = "runtime",
        diagnostics: Level = "off",
        buffer_size: int = 500,
        history_size: int = 500,
        converge: ConvergeConfig | None = None,
        converge_by_module: dict[str, ConvergeConfig] | None = None,
        converge_sampling: ConvergeSampling | None = None,
        tick: TickConfig | None = None,
        services: dict[str, Any] | None = None,
        inspect: Any = None,
        resource_entries: int = 200,
        otel: OtelConfig | str | bool | None = None,
        hub: DebugHub | None = None,
        call_site_limit: int = DEFAULT_CALL_SITE_LIMIT,
    ) -> None:
        if "::" in label or not label:
            raise DefinitionError(f"runtime label {label!r} must be non-empty and without '::'")
        otel_config = otel_resolve(otel) if otel not in (None, False) else None
        if otel_config is not None and diagnostics == "off":
            diagnostics = "light"  # the export reads the debug events: asking for it switches them on
        self.label = label
        self.clock = EventClock()
        self.hub = hub if hub is not None else DebugHub(buffer_size)
        """The debug hub; several runtimes may share one (its views and `clear` are per runtime label)."""
        self.sink = DebugSink(self.hub, diagnostics, label, self.clock)
        self.sink.call_sites.set_limit(call_site_limit)  # frames per call site at level full (0: none)
        self.history_size = history_size
        self.converge = ConvergeSettings(converge, converge_by_module, converge_sampling)
        self.kernel = Kernel(label, self.sink, self.converge, history_size)
        self.pending = self.kernel.pending
        """What is pending (action runs, resource loads): the only input of busy state (runtime.busy)."""
        self.e2e = self.sink.e2e
        self.highlight = UpdateHighlight()
        """Whether the application's UI adapter flashes the widgets a tick updates (switched by the devtools)."""
        """End-to-end latency segments of sampled runs (`rt.e2e.configure(E2EConfig(enabled=True, ...))`)."""
        self.store = RuntimeStore()
        self.scheduler = TickScheduler(self.kernel, self.store, tick)
        self.links = DeclarativeLinks(self.kernel, self.scheduler)
        """The declarative links of this runtime (see runtime.sources.links)."""
        self.external_fields = ExternalFields(self.kernel, self.scheduler, self.links, dict(services or {}))
        self.resources = ResourceCache(self.sink, max_entries=resource_entries)
        """The runtime's resource cache (runtime.resources): source fields attached with it and actions read
        through it."""
        self.resources.on_pending(self._report_resource_pending)
        self.scheduler.set_drain(SourceDrain(self.links, self.external_fields))
        self.kernel.attach_ticks(self.scheduler.on_commit, self.scheduler.on_settled, self.scheduler.publish_lone)
        self._mount_counts: dict[str, int] = {}
        self._dispose_hooks: list[Callable[[], None]] = []
        self.disposed = False
        self.inspector: InspectorServer | None = None
        """The live inspector server (runtime.inspect) when `inspect=` or TICKSCOPE_INSPECT asked for one."""
        self.otel: LiveExport | None = None
        """The live OpenTelemetry export (runtime.otel) when `otel=` or TICKSCOPE_OTEL asked for one."""
        if otel_config is not None:
            self.otel = LiveExport(self.hub, otel_config, label=label, clock=self.clock)
        elif OTEL_ENV_VAR in os.environ:
            self.otel = self._otel_from_environment()
        if inspect is not None:
            self.inspector = attach(self, inspect)  # asked for in code: a failure is the caller's to see
        elif INSPECT_ENV_VAR in os.environ:
            self.inspector = self._inspect_from_environment()

    def _inspect_from_environment(self) -> InspectorServer | None:
        """The inspector TICKSCOPE_INSPECT asks for. A debugging aid switched on from outside never takes the
        application down: a malformed value or a port in use is one warning on stderr, and the runtime runs on
        without an inspector."""
        try:
            return attach(self, None)
        except (OSError, ValueError, TypeError) as exc:
            value = os.environ.get(INSPECT_ENV_VAR, "")
            print(f"tickscope: {INSPECT_ENV_VAR}={value!r} ignored, runtime {self.label!r} runs without an "
                  f"inspector: {exc}", file=sys.stderr, flush=True)
            return None

    def _report_resource_pending(self, change: PendingChange) -> None:
        """Resource loads are pending like runs: busy state (091) reads both, and only these, from `pending`."""
        if change.pending:
            self.pending.begin("resource", change.load_id, owner=change.resource_key,
                               link_id=change.initiator_link_id)
        else:
            self.pending.end("resource", change.load_id)

    def _otel_from_environment(self) -> LiveExport | None:
        """The export TICKSCOPE_OTEL asks for; like the inspector, a malformed value or missing packages are one
        warning on stderr, and the runtime runs on without export."""
        try:
            config = otel_from_environment()
            if config is None:
                return None
            if not self.sink.on:
                self.sink.set_level("light")
            return LiveExport(self.hub, config, label=self.label, clock=self.clock)
        except (ValueError, OtelUnavailable) as exc:
            value = os.environ.get(OTEL_ENV_VAR, "")
            print(f"tickscope: {OTEL_ENV_VAR}={value!r} ignored, runtime {self.label!r} runs without OpenTelemetry "
                  f"export: {exc}", file=sys.stderr, flush=True)
            return None

    # -- instances --------------------------------------------------------------------------------------------------

    def mount(self, module: Module, instance_id: str | None = None, *, label: str | None = None) -> ModuleInstance:
        """Create an instance of `module`; its derived fields are computed once (a `lifecycle/mount` transaction)."""
        n = self._mount_counts.get(module.id, 0) + 1
        iid = instance_id or f"{module.id}#{n}"
        if "::" in iid:
            raise DefinitionError(f"instance id {iid!r} must not contain '::'")
        if self.kernel.has(iid):
            raise DefinitionError(f"instance id {iid!r} is already mounted in runtime {self.label!r}")
        try:
            shape = module.build_shape()
        except FieldConfigError as err:
            report_config_error(self.sink, err, iid)
            raise
        self._mount_counts[module.id] = n
        inst = ModuleInstance(self.kernel, module, iid, label, shape)
        self.kernel.add(inst)
        self.store.register_instance(inst)
        self.hub.instance_mounted(self.label, module.id, iid, inst.label)
        if self.sink.on:
            init_meta = {"label": inst.label}
            if module.import_path is not None:
                init_meta["importPath"] = module.import_path
            self.sink.emit(module_id=module.id, instance_id=iid, kind="lifecycle", label="module:init",
                           meta=init_meta)
            inst.announce_ir()
        with self.batch():  # the mount converge and the first external-store reads publish in one tick
            if shape.ir.steps:
                inst.transact(lambda draft: None, origin_kind="lifecycle", origin_name="mount", converge_all=True)
            try:
                self.external_fields.wire(inst)
            except Exception:
                self.unmount(inst)  # an external store that cannot be wired leaves no half-mounted instance
                raise
        return inst

    def instance(self, instance_id: str) -> ModuleInstance:
        return self.kernel.instance(instance_id)

    def instances(self) -> list[ModuleInstance]:
        return self.kernel.instances()

    def unmount(self, instance: ModuleInstance) -> None:
        if not self.kernel.remove(instance):
            return
        self.scheduler.forget_inputs(list(self.external_fields.unwire(instance)))
        self.links.forget(instance)
        self.scheduler.on_unmount(instance)
        instance.dispose()
        if self.sink.on:
            self.sink.emit(module_id=instance.module_id, instance_id=instance.instance_id, kind="lifecycle",
                           label="module:destroy")
        self.hub.instance_destroyed(self.label, instance.module_id, instance.instance_id)

    def provide(self, key: str, service: Any) -> None:
        """Register a service under `key` for `from_service(key)` stores (resolved when a field using one is
        wired: mount after providing)."""
        if not isinstance(key, str) or not key:
            raise DefinitionError(f"service key {key!r} must be a non-empty string")
        self.external_fields.services[key] = service

    # -- configuration ----------------------------------------------------------------------------------------------

    def set_diagnostics(self, level: Level) -> None:
        """Switch the diagnostics level (off | light | sampled | full); applies from the next event."""
        self.sink.set_level(level)
        if self.sink.on:
            for inst in self.kernel.instances():
                inst.announce_ir()

    def set_buffer_size(self, size: int) -> None:
        """Resize the hub's event ring (0 keeps no window); recorded as `trace:devtools:ring-trim-policy`."""
        self.hub.resize(size)
        self.sink.emit(module_id="runtime", instance_id=self.label, kind="devtools",
                       label="trace:devtools:ring-trim-policy",
                       meta={"mode": "strict" if size else "disabled", "threshold": size, "bufferSize": size})

    def set_converge_override(self, module_id: str | None, config: ConvergeConfig | None) -> None:
        """Override the converge settings of one module, or with module_id None of every module (scope `provider`,
        a module's own override beating the runtime-wide one), from the next transaction; None removes it."""
        self.converge.set_override(module_id, config)

    def set_converge_config(self, config: ConvergeConfig | None, *, module_id: str | None = None) -> None:
        """Replace the runtime's own converge settings, for every module (scope `runtime_default`, what
        `Runtime(converge=...)` set) or for one (`runtime_module`, what `converge_by_module` set), from the next
        transaction; None removes them."""
        self.converge.set_runtime(config, module_id)

    def set_converge_sampling(self, sampling: ConvergeSampling) -> None:
        """How `sampled` diagnostics time converge (every N-th transaction, its K slowest steps), from the next
        transaction."""
        self.converge.set_sampling(sampling)

    # -- commits ----------------------------------------------------------------------------------------------------

    def add_commit_listener(self, listener: RuntimeCommitListener) -> Callable[[], None]:
        """Call `listener(instance, record, state)` after every commit of every instance."""
        return self.kernel.add_commit_listener(listener)

    def add_settle_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener()` whenever the outermost transaction window (and the entries queued behind it) finished."""
        return self.kernel.add_settle_listener(listener)

    @property
    def in_transaction(self) -> bool:
        """True while a transaction window (or the queue behind it) is running."""
        return self.kernel.in_transaction

    # -- ticks ------------------------------------------------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Defer ticks to the end of the outermost batch, then publish everything committed inside in one tick."""
        with self.scheduler.batch():
            yield

    def flush_now(self) -> None:
        """Run the pending tick(s) and low-priority notifications synchronously (for tests and scripts)."""
        self.scheduler.flush_now()

    # -- disposal ---------------------------------------------------------------------------------------------------

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
        for inst in self.kernel.instances():
            self.unmount(inst)
        self.scheduler.dispose()
        self.external_fields.dispose()
        self.resources.dispose()
        self.kernel.clear_listeners()
        self.disposed = True
        if self.otel is not None:
            self.otel.close()  # after the instances went: their runs' last events are exported too
        if self.inspector is not None:
            self.inspector.close()
