"""Declarative links: module A's selector drives an action of module B, settled within the tick of A's commit.

    rt.links.declare("billing-city", source=billing, read=lambda s: s["city"], reads=["city"],
                     target=shipping, action="setCity")

A link reads its source through a ReadQuery (its declared reads are the edge the scheduler follows) and writes only
by dispatching `action` to the target with the selected value as payload, when that value changed (by the query's
`equals`). The tick applies links during its drain rounds, so after one tick both the source's and the target's new
states are published together. All links firing into one target in one round are fused into a single
`dispatch_batch`: one target commit however wide the fan-out.

A link reacts to changes after it was declared; it does not dispatch the value current at declaration.

A selector without declared reads still works but is evaluated on every commit of its source (a module-topic edge)
and is reported as `external_store::module_source_degraded`. Sources and targets are given as a ModuleInstance, a
Module with exactly one instance in this runtime, `"moduleId"` or `"moduleId::instanceId"`; anything else fails
with `external_store::unresolvable_module_id` naming it.

The link graph exports as DeclarativeLinkIR version 1 (`ir()`, `export()`), digest `dlink_ir_v1:<fnv1a32>`.
Module-as-source fields (`external_store(..., from_module(...))`) are edges of this graph at run time too; their
static IR is the external-store field table (`rt.external_fields.static_ir()`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from runtime.base.paths import FieldPath, fnv1a32_text, stable_stringify
from runtime.errors import DefinitionError, ExternalStoreError, TickscopeError
from runtime.sources.blackbox_links import BlackboxLink
from runtime.sources.resolve import InstanceRef, resolve_instance
from runtime.ticks.read_query import ReadQuery, as_read_query

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance
    from runtime.kernel.kernel import Kernel
    from runtime.ticks.job_queue import FreshModule
    from runtime.ticks.ports import InputSink

__all__ = ["DeclarativeLinks", "DeclarativeLink", "link_ir_digest"]

_MISSING: Any = object()


class ModuleSourceField(Protocol):
    """An external-store field that reads another module (`from_module`): an edge the links follow too."""

    def signal(self) -> None:
        """Its source committed something it reads: read it in this tick (with its instance's other fields)."""
        ...

    def touched_by(self, paths: Sequence[FieldPath]) -> bool: ...


def link_ir_digest(ir: dict[str, Any]) -> str:
    return f"dlink_ir_v1:{fnv1a32_text(stable_stringify(ir)):08x}"


def _key(inst: ModuleInstance) -> str:
    return f"{inst.module_id}::{inst.instance_id}"


class DeclarativeLink:
    """One declared link (returned by `declare`); `dispose()` removes it."""

    __slots__ = ("link_id", "source", "query", "target", "action", "_last", "_owner")

    # `_last` is the value last dispatched (or read at declaration): a change is measured against it.

    def __init__(self, owner: DeclarativeLinks, link_id: str, source: ModuleInstance, query: ReadQuery,
                 target: ModuleInstance, action: str) -> None:
        self._owner = owner
        self.link_id = link_id
        self.source = source
        self.query = query
        self.target = target
        self.action = action
        self._last: Any = _MISSING

    def changed(self, value: Any) -> bool:
        """Whether `value` differs from the last one (by the query's `equals`); remembers it when it does."""
        if self._last is not _MISSING and self.query.equals(self._last, value):
            return False
        self._last = value
        return True

    def __repr__(self) -> str:
        return f"<DeclarativeLink {self.link_id}: {_key(self.source)} -> {_key(self.target)}.{self.action}>"

    def dispose(self) -> None:
        self._owner.remove(self.link_id)

    def ir(self) -> dict[str, Any]:
        """This link as a DeclarativeLinkIR (version 1)."""
        read_id, dispatch_id = f"{self.link_id}::read", f"{self.link_id}::dispatch"
        return {
            "version": 1,
            "nodes": [
                {"id": read_id, "kind": "readQuery", "moduleId": self.source.module_id,
                 "instanceKey": _key(self.source), "readQuery": self.query.static_ir()},
                {"id": dispatch_id, "kind": "dispatch", "moduleId": self.target.module_id,
                 "instanceKey": _key(self.target), "actionTag": self.action},
            ],
            "edges": [{"from": read_id, "to": dispatch_id}],
        }


class DeclarativeLinks:
    """The declarative links of one runtime (`rt.links`)."""

    def __init__(self, kernel: Kernel, inputs: InputSink) -> None:
        self.kernel = kernel
        self.inputs = inputs
        self._links: dict[str, DeclarativeLink] = {}
        self._by_source: dict[str, list[DeclarativeLink]] = {}
        self._module_sources: dict[str, list[ModuleSourceField]] = {}
        self._blackboxes: dict[str, BlackboxLink] = {}

    # -- declaring --------------------------------------------------------------------------------------------------

    def declare(
        self,
        link_id: str,
        *,
        source: InstanceRef,
        read: ReadQuery | Callable[[Any], Any],
        target: InstanceRef,
        action: str,
        reads: Sequence[str | Sequence[str]] | None = None,
        selector_id: str | None = None,
    ) -> DeclarativeLink:
        """Dispatch `action` to `target` with `read(source state)` whenever that value changes."""
        if not isinstance(link_id, str) or not link_id or "::" in link_id:
            raise DefinitionError(f"link id {link_id!r} must be a non-empty string without '::'")
        if link_id in self._links:
            raise DefinitionError(f"link {link_id!r} is already declared in runtime {self.kernel.label!r}")
        query = as_read_query(read, reads, selector_id)
        src = resolve_instance(self.kernel, source, f"link {link_id!r} source")
        dst = resolve_instance(self.kernel, target, f"link {link_id!r} target")
        if action not in dst.module.reducers:
            known = ", ".join(sorted(dst.module.reducers)) or "none"
            raise DefinitionError(f"link {link_id!r}: module {dst.module_id!r} has no action {action!r} "
                                  f"(known: {known})")
        if query.selector_id is None:
            raise ExternalStoreError(
                "external_store::unstable_selector_id",
                f"link {link_id!r}: selector {query.debug_key} captures state (a closure or defaults), so it has no "
                "reproducible selectorId; pass selector_id=...",
            )
        link = DeclarativeLink(self, link_id, src, query, dst, action)
        try:
            link.changed(query.select(src.state))
        except Exception as exc:
            raise DefinitionError(f"link {link_id!r}: the selector raised {type(exc).__name__}: {exc} "
                                  f"on the current state of {_key(src)}") from exc
        if not query.static:
            self.report_degraded(src, query, f"link {link_id!r}")
        self._links[link_id] = link
        self._by_source.setdefault(_key(src), []).append(link)
        return link

    def blackbox(self, link_id: str, *, source: InstanceRef,
                 run: Callable[[Any], Awaitable[Any]]) -> BlackboxLink:
        """A link the ticks cannot see into: `run(state)` is started after every commit of `source` and what it
        dispatches settles in a later tick (best effort; see runtime.sources.blackbox_links)."""
        if not isinstance(link_id, str) or not link_id or "::" in link_id:
            raise DefinitionError(f"link id {link_id!r} must be a non-empty string without '::'")
        if link_id in self._links or link_id in self._blackboxes:
            raise DefinitionError(f"link {link_id!r} is already declared in runtime {self.kernel.label!r}")
        src = resolve_instance(self.kernel, source, f"link {link_id!r} source")
        link = BlackboxLink(self.kernel, link_id, src, run)
        self._blackboxes[link_id] = link
        return link

    def remove(self, link_id: str) -> None:
        box = self._blackboxes.pop(link_id, None)
        if box is not None:
            box.dispose()
            return
        link = self._links.pop(link_id, None)
        if link is None:
            raise DefinitionError(f"no link {link_id!r} in runtime {self.kernel.label!r}")
        group = self._by_source.get(_key(link.source), [])
        if link in group:
            group.remove(link)

    def get(self, link_id: str) -> DeclarativeLink:
        return self._links[link_id]

    def __iter__(self) -> Iterator[DeclarativeLink]:
        return iter(list(self._links.values()))

    def __len__(self) -> int:
        return len(self._links)

    def report_degraded(self, source: ModuleInstance, query: ReadQuery, what: str) -> None:
        self.kernel.sink.diagnostic(
            module_id=source.module_id, instance_id=source.instance_id, code="external_store::module_source_degraded",
            severity="warning",
            message=f"{what}: selector {query.debug_key} declares no reads, so it runs on every commit of "
            f"{_key(source)} (a module-topic edge)",
            hint="declare the paths it reads: reads=[...]",
        )

    # -- module-as-source edges (registered by external-store fields) -----------------------------------------------

    def add_module_source(self, binding: ModuleSourceField, source: ModuleInstance) -> None:
        self._module_sources.setdefault(_key(source), []).append(binding)

    def remove_module_source(self, binding: ModuleSourceField, source: ModuleInstance) -> None:
        group = self._module_sources.get(_key(source))
        if group and binding in group:
            group.remove(binding)

    def forget(self, inst: ModuleInstance) -> None:
        """Drop the links whose source or target is `inst` (it is unmounting)."""
        for link in list(self._links.values()):
            if link.source is inst or link.target is inst:
                self.remove(link.link_id)
        for box in list(self._blackboxes.values()):
            if box.source is inst:
                self.remove(box.link_id)
        self._module_sources.pop(_key(inst), None)

    # -- the tick's drain rounds ------------------------------------------------------------------------------------

    def watched(self) -> tuple[Mapping[str, list[DeclarativeLink]], Mapping[str, list[ModuleSourceField]]]:
        """The links and module-as-source fields by source instance key, live (kept up to date in place; read
        them, never change them): a commit of a key with neither makes no link act."""
        return self._by_source, self._module_sources

    def has_work_for(self, fresh: Mapping[str, FreshModule]) -> bool:
        return any(self._by_source.get(k) or self._module_sources.get(k) for k in fresh)

    def apply(self, fresh: Mapping[str, FreshModule]) -> None:
        """Evaluate the links of the instances that committed; fuse the dispatches per target."""
        if not self._by_source and not self._module_sources:
            return
        per_target: dict[str, tuple[ModuleInstance, list[tuple[str, Any]]]] = {}
        for key, item in fresh.items():
            links = self._by_source.get(key)
            bindings = self._module_sources.get(key)
            if not links and not bindings:
                continue
            paths = None if item.paths is None else tuple(item.paths)
            for link in links or ():
                if paths is not None and not link.query.touches(paths):
                    continue
                if link.target.disposed:
                    continue
                try:
                    value = link.query.select(item.inst.state)
                except Exception as exc:
                    self.kernel.sink.diagnostic(
                        module_id=item.inst.module_id, instance_id=item.inst.instance_id, code="read_query::eval_error",
                        severity="error", error=exc,
                        message=f"link {link.link_id!r}: selector raised {type(exc).__name__}: {exc}; "
                        "nothing dispatched",
                    )
                    continue
                if not link.changed(value):
                    continue
                group = per_target.setdefault(_key(link.target), (link.target, []))
                group[1].append((link.action, value))
            for binding in bindings or ():
                if paths is None or binding.touched_by(paths):
                    binding.signal()
        for target, actions in per_target.values():
            try:
                if len(actions) == 1:
                    target.dispatch(actions[0][0], actions[0][1])
                else:
                    target.dispatch_batch(actions)
            except TickscopeError:
                pass  # the kernel reported the aborted transaction as a diagnostic; the tick goes on

    # -- export -----------------------------------------------------------------------------------------------------

    def ir(self) -> dict[str, Any]:
        """The whole link graph of this runtime as one DeclarativeLinkIR (version 1)."""
        nodes: list[dict[str, Any]] = []
        edges: list[dict[str, Any]] = []
        for link in self._links.values():
            one = link.ir()
            nodes += one["nodes"]
            edges += one["edges"]
        return {"version": 1, "nodes": nodes, "edges": edges}

    def export(self) -> list[dict[str, Any]]:
        """One static-IR export per link: `{staticIrDigest, moduleId: 'link:<id>', instanceId, kind, ir}`."""
        out = []
        for link in self._links.values():
            ir = link.ir()
            out.append({"staticIrDigest": link_ir_digest(ir), "moduleId": f"link:{link.link_id}",
                        "instanceId": self.kernel.label, "kind": "declarativeLinkIr", "ir": ir})
        return out
