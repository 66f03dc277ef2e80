"""Trace files with chosen times: a 5 ms session, a long one with a burst, operations with deadlines.

A real runtime stamps events with the wall clock, so a test cannot ask it for "a trace of exactly 5 ms" or "one
transaction a second for a minute, then a burst". This writes the exported envelopes (the shapes TraceWriter writes
for a runtime) with the times a test chooses; the devtools load them like any recorded trace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runtime.trace import TraceWriter

T0_MS = 1.7e12


class TraceBuilder:
    """Writes one trace; times are seconds since the first event."""

    def __init__(self, path: Path, *, label: str = "app") -> None:
        self.path = path
        self.label = label
        self.writer = TraceWriter(path, label=label, run_id="tests", created_at=T0_MS)
        self._seq: dict[str, int] = {}
        self._txn: dict[str, int] = {}

    def _emit(self, inst: str, kind: str, label: str, meta: dict[str, Any], at_s: float, txn_seq: int = 0,
              link: str | None = None) -> None:
        seq = self._seq[inst] = self._seq.get(inst, 0) + 1
        event: dict[str, Any] = {"eventId": f"{inst}::e{seq}", "eventSeq": seq, "moduleId": inst.split("#")[0],
                                 "instanceId": inst, "runtimeLabel": self.label, "txnSeq": txn_seq,
                                 "timestamp": T0_MS + at_s * 1000.0, "kind": kind, "label": label, "meta": meta}
        if txn_seq:
            event["txnId"] = f"{inst}::t{txn_seq}"
        if link:
            event["linkId"] = link
        self.writer.write("debug:event", event)

    def txn(self, inst: str, at_s: float, *, mode: str = "dirty") -> int:
        """A committed transaction of `inst` (its converge decision, then its state:update); returns its txnSeq."""
        seq = self._txn[inst] = self._txn.get(inst, 0) + 1
        self._emit(inst, "trait:converge", "trace:trait:converge", {
            "requestedMode": "auto", "executedMode": mode, "outcome": "Converged", "configScope": "builtin",
            "executionBudgetMs": 200.0, "executionDurationMs": 0.01, "decisionBudgetMs": 0.5,
            "decisionDurationMs": 0.01, "reasons": ["cache_hit"],
            "stepStats": {"totalSteps": 2, "executedSteps": 1, "skippedSteps": 1, "changedSteps": 1}}, at_s, seq)
        self._emit(inst, "state", "state:update", {
            "dirtySet": {"dirtyAll": False, "rootIds": [0], "rootCount": 1, "keySize": 1, "keyHash": seq},
            "patchCount": 1, "patchesTruncated": False, "commitMode": "normal", "priority": "normal",
            "originKind": "action", "originName": "set"}, at_s, seq)
        return seq

    def op(self, inst: str, command_id: str, at_s: float, phase: str, stage: str, *,
           deadline_in_ms: float | None = None) -> None:
        """One operation event (`phase` and the `stage` after it), optionally promising a deadline."""
        meta: dict[str, Any] = {"type": "operation", "phase": phase, "commandId": command_id,
                                "correlationId": command_id, "kind": "todo.create", "target": "todo-1",
                                "stage": stage, "waitFor": "accepted", "detached": False, "factCount": 1}
        if deadline_in_ms is not None:
            meta["deadlineInMs"] = deadline_in_ms
        self._emit(inst, "operation", f"operation:{phase}", meta, at_s)

    def close(self) -> Path:
        self.writer.close()
        return self.path


def evenly_spread_trace(path: Path, span_s: float, count: int = 40, instances: tuple[str, ...] = ("shop#1",)) -> Path:
    """`count` transactions spread evenly over `span_s` seconds, round-robin over `instances`."""
    builder = TraceBuilder(path)
    for i in range(count):
        builder.txn(instances[i % len(instances)], span_s * i / max(count - 1, 1))
    return builder.close()
