"""Continuation events into module state: every event of an operation submitted from an instance becomes one
ordinary transaction on that instance (origin `operation`, name `operation:<command_id>`, carrying the run's linkId).

    binding = StateBinding(inst, mirror_key="operations")
    binding.on("failed", lambda draft, ev: draft["errors"].append(ev.error.code), kind="todo.create")

The mirror (when `mirror_key` names a top-level dict of the state) keeps one summary per operation, the newest
`max_mirrored` of them; the binding is its single writer. It is written as a whole (one top-level path), so the
transaction's dirty set stays precise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.operations.machine import OperationState
from runtime.operations.records import EVENT_TYPES, OperationEvent
from runtime.operations.stages import Stage

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance

__all__ = ["StateBinding", "operation_summary"]

Handler = Callable[[Any, OperationEvent], None]


@dataclass(frozen=True, slots=True)
class _Route:
    type: str
    handler: Handler
    kind: str | None
    stage: Stage | None


def operation_summary(state: OperationState) -> dict[str, Any]:
    """The JSON summary of an operation that module state (and the devtools) show."""
    out: dict[str, Any] = {
        "commandId": state.command_id, "correlationId": state.correlation_id, "kind": state.kind,
        "target": state.target, "linkId": state.link_id, "stage": str(state.stage),
        "waitFor": str(state.wait_for), "detached": state.detached, "version": state.version,
        "lateFacts": sum(1 for f in state.facts if f.disposition == "late"),
        "lateResolution": str(state.late_resolution) if state.late_resolution else None,
        "error": state.error.to_json() if state.error else None,
    }
    return out


class StateBinding:
    """Writes the continuation events of one instance's operations into its state."""

    def __init__(self, inst: ModuleInstance, *, mirror_key: str | None = "operations", max_mirrored: int = 64) -> None:
        self.inst = inst
        self.mirror_key = mirror_key
        self.max_mirrored = max_mirrored
        self._routes: list[_Route] = []

    def on(self, type_: str, handler: Handler, *, kind: str | None = None, stage: Stage | str | None = None) -> None:
        """Run `handler(draft, event)` inside the event's transaction when type (and kind, stage) match."""
        if type_ not in EVENT_TYPES:
            raise ValueError(f"unknown operation event type {type_!r}; known: {', '.join(EVENT_TYPES)}")
        self._routes.append(_Route(type_, handler, kind, Stage(stage) if stage is not None else None))

    def __call__(self, event: OperationEvent, state: OperationState) -> None:
        if self.inst.disposed:
            return
        routes = [r for r in self._routes if r.type == event.type and (r.kind is None or r.kind == event.kind)
                  and (r.stage is None or r.stage == event.stage)]
        mirror = self.mirror_key is not None and isinstance(self.inst.get_state().get(self.mirror_key), dict)
        if not routes and not mirror:
            return
        summary = operation_summary(state)
        key = self.mirror_key

        def body(draft: Any) -> None:
            if mirror:
                current = dict(draft.snapshot().get(key) or {})
                current.pop(state.command_id, None)
                current[state.command_id] = summary
                while len(current) > self.max_mirrored:
                    current.pop(next(iter(current)))
                draft[key] = current
            for route in routes:
                route.handler(draft, event)

        self.inst.transact(body, origin_kind="operation", origin_name=f"operation:{event.command_id}",
                           details={"type": event.type, "stage": str(event.stage), "kind": event.kind},
                           reason="operation", link_id=event.link_id)
