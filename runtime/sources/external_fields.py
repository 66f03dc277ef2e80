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
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from runtime.base.paths import FieldPath, path_text
from runtime.base.state_access import compile_reader, same_value
from runtime.errors import DefinitionError, ExternalStoreError, TickscopeError
from runtime.fields.declarations import FieldDecl, PathLike, as_field_path
from runtime.sources.external_store import ModuleSource, is_external_store

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance
    from runtime.ticks.scheduler import TickScheduler

__all__ = ["external_store", "ExternalFieldBinding", "bindings_for", "OWNER_ORIGIN"]

OWNER_ORIGIN = "field-external-store"
_PRIORITIES = ("urgent", "nonUrgent")


def external_store(
    target: PathLike,
    store: Any,
    *,
    select: Callable[[Any], Any] | None = None,
    equals: Callable[[Any, Any], bool] | None = None,
    priority: str = "urgent",
    coalesce_window_ms: float | None = None,
    meta: Mapping[str, Any] | None = None,
) -> FieldDecl:
    """Declare that `target` mirrors `store` (an ExternalStore, or `from_module(...)`)."""
    tgt = as_field_path(target, "external_store target")
    where = f"external_store {path_text(tgt)}"
    if not isinstance(store, ModuleSource) and not is_external_store(store):
        raise DefinitionError(f"{where}: {store!r} is not an ExternalStore (it needs get_snapshot() and "
                              "subscribe(listener))")
    if select is not None and not callable(select):
        raise DefinitionError(f"{where}: select must be callable")
    if equals is not None and not callable(equals):
        raise DefinitionError(f"{where}: equals must be callable")
    if priority not in _PRIORITIES:
        raise DefinitionError(f"{where}: priority must be 'urgent' or 'nonUrgent', not {priority!r}")
    if coalesce_window_ms is not None and (isinstance(coalesce_window_ms, bool)
                                           or not isinstance(coalesce_window_ms, (int, float))
                                           or coalesce_window_ms <= 0):
        raise DefinitionError(f"{where}: coalesce_window_ms must be a positive number of milliseconds")
    options = {"store": store, "select": select, "priority": priority, "coalesce_window_ms": coalesce_window_ms,
               "meta": dict(meta or {}), "owner_origin": OWNER_ORIGIN}
    return FieldDecl("externalStore", tgt, (), None, equals, label=f"externalStore:{path_text(tgt)}",
                     converges=False, options=options)


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

    def __init__(self, scheduler: TickScheduler, inst: ModuleInstance, decl: FieldDecl) -> None:
        opts = decl.options
        self.scheduler = scheduler
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
            self.source = self.store.resolve(inst.runtime, what)
            if query.selector_id is None:
                raise ExternalStoreError(
                    "external_store::unstable_selector_id",
                    f"{what}: selector {query.debug_key} captures state (a closure or defaults), so it has no "
                    "reproducible selectorId; pass selector_id=...",
                )
        self.store_id: str = getattr(self.store, "store_id", None) or f"{inst.instance_id}:{self.path_text}"

    def __repr__(self) -> str:
        return f"<ExternalFieldBinding {self.inst.instance_id}.{self.path_text}>"

    # -- lifecycle --------------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Subscribe, then read: nothing emitted in between is lost."""
        if self.source is not None:
            self.scheduler.links.add_module_source(self, self.source)
            if not self.store.query.static:
                self.scheduler.links.report_degraded(self.source, self.store.query,
                                                     f"external_store {self.path_text} of {self.inst.instance_id}")
        else:
            self._unsubscribe = self.store.subscribe(self._on_emit)
        if self.inst.runtime.in_transaction:
            self.scheduler.mark_input(self)  # never read a store inside a transaction window
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
                self.inst.runtime.sink.diagnostic(
                    module_id=self.inst.module_id, instance_id=self.inst.instance_id,
                    code="external_store::unsubscribe_threw", severity="warning", error=exc,
                    message=f"{self!r}: unsubscribe raised {type(exc).__name__}: {exc}",
                )
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.window_pending = False
        if self.source is not None:
            self.scheduler.links.remove_module_source(self, self.source)

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
        self.scheduler.mark_input(self)

    def _window_elapsed(self) -> None:
        self._timer = None
        if not self.window_pending or self.disposed:
            return
        self.window_pending = False
        self.scheduler.note_timer()
        self.scheduler.mark_input(self)

    def flush_window(self) -> None:
        """Read a pending coalesced value now (an urgent write of the same instance is being ticked)."""
        if self.window_pending:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self.window_pending = False
            self.scheduler.mark_input(self)

    def touched_by(self, paths: Sequence[FieldPath]) -> bool:
        return isinstance(self.store, ModuleSource) and self.store.query.touches(paths)

    # -- the read and the write (in a tick, outside any window) -----------------------------------------------------

    def _read(self) -> Any:
        if self.source is not None:
            raw = self.store.query.select(self.source.state)
        else:
            raw = self.store.get_snapshot()
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
        try:
            self.inst.transact(_write(self.path, value), origin_kind=OWNER_ORIGIN, origin_name=self.path_text,
                               reason="field-external-store", priority="low" if low else "normal",
                               commit_mode="lowPriority" if low else "normal")
        except TickscopeError:
            pass  # reported by the kernel as a diagnostic; the field keeps its committed value

    def _fuse(self, exc: Exception) -> None:
        self.fused = True
        self._stop()
        self.inst.runtime.sink.diagnostic(
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


def bindings_for(scheduler: TickScheduler, inst: ModuleInstance) -> list[ExternalFieldBinding]:
    """The external-store fields of an instance, resolved (raises before anything is subscribed)."""
    decls = [*inst.module.fields, *getattr(inst, "_installed", ())]
    return [ExternalFieldBinding(scheduler, inst, d) for d in decls if d.kind == "externalStore"]
