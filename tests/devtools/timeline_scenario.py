"""A small session written event by event at chosen times (epoch ms), for the timeline's model tests: a run with
one transaction, a dispatched action with its transaction, two ticks with their backlogs, one operation."""

from __future__ import annotations

from typing import Any

from devtools.model.timeline_model import TimelineModel
from runtime.trace import EventStore

T0 = 1_000_000.0
"""Epoch ms of the first event."""


def event(store: EventStore, ms: float, kind: str, label: str, *, instance: str = "shop#1", txn: int = 0,
          link: str | None = None, meta: dict[str, Any] | None = None) -> int:
    """Append one debug event `ms` after T0; returns its row."""
    payload: dict[str, Any] = {"eventId": f"{instance}::e{len(store) + 1}", "eventSeq": len(store) + 1,
                               "moduleId": "shop" if instance != "app" else "runtime", "instanceId": instance,
                               "runtimeLabel": "app", "txnSeq": txn, "timestamp": T0 + ms, "kind": kind,
                               "label": label, "meta": meta or {}}
    if link is not None:
        payload["linkId"] = link
    store.append("debug:event", payload)
    return len(store) - 1


def tick(store: EventStore, seq: int, start: float, end: float, backlog: int) -> None:
    event(store, start, "devtools", "trace:tick", instance="app", meta={"tickSeq": seq, "phase": "start"})
    event(store, end, "devtools", "trace:tick", instance="app",
          meta={"tickSeq": seq, "phase": "settled", "budget": {"txnCount": 1},
                "backlog": {"pendingExternalInputs": backlog - 1, "pendingDeferredWork": 1}})


def run_phase(store: EventStore, ms: float, phase: str, **extra: Any) -> int:
    return event(store, ms, "action", "async-action", link="shop#1::r1",
                 meta={"type": "async-action", "phase": phase, "actionId": "save", **extra})


def operation(store: EventStore, ms: float, phase: str, stage: str) -> int:
    return event(store, ms, "operation", f"operation:{phase}", link="shop#1::r1",
                 meta={"type": "operation", "phase": phase, "commandId": "c1", "correlationId": "c1",
                       "kind": "todo.create", "target": "todo-1", "stage": stage, "waitFor": "ready",
                       "detached": False, "factCount": 1})


def scenario() -> tuple[EventStore, TimelineModel, dict[str, int]]:
    """The store, its synced model, and the rows worth naming."""
    store = EventStore()
    rows = {"trigger": run_phase(store, 0.0, "trigger", concurrencyPolicy="latest-wins")}
    run_phase(store, 1.0, "pending")
    rows["run_txn"] = event(store, 10.0, "state", "state:update", txn=1, link="shop#1::r1")
    tick(store, 1, 11.0, 12.0, backlog=3)
    rows["action"] = event(store, 20.0, "action", "add", txn=2, meta={"actionTag": "add"})
    rows["add_txn"] = event(store, 21.0, "state", "state:update", txn=2)
    tick(store, 2, 22.0, 25.0, backlog=1)
    rows["submitted"] = operation(store, 30.0, "submitted", "submitted")
    operation(store, 40.0, "ready", "ready")
    rows["settle"] = run_phase(store, 50.0, "settle", status="success", durationMs=50.0, txnSeqs=[1])
    model = TimelineModel()
    while model.sync(store, budget_s=1.0):
        pass
    return store, model, rows
