"""The `external_store` field: one state field that mirrors an ExternalStore, written through transactions.

    Module("router-view", initial={"route": None, "title": ""}, fields=[
        external_store("route", router_store, select=lambda s: s["path"]),
        computed("title", deps=["route"], derive=str.upper),
    ])

At mount each field subscribes to its store, then reads it (in that order, so a change between the two is not
lost) and writes the value in a transaction with origin `field-external-store` (name: the field path). From then on
the store's listener only signals: the next tick reads `get_snapshot()` once, outside any transaction window, and
writes the latest value if `equals` (default: same type and ==) says it changed. So a burst of emits between two ticks
becomes one commit. The fields of one instance that signalled before a tick are read and written together, in one
transaction (runtime.sources.instance_inputs): a fan-out from one source is one commit of its target.

- `select(snapshot)` picks the value to store; `priority="nonUrgent"` commits with priority low (commit mode
  `lowPriority`), which the tick may defer under its budget;
- `coalesce_window_ms`: the first emit opens a window; the latest value is read when it closes (a running asyncio
  loop is needed for the timer; without one the write is not delayed; 0 or None is no window). An urgent writeback
  of the same instance in the meantime carries the pending value into its own commit, and any other urgent commit of
  the instance carries it along in its tick; unmounting cancels the window;
- `get_snapshot` (or `select`) raising stops the field for good (it keeps its last value) with diagnostic
  `external_store::snapshot_threw`;
- the field is owned by its store (`ownership: external-owned` in its static IR): any other write to it raises
  ExternalOwnedWriteError and changes nothing; a computed/link/check on the same field is refused at mount
  (MULTIPLE_WRITERS);
- with `from_module(...)` as the store, the source's commits reach the field in the same tick (module-as-source).

External-store fields are wired when an instance mounts; `install_fields` does not wire new ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from runtime.base.field_decl import FieldDecl
from runtime.base.paths import FieldPath, path_text
from runtime.base.state_access import compile_reader, same_value
from runtime.errors import ExternalStoreError
from runtime.sources.external_store import ModuleSource
from runtime.sources.instance_inputs import NO_CHANGE, InstanceInputs
from runtime.sources.observable_store import ServiceStore, resolve_service_store

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance
    from runtime.kernel.kernel import Kernel
    from runtime.sources.links import DeclarativeLinks
    from runtime.ticks.job_queue import FreshModule
    from runtime.ticks.ports import InputSink

__all__ = ["ExternalFieldBinding", "ExternalFields"]

class ExternalFieldBinding:
    """One external-store field wired into one instance (created at mount, disposed at unmount). It reads; the
    InstanceInputs of its instance writes."""

    def __init__(self, kernel: Kernel, group: InstanceInputs, links: DeclarativeLinks, inst: ModuleInstance,
                 decl: FieldDecl, store: Any) -> None:
        opts = decl.options
        self.kernel = kernel
        self.group = group
        self.links = links
        self.inst = inst
        self.path = decl.target
        self.path_text = path_text(decl.target)
        self.store = store
        self.select: Callable[[Any], Any] | None = opts["select"]
        self.equals = decl.equals or same_value
        self.priority: str = opts["priority"]
        self.urgent = self.priority != "nonUrgent"
        """Whether its writes commit with priority normal (fixed at mount; read on every emit)."""
        self.window_ms: float | None = opts["coalesce_window_ms"] or None
        self.meta: dict[str, Any] = opts["meta"]
        self._read_field = compile_reader(decl.target)
        self.fused = False
        self.disposed = False
        self.window_pending = False
        self.emit_site: Mapping[str, Any] | None = None
        """Where the store last emitted from, taken at diagnostics level full (its write records it)."""
        self._timer: asyncio.TimerHandle | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.source: ModuleInstance | None = None
        what = f"external_store {self.path_text} of {inst.instance_id}"
        if isinstance(self.store, ModuleSource):
            query = self.store.query
            self.source = self.store.resolve(kernel, what)
            if query.selector_id is None:
                raise ExternalStoreError(
                    "external_store::unstable_selector_id",
                    f"{what}: selector {query.debug_key} captures state (a closure or defaults), so it has no "
                    "reproducible selectorId; pass selector_id=...",
                )
        self.store_id: str = getattr(self.store, "store_id", None) or f"{inst.instance_id}:{self.path_text}"

    def __repr__(self) -> str:
        return f"<ExternalFieldBinding {self.inst.instance_id}.{self.path_text}>"

    @property
    def trigger(self) -> tuple[str, str, str]:
        return (self.inst.module_id, self.inst.instance_id, self.path_text)

    # -- lifecycle --------------------------------------------------------------------------------------------------

    def subscribe(self) -> None:
        """Subscribe (the first read follows, by the instance's inputs): nothing emitted in between is lost."""
        if self.source is not None:
            self.links.add_module_source(self, self.source)
            if not self.store.query.static:
                self.links.report_degraded(self.source, self.store.query,
                                           f"external_store {self.path_text} of {self.inst.instance_id}")
        else:
            self._unsubscribe = self.store.subscribe(self._on_emit)

    def dispose(self) -> None:
        self.disposed = True
        self._stop()

    def _stop(self) -> None:
        if self._unsubscribe is not None:
            unsubscribe, self._unsubscribe = self._unsubscribe, None
            try:
                unsubscribe()
            except Exception as exc:
                self.kernel.sink.diagnostic(
                    module_id=self.inst.module_id, instance_id=self.inst.instance_id,
                    code="external_store::unsubscribe_threw", severity="warning", error=exc,
                    message=f"{self!r}: unsubscribe raised {type(exc).__name__}: {exc}",
                )
        self.cancel_window()
        if self.source is not None:
            self.links.remove_module_source(self, self.source)

    # -- signals ----------------------------------------------------------------------------------------------------

    def signal(self) -> None:
        """The source changed (or may have): the next tick reads it."""
        if not self.fused and not self.disposed:
            self.group.signal(self)

    def _on_emit(self) -> None:
        if self.fused or self.disposed:
            return
        sink = self.kernel.sink
        if sink.full:  # the writeback comes later, in a tick: remember who set the store
            self.emit_site = sink.call_sites.capture(2)
        if self.window_ms:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not None:
                self.window_pending = True
                if self._timer is None:
                    self._timer = loop.call_later(self.window_ms / 1000.0, self._window_elapsed)
                return
        self.group.signal(self)

    def _window_elapsed(self) -> None:
        self._timer = None
        if not self.window_pending or self.disposed:
            return
        self.window_pending = False
        self.group.note_timer()
        self.group.signal(self)

    def cancel_window(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.window_pending = False

    def flush_window(self) -> None:
        """Read a pending coalesced value now (an urgent write of the same instance is being ticked)."""
        if self.window_pending:
            self.cancel_window()
            self.group.signal(self)

    def touched_by(self, paths: Sequence[FieldPath]) -> bool:
        return isinstance(self.store, ModuleSource) and self.store.query.touches(paths)

    # -- the read (in a tick, outside any window) -------------------------------------------------------------------

    def _read(self) -> Any:
        raw = self.store.get_snapshot() if self.source is None else self.store.query.select(self.source.state)
        return raw if self.select is None else self.select(raw)

    def read_change(self) -> Any:
        """The store's value when it differs from the field's (by `equals`), else NO_CHANGE. A read that raises
        fuses the field (NO_CHANGE)."""
        if self.fused or self.disposed or self.inst.disposed:
            return NO_CHANGE
        try:
            value = self._read()
        except Exception as exc:
            self._fuse(exc)
            return NO_CHANGE
        if self.equals(self._read_field(self.inst.state), value):
            return NO_CHANGE
        return value

    def _fuse(self, exc: Exception) -> None:
        self.fused = True
        self._stop()
        self.kernel.sink.diagnostic(
            module_id=self.inst.module_id, instance_id=self.inst.instance_id, code="external_store::snapshot_threw",
            severity="error", error=exc,
            message=f"reading the store of {self.inst.instance_id}.{self.path_text} raised {type(exc).__name__}: "
            f"{exc}; the field stopped syncing and keeps its last value",
        )

    def static_ir(self) -> dict[str, Any]:
        """ExternalStoreTraitStaticIr of this field."""
        if self.source is not None:
            query = self.store.query
            source: dict[str, Any] = {"kind": "module", "moduleId": self.source.module_id,
                                      "instanceKey": f"{self.source.module_id}::{self.source.instance_id}",
                                      "selectorId": query.selector_id}
            if query.reads_digest is not None:
                source["readsDigest"] = query.reads_digest
        else:
            source = {"kind": "external", "storeId": self.store_id}
        out: dict[str, Any] = {"traitId": f"external-store:{self.path_text}", "storeId": self.store_id,
                               "source": source, "targetFieldPath": self.path_text, "priority": self.priority,
                               "instanceId": self.inst.instance_id,
                               "policy": {"ownership": "external-owned",
                                          "lane": "urgent" if self.urgent else "nonUrgent",
                                          "storeId": self.store_id, "source": {"kind": source["kind"]}}}
        if self.window_ms:
            out["coalesceWindowMs"] = self.window_ms
        if self.meta:
            out["meta"] = self.meta
        return out


class ExternalFields:
    """The wired external-store fields of one runtime, by instance: wired at mount, disposed at unmount."""

    def __init__(self, kernel: Kernel, inputs: InputSink, links: DeclarativeLinks,
                 services: dict[str, Any] | None = None) -> None:
        self._kernel = kernel
        self._inputs = inputs
        self._links = links
        self.services: dict[str, Any] = services if services is not None else {}
        """The services `from_service` stores are looked up in (by key)."""
        self._by_key: dict[str, tuple[InstanceInputs, list[ExternalFieldBinding]]] = {}

    def wire(self, inst: ModuleInstance) -> None:
        """Resolve and start the instance's external-store fields (nothing is subscribed when one cannot be
        resolved: the error is raised first), then read them all once, in one transaction."""
        decls = [decl for decl in inst.declarations() if decl.kind == "externalStore"]
        if not decls:
            return
        group = InstanceInputs(self._kernel, self._inputs, inst)
        what = f"external_store of {inst.instance_id}"
        bindings = []
        for decl in decls:
            store = decl.options["store"]
            if isinstance(store, ServiceStore):
                store = resolve_service_store(store, self.services, f"{what} {path_text(decl.target)}")
            bindings.append(ExternalFieldBinding(self._kernel, group, self._links, inst, decl, store))
        group.bindings = bindings
        self._by_key[_key(inst)] = (group, bindings)
        for binding in bindings:
            binding.subscribe()
        group.start()

    def unwire(self, inst: ModuleInstance) -> list[InstanceInputs]:
        """Dispose the instance's fields; returns its inputs (the scheduler drops their pending reads)."""
        found = self._by_key.pop(_key(inst), None)
        if found is None:
            return []
        group, bindings = found
        for binding in bindings:
            binding.dispose()
        return [group]

    def bindings(self) -> list[ExternalFieldBinding]:
        return [b for _group, bindings in self._by_key.values() for b in bindings]

    def watched(self) -> Mapping[str, object]:
        """The instance keys with external-store fields, live (read it, never change it): an urgent commit of one
        flushes their coalescing windows."""
        return self._by_key

    def flush_urgent(self, fresh: Mapping[str, FreshModule]) -> None:
        """An urgent commit carries a pending coalesced value of its instance along into the same tick."""
        if not self._by_key:
            return
        for key, item in fresh.items():
            if item.urgent:
                for binding in self._by_key.get(key, (None, []))[1]:
                    binding.flush_window()

    def pending_windows(self) -> int:
        count = 0  # a plain loop: asked by every tick at full diagnostics (its backlog)
        for _group, bindings in self._by_key.values():
            for binding in bindings:
                if binding.window_pending:
                    count += 1
        return count

    def static_ir(self) -> list[dict[str, Any]]:
        """ExternalStoreTraitStaticIr of every wired external-store field (module-as-source ones included)."""
        return [b.static_ir() for b in self.bindings()]

    def dispose(self) -> None:
        for binding in self.bindings():
            binding.dispose()
        self._by_key.clear()


def _key(inst: ModuleInstance) -> str:
    return f"{inst.module_id}::{inst.instance_id}"
