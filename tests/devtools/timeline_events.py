"""Emitting async-action and operation events with the exported shapes (schemas 088 and operation-event-meta).

For the retention tests, which need many runs and operations with chosen timestamps and only their shapes matter:
the helpers emit them through the runtime's own sink. The panes themselves are tested on real runs of an
ActionCoordinator and an OperationTracker against the loopback backend (test_runs_operations.py).
"""

from __future__ import annotations

from typing import Any

from runtime import Runtime


def run_events(rt: Runtime, instance_id: str, link: str, *, t0: float, status: str, duration: float,
               policy: str = "latest-wins", cancel_reason: str | None = None, txn_seqs: list[int] | None = None,
               module_id: str = "shop") -> list[dict[str, Any]]:
    out = []
    for phase, ts, extra in (("trigger", t0, {"concurrencyPolicy": policy}), ("pending", t0 + 0.1, {}),
                             ("settle", t0 + duration, {"status": status, "durationMs": duration,
                                                        **({"cancelReason": cancel_reason} if cancel_reason else {}),
                                                        **({"txnSeqs": txn_seqs} if txn_seqs else {})})):
        out.append(rt.sink.emit(module_id=module_id, instance_id=instance_id, kind="action", label="async-action",
                                link_id=link, timestamp=ts,
                                meta={"type": "async-action", "phase": phase, "actionId": "save", **extra}))
    return out


def op_event(rt: Runtime, instance_id: str, command_id: str, *, ts: float, phase: str, stage: str,
             event_stage: str | None = None, link: str | None = None, deadline_in_ms: float | None = None,
             detached: bool = False, disposition: str | None = None, module_id: str = "shop") -> dict[str, Any]:
    meta: dict[str, Any] = {"type": "operation", "phase": phase, "commandId": command_id,
                            "correlationId": command_id, "kind": "todo.create", "target": "todo-1", "stage": stage,
                            "waitFor": "accepted", "detached": detached, "factCount": 1}
    if event_stage:
        meta["eventStage"] = event_stage
        meta["source"] = "sse"
        meta["attempt"] = 1
    if disposition:
        meta["disposition"] = disposition
    if deadline_in_ms is not None:
        meta["deadlineInMs"] = deadline_in_ms
    return rt.sink.emit(module_id=module_id, instance_id=instance_id, kind="operation", label=f"operation:{phase}",
                        link_id=link, timestamp=ts, meta=meta)
