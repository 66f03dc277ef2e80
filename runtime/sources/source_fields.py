"""The `source` field: an async resource selected by a key of the state, held as a snapshot in one field.

    user_source = source("user", deps=["userId"], key=lambda s: s["userId"], load=fetch_user)
    m = Module("profile", initial={"userId": None, "user": None}, fields=[user_source])
    inst = rt.mount(m)
    sources = attach_sources(inst)          # in a running asyncio loop

The field holds `{status: idle | loading | success | error, keyHash, data, error}`:
- after a commit that touched the deps, `key(state)` is evaluated; an unchanged keyHash is skipped unless the refresh
  is forced; a new key writes `loading` (its own transaction, right after the one that changed the key), then the
  load runs as a task (never inside a window) and writes `success` or `error` in another transaction;
- a key becoming None resets the field to idle inside the very transaction that removed the key (no tearing);
- concurrency `switch`: the latest key wins, an older load is cancelled and its result dropped (generation guard);
  `exhaust-trailing`: while a load runs, key changes wait; when it ends, one more load runs for the latest key.
A source is the single writer of its field (FieldDecl converges=False): a computed on the same field is refused as
MULTIPLE_WRITERS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from runtime.base.field_decl import FieldDecl
from runtime.base.paths import DirtySet, FieldPath, path_text, stable_stringify
from runtime.base.state_access import compile_reader
from runtime.base.task_set import TaskSet
from runtime.debug.sink import error_summary
from runtime.fields.source import IDLE, SOURCE_CONCURRENCY, source
from runtime.resources import ResourceCache, ResourceDef, resource

if TYPE_CHECKING:
    from runtime.base.records import TxnRecord
    from runtime.kernel.instance import ModuleInstance

__all__ = ["source", "attach_sources", "SourceController", "IDLE", "SOURCE_CONCURRENCY"]

_ORIGIN: Final = "source-refresh"


@dataclass(slots=True)
class _Slot:
    decl: FieldDecl
    read: Callable[[Any], Any]
    dep_ids: tuple[int, ...]
    requested_hash: str | None = None
    generation: int = 0
    task: asyncio.Task[None] | None = None
    trailing: tuple[Any, str] | None = None
    resource: ResourceDef | None = None
    """How the load goes through a resource cache, when the controller has one."""

    @property
    def name(self) -> str:
        return path_text(self.decl.target)


def _touches(dirty: DirtySet, slot: _Slot, prefix_ids: Sequence[Sequence[int]]) -> bool:
    if dirty.dirty_all:
        return True
    for root in dirty.root_ids:
        for dep in slot.dep_ids:
            if root == dep or root in prefix_ids[dep] or dep in prefix_ids[root]:
                return True
    return False


def _write(draft: Any, path: FieldPath, value: Any) -> None:
    node = draft
    for seg in path[:-1]:
        node = node[seg]
    node[path[-1]] = value


class SourceController:
    """Keeps the source fields of one instance loaded. Create it with `attach_sources(inst)`."""

    def __init__(self, inst: ModuleInstance, resources: ResourceCache | None = None) -> None:
        self.inst = inst
        self.resources = resources
        registry = inst.shape.registry
        decls = [d for d in inst.declarations() if d.kind == "source"]
        cached = resources is not None
        self._slots = [_Slot(d, compile_reader(d.target), tuple(registry.id_of[p] for p in d.deps),
                             resource=resource(d.options["resource"], d.options["load"]) if cached else None)
                       for d in decls]
        self._prefix_ids = registry.prefix_ids
        self._tasks: TaskSet[None] = TaskSet()
        self.disposed = False
        self._off_hook = inst.add_window_hook(self._in_window, "source-idle")
        self._off_commit = inst.subscribe(self._after_commit)
        self._off_dispose = inst.on_dispose(self.dispose)

    @property
    def fields(self) -> list[str]:
        return [s.name for s in self._slots]

    def running_tasks(self) -> list[asyncio.Task[None]]:
        return self._tasks.running()

    # -- inside a window: only the idle reset ----------------------------------------------------------------------

    def _in_window(self, txn: Any, draft: Any, base_dirty: DirtySet) -> None:
        root = draft.snapshot()
        for slot in self._slots:
            if not _touches(base_dirty, slot, self._prefix_ids):
                continue
            if slot.decl.options["key"](root) is None and slot.read(root) != IDLE:
                _write(draft, slot.decl.target, dict(IDLE))

    # -- after commits: decide refreshes ---------------------------------------------------------------------------

    def _after_commit(self, record: TxnRecord, state: Any) -> None:
        if self.disposed or record.origin.kind == _ORIGIN:
            return
        for slot in self._slots:
            if _touches(record.dirty, slot, self._prefix_ids):
                self._evaluate(slot, state, force=False)

    def start(self) -> None:
        """Evaluate every source once on the current state (what mounting means for a source)."""
        for slot in self._slots:
            state = self.inst.get_state()
            if slot.decl.options["key"](state) is None and slot.read(state) != IDLE:
                self._writeback(slot, dict(IDLE), "idle")
            self._evaluate(slot, self.inst.get_state(), force=False)

    def refresh(self, field: str, *, force: bool = True) -> None:
        """Re-evaluate one source field now; `force` reloads even when the keyHash did not change."""
        for slot in self._slots:
            if slot.name == field:
                self._evaluate(slot, self.inst.get_state(), force=force)
                return
        raise KeyError(f"{self.inst.instance_id} has no source field {field!r} (it has: {', '.join(self.fields)})")

    def _evaluate(self, slot: _Slot, state: Any, *, force: bool) -> None:
        key = slot.decl.options["key"](state)
        if key is None:
            self._drop(slot)
            slot.requested_hash = None
            slot.trailing = None
            return
        key_hash = stable_stringify(key)
        if key_hash == slot.requested_hash and not force:
            return
        if slot.decl.options["concurrency"] == "exhaust-trailing" and slot.task is not None and not slot.task.done():
            slot.trailing = (key, key_hash)
            return
        self._drop(slot)
        self._begin(slot, key, key_hash)

    def _drop(self, slot: _Slot) -> None:
        slot.generation += 1  # whatever is in flight now writes nothing
        if slot.task is not None and not slot.task.done():
            slot.task.cancel()
        slot.task = None

    def _begin(self, slot: _Slot, key: Any, key_hash: str) -> None:
        slot.requested_hash = key_hash
        slot.trailing = None
        generation = slot.generation
        self._writeback(slot, {"status": "loading", "keyHash": key_hash, "data": None, "error": None}, "loading")
        slot.task = self._tasks.start(self._load(slot, key, key_hash, generation),
                                      f"source:{self.inst.instance_id}:{slot.name}")

    async def _load(self, slot: _Slot, key: Any, key_hash: str, generation: int) -> None:
        try:
            if slot.resource is not None and self.resources is not None:
                data = await self.resources.read(slot.resource, key)  # shared with every reader of the key
            else:
                data = await slot.decl.options["load"](key)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            status = "error"
            snapshot = {"status": status, "keyHash": key_hash, "data": None,
                        "error": error_summary(exc, "source::load_failed")}
        else:
            status = "success"
            snapshot = {"status": status, "keyHash": key_hash, "data": data, "error": None}
        if generation != slot.generation or self.disposed:
            return  # superseded (switch) or the key went away: the result is dropped
        slot.task = None
        self._writeback(slot, snapshot, status)
        if slot.trailing is not None and not self.disposed:
            key, trailing_hash = slot.trailing
            slot.trailing = None
            if trailing_hash != key_hash:
                self._begin(slot, key, trailing_hash)

    def _writeback(self, slot: _Slot, snapshot: dict[str, Any], phase: str) -> None:
        if self.inst.disposed:
            return
        self.inst.transact(lambda draft: _write(draft, slot.decl.target, snapshot), origin_kind=_ORIGIN,
                           origin_name=slot.name, details={"phase": phase, "keyHash": snapshot["keyHash"]},
                           reason=_ORIGIN)

    # -- disposal ---------------------------------------------------------------------------------------------------

    def dispose(self) -> None:
        if self.disposed:
            return
        self.disposed = True
        for slot in self._slots:
            self._drop(slot)
        self._off_hook()
        self._off_commit()
        self._off_dispose()

    async def aclose(self) -> None:
        self.dispose()
        await self._tasks.wait_all()


def attach_sources(inst: ModuleInstance, *, start: bool = True,
                   resources: ResourceCache | None = None) -> SourceController:
    """Install the controller of `inst`'s source fields (needs a running asyncio loop) and evaluate them once.
    With `resources` (e.g. `rt.resources`) every load goes through that cache, keyed by the field's resource name
    and its key: readers of one key share one load, a switch releases its consumer, and cached keys load at once."""
    controller = SourceController(inst, resources)
    if start:
        controller.start()
    return controller
