"""The demo's event mix at any rate: record the embedded demo once, then hand its records out again and again.

The demo drives itself in real time (a 60 Hz sensor, typing, saves) and exports about 500 events a second; a
retention benchmark needs hundreds of thousands of them. `await record_demo(seconds)` runs the real demo runtime
with every record its hub exports; `DemoMix.stream(n)` then yields `n` records cycling through the recording,
each cycle moved on in time and in every sequence (event, transaction and tick seqs, run and command ids), so the
stream reads as one long session to the devtools: transactions and ticks never repeat, every run and operation is
new, and interned strings grow as they would live. Static IRs and module mounts are sent in the first cycle only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DemoMix", "record_demo"]

Record = tuple[str, dict[str, Any]]


@dataclass(slots=True)
class DemoMix:
    """One recording of the demo and how far each cycle moves it on."""

    records: list[Record]
    span_ms: float
    """Time from the first to the last event, plus a gap: how far each cycle moves the timestamps on."""
    max_txn: dict[str, int] = field(default_factory=dict)
    max_event: dict[str, int] = field(default_factory=dict)
    max_tick: int = 0

    @property
    def events(self) -> int:
        """debug:event records in one cycle."""
        return sum(1 for kind, _ in self.records if kind == "debug:event")

    def stream(self, n: int) -> Iterator[Record]:
        """`n` records (static IRs and mounts of the first cycle included), cycling through the recording."""
        sent = cycle = 0
        while sent < n:
            for kind, payload in self.records:
                if cycle and (kind != "debug:event" or payload.get("label") == "module:init"):
                    continue
                yield kind, payload if not cycle else self._moved(payload, cycle)
                sent += 1
                if sent >= n:
                    return
            cycle += 1

    def _moved(self, p: dict[str, Any], cycle: int) -> dict[str, Any]:
        iid = str(p.get("instanceId"))
        out = dict(p)
        out["timestamp"] = float(p.get("timestamp") or 0.0) + cycle * self.span_ms
        seq = p.get("eventSeq")
        if isinstance(seq, int):
            out["eventSeq"] = seq + cycle * self.max_event.get(iid, 0)
            out["eventId"] = f"{iid}::e{out['eventSeq']}"
        txn = p.get("txnSeq")
        if isinstance(txn, int) and txn:
            out["txnSeq"] = txn + cycle * self.max_txn.get(iid, 0)
            out["txnId"] = f"{iid}::t{out['txnSeq']}"
        if isinstance(p.get("linkId"), str):
            out["linkId"] = f"{p['linkId']}~{cycle}"
        meta = p.get("meta")
        if isinstance(meta, dict):
            meta = out["meta"] = dict(meta)
            if isinstance(meta.get("tickSeq"), int):
                meta["tickSeq"] += cycle * self.max_tick
            for key in ("commandId", "correlationId"):
                if isinstance(meta.get(key), str):
                    meta[key] = f"{meta[key]}~{cycle}"
        return out


async def record_demo(seconds: float, diagnostics: str = "full") -> DemoMix:
    """Run the embedded demo for `seconds` on the running loop and keep every record its hub exported."""
    from devtools.demo import run_demo
    from runtime import Runtime

    rt = Runtime(label="demo", diagnostics=diagnostics, buffer_size=500)  # type: ignore[arg-type]
    records: list[Record] = []
    rt.hub.tap(lambda kind, payload: records.append((kind, payload)))
    await run_demo(rt, seconds)
    rt.dispose()
    mix = DemoMix(records, 0.0)
    stamps = [float(p["timestamp"]) for k, p in records if k == "debug:event" and "timestamp" in p]
    mix.span_ms = (max(stamps) - min(stamps) + 1.0) if stamps else 1.0
    for kind, p in records:
        if kind != "debug:event":
            continue
        iid = str(p.get("instanceId"))
        if isinstance(p.get("txnSeq"), int):
            mix.max_txn[iid] = max(mix.max_txn.get(iid, 0), p["txnSeq"])
        if isinstance(p.get("eventSeq"), int):
            mix.max_event[iid] = max(mix.max_event.get(iid, 0), p["eventSeq"])
        meta = p.get("meta")
        if isinstance(meta, dict) and isinstance(meta.get("tickSeq"), int):
            mix.max_tick = max(mix.max_tick, meta["tickSeq"])
    return mix
