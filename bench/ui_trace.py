"""A synthetic but schema-shaped trace for the UI benchmark: transactions, converge decisions, ticks, runs, operations.

Writing a million events through a real runtime takes minutes; the UI benchmark measures the devtools, so it writes
the exported shapes directly (the same RuntimeDebugEventRef envelopes TraceWriter produces), deterministically.
"""

from __future__ import annotations

from pathlib import Path

from runtime.trace.writer import TraceWriter

__all__ = ["write_trace"]

INSTANCES = ("form#1", "search#1", "todos#1", "sensor#1")


def write_trace(path: Path, n_events: int, *, span_s: float = 100.0, t0_ms: float = 1.7e12) -> int:
    """Write about `n_events` events over `span_s` seconds; returns the number written."""
    writer = TraceWriter(path, label="bench", run_id="bench-ui", created_at=t0_ms)
    seqs = {i: 0 for i in INSTANCES}
    txn = {i: 0 for i in INSTANCES}
    step_ms = span_s * 1000.0 / max(n_events, 1)
    written = 0
    tick = 0
    k = 0

    def emit(inst: str, kind: str, label: str, meta: dict, ts: float, txn_seq: int = 0, link: str | None = None):
        nonlocal written
        seqs[inst] += 1
        ev = {"eventId": f"{inst}::e{seqs[inst]}", "eventSeq": seqs[inst], "moduleId": inst.split("#")[0],
              "instanceId": inst, "runtimeLabel": "bench", "txnSeq": txn_seq, "timestamp": ts, "kind": kind,
              "label": label, "meta": meta}
        if txn_seq:
            ev["txnId"] = f"{inst}::t{txn_seq}"
        if link:
            ev["linkId"] = link
        writer.write("debug:event", ev)
        written += 1

    while written < n_events:
        ts = t0_ms + written * step_ms
        inst = INSTANCES[k % len(INSTANCES)]
        k += 1
        if k % 40 == 1:
            tick += 1
            emit(inst, "devtools", "trace:tick", {"tickSeq": tick, "phase": "start"}, ts)
        txn[inst] += 1
        seq = txn[inst]
        full = seq % 7 == 0
        degraded = seq % 997 == 0
        emit(inst, "trait:converge", "trace:trait:converge", {
            "requestedMode": "auto", "executedMode": "full" if full else "dirty",
            "outcome": "Degraded" if degraded else "Converged", "configScope": "builtin",
            "staticIrDigest": "converge_ir_v2:bench", "executionBudgetMs": 200.0,
            "executionDurationMs": 0.05 + (seq % 5) * 0.01, "decisionBudgetMs": 0.5, "decisionDurationMs": 0.01,
            "reasons": ["cache_hit"], "stepStats": {"totalSteps": 12, "executedSteps": 12 if full else 3,
                                                    "skippedSteps": 0 if full else 9, "changedSteps": 2}},
            ts, seq)
        link = f"{inst}::o{seq // 500}" if seq % 500 < 3 else None
        emit(inst, "state", "state:update", {
            "dirtySet": {"dirtyAll": False, "rootIds": [seq % 12], "rootCount": 1, "keySize": 1, "keyHash": seq},
            "patchCount": 1, "patchesTruncated": False, "staticIrDigest": "converge_ir_v2:bench",
            "commitMode": "normal", "priority": "normal", "originKind": "action", "originName": "set"},
            ts + step_ms * 0.5, seq, link)
        if seq % 500 == 0:
            run = f"{inst}::o{seq // 500}"
            emit(inst, "action", "async-action", {"type": "async-action", "phase": "trigger", "actionId": "save",
                                                  "concurrencyPolicy": "latest-wins"}, ts, 0, run)
            emit(inst, "action", "async-action", {"type": "async-action", "phase": "settle", "actionId": "save",
                                                  "status": "success" if seq % 1500 else "cancelled",
                                                  "durationMs": step_ms * 40}, ts + step_ms * 40, 0, run)
        if k % 40 == 0:
            emit(inst, "devtools", "trace:tick", {"tickSeq": tick, "phase": "settled",
                                                  "budget": {"txnCount": 40, "elapsedMs": 1.0}}, ts + step_ms)
    writer.close()
    return written
