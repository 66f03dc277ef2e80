"""The `external_store` field: one state field that mirrors an ExternalStore, written through transactions.

    Module("router-view", initial={"route": None, "title": ""}, fields=[
        external_store("route", router_store, select=lambda s: s["path"]),
        computed("title", deps=["route"], derive=str.upper),
    ])

At mount each field subscribes to its store, then reads it (in that order, so a change between the two is not
lost) and writes the value in a transaction with origin `field-external-store` (name: the field path). From then on
the store's listener only signals: the next tick reads `get_snapshot()` once, outside any transaction window, and
writes the latest value if `equals` (default: same type and ==) says it changed. So a burst of emits between two ticks
becomes one commit.

- `select(snapshot)` picks the value to store; `priority="nonUrgent"` commits with priority low (commit mode
  `lowPriority`), which the tick may defer under its budget;
- `coalesce_window_ms`: the first emit opens a window; the latest value is read when it closes (a running asyncio
  loop is needed for the timer; without one the write is not delayed). An urgent commit of the same instance in the
  meantime carries the pending value along in its tick; unmounting cancels the window;
- `get_snapshot` (or `select`) raising stops the field for good (it keeps its last value) with diagnostic
  `external_store::snapshot_threw`;
- the field is owned by its store: any other write to it raises ExternalOwnedWriteError and changes nothing; a
  computed/link/check on the same field is refused at mount (MULTIPLE_WRITERS);
- with `from_module(...)` as the store, the source's commits reach the field in the same tick (module-as-source).

External-store fields are wired when an instance mounts; `install_fields` does not wire new ones.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from runtime.base.field_decl import FieldDecl
from runtime.base.paths import FieldPath, path_text
from runtime.base.state_access import compile_reader, same_value
from runtime.errors import ExternalStoreError, TickscopeError
from runtime.fields.external_store import OWNER_ORIGIN
from runtime.sources.external_store import ModuleSource

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance
    from runtime.kernel.kernel import Kernel
    from runtime.sources.links import DeclarativeLinks
    from runtime.ticks.job_queue import FreshModule
    from runtime.ticks.ports import InputSink

__all__ = ["ExternalFieldBinding", "ExternalFields"]

def _write(path: FieldPath, value: Any) -> Callable[[Any], None]:
    def body(draft: Any) -> None:
        node = draft
        for seg in path[:-1]:
            if seg not in node:
                node[seg] = {}
            node = node[seg]
        node[path[-1]] = value

    return body


class ExternalFieldBinding:
    """One external-store field wired into one instance (created at mount, disposed at unmount)."""

    def __init__(self, kernel: Kernel, inputs: InputSink, links: DeclarativeLinks, inst: ModuleInstance,
                 decl: FieldDecl) -> None:
        opts = decl.options
        self.kernel = kernel
        self.inputs = inputs
        self.links = links
        self.inst = inst
        self.path = decl.target
        self.path_text = path_text(decl.target)
        self.store = opts["store"]
        self.select: Callable[[Any], Any] | None = opts["select"]
        self.equals = decl.equals or same_value
        self.priority: str = opts["priority"]
        self.window_ms: float | None = opts["coalesce_window_ms"]
        self.meta: dict[str, Any] = opts["meta"]
        self._read_field = compile_reader(decl.target)
        self.fused = False
        self.disposed = False
        self.window_pending = False
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

    def start(self) -> None:
        """Subscribe, then read: nothing emitted in between is lost."""
        if self.source is not None:
            self.links.add_module_source(self, self.source)
            if not self.store.query.static:
                self.links.report_degraded(self.source, self.store.query,
                                           f"external_store {self.path_text} of {self.inst.instance_id}")
        else:
            self._unsubscribe = self.store.subscribe(self._on_emit)
        if self.kernel.in_transaction:
            self.inputs.mark_input(self)  # never read a store inside a transaction window
        else:
            self.pull()

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
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.window_pending = False
        if self.source is not None:
            self.links.remove_module_source(self, self.source)

    # -- signals ----------------------------------------------------------------------------------------------------

    def _on_emit(self) -> None:
        if self.fused or self.disposed:
            return
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
        self.inputs.mark_input(self)

    def _window_elapsed(self) -> None:
        self._timer = None
        if not self.window_pending or self.disposed:
            return
        self.window_pending = False
        self.inputs.note_timer()
        self.inputs.mark_input(self)

    def flush_window(self) -> None:
        """Read a pending coalesced value now (an urgent write of the same instance is being ticked)."""
        if self.window_pending:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self.window_pending = False
            self.inputs.mark_input(self)

    def touched_by(self, paths: Sequence[FieldPath]) -> bool:
        return isinstance(self.store, ModuleSource) and self.store.query.touches(paths)

    # -- the read and the write (in a tick, outside any window) -----------------------------------------------------

    def _read(self) -> Any:
        raw = self.store.get_snapshot() if self.source is None else self.store.query.select(self.source.state)
        return raw if self.select is None else self.select(raw)

    def pull(self) -> None:
        if self.fused or self.disposed or self.inst.disposed:
            return
        try:
            value = self._read()
        except Exception as exc:
            self._fuse(exc)
            return
        if self.equals(self._read_field(self.inst.state), value):
            return
        low = self.priority == "nonUrgent"
        # A failed write was reported by the kernel as a diagnostic; the field keeps its committed value.
        with contextlib.suppress(TickscopeError):
            self.inst.transact(_write(self.path, value), origin_kind=OWNER_ORIGIN, origin_name=self.path_text,
                               reason="field-external-store", priority="low" if low else "normal",
                               commit_mode="lowPriority" if low else "normal")

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
                               "instanceId": self.inst.instance_id}
        if self.window_ms:
            out["coalesceWindowMs"] = self.window_ms
        if self.meta:
            out["meta"] = self.meta
        return out


class ExternalFields:
    """The wired external-store fields of one runtime, by instance: wired at mount, disposed at unmount."""

    def __init__(self, kernel: Kernel, inputs: InputSink, links: DeclarativeLinks) -> None:
        self._kernel = kernel
        self._inputs = inputs
        self._links = links
        self._by_key: dict[str, list[ExternalFieldBinding]] = {}

    def wire(self, inst: ModuleInstance) -> None:
        """Resolve and start the instance's external-store fields (nothing is subscribed when one cannot be
        resolved: the error is raised first)."""
        bindings = [ExternalFieldBinding(self._kernel, self._inputs, self._links, inst, decl)
                    for decl in inst.declarations() if decl.kind == "externalStore"]
        if bindings:
            self._by_key[_key(inst)] = bindings
        for binding in bindings:
            binding.start()

    def unwire(self, inst: ModuleInstance) -> list[ExternalFieldBinding]:
        """Dispose the instance's fields; returns them (the scheduler drops their pending reads)."""
        bindings = self._by_key.pop(_key(inst), [])
        for binding in bindings:
            binding.dispose()
        return bindings

    def bindings(self) -> list[ExternalFieldBinding]:
        return [b for group in self._by_key.values() for b in group]

    def flush_urgent(self, fresh: Mapping[str, FreshModule]) -> None:
        """An urgent commit carries a pending coalesced value of its instance along into the same tick."""
        for key, item in fresh.items():
            if item.urgent:
                for binding in self._by_key.get(key, ()):
                    binding.flush_window()

    def pending_windows(self) -> int:
        return sum(1 for group in self._by_key.values() for b in group if b.window_pending)

    def static_ir(self) -> list[dict[str, Any]]:
        """ExternalStoreTraitStaticIr of every wired external-store field (module-as-source ones included)."""
        return [b.static_ir() for b in self.bindings()]

    def dispose(self) -> None:
        for group in self._by_key.values():
            for binding in group:
                binding.dispose()
        self._by_key.clear()


def _key(inst: ModuleInstance) -> str:
    return f"{inst.module_id}::{inst.instance_id}"
