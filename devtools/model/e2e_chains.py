"""End-to-end chains of action runs rebuilt from `trace:e2e` events (092), pure Python, no Qt.

Each event is one segment `{kind: devtools, label: trace:e2e, linkId, meta: {type: e2e-trace, segmentKind,
startMonoMs, durationMs, reasonCode?, tickSeq?, linkIds?, droppedLinkIdCount?}}`. A tick-level segment (notify:*,
react:commit, paint) names up to 4 runs in `linkIds`: it belongs to the chain of each. A run's action -> paint
latency is from its `action:pending` start to the end of the first paint that carried it after its settle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .runs import meta_of

__all__ = ["E2E_SEGMENT_KINDS", "E2EChain", "E2EIndex", "E2ESegment", "is_e2e_event"]

E2E_SEGMENT_KINDS = ("action:pending", "io:wait", "txn:commit", "notify:scheduled", "notify:flush", "react:commit",
                     "paint", "action:settle")
"""The 092 segment kinds in the order a run's chain goes through them."""


def is_e2e_event(event: dict[str, Any]) -> bool:
    return event.get("kind") == "devtools" and event.get("label") == "trace:e2e"


@dataclass(frozen=True, slots=True)
class E2ESegment:
    kind: str
    start_ms: float
    """Monotonic ms since the runtime started."""
    duration_ms: float
    row: int
    tick_seq: int | None = None
    txn_seq: int | None = None
    reason: str | None = None
    shared_with: int = 0
    """How many other runs the same tick-level event carried (linkIds and dropped ones)."""

    @property
    def end_ms(self) -> float:
        return self.start_ms + self.duration_ms


@dataclass(slots=True)
class E2EChain:
    link_id: str
    instance_id: str
    segments: list[E2ESegment] = field(default_factory=list)

    @property
    def settled(self) -> bool:
        return any(s.kind == "action:settle" for s in self.segments)

    def action_to_paint_ms(self) -> float | None:
        """Trigger to the end of the first paint that started after the settle ended (the paint that shows the
        settled state); None until both are known."""
        starts = [s.start_ms for s in self.segments if s.kind == "action:pending"]
        settles = [s.end_ms for s in self.segments if s.kind == "action:settle"]
        if not starts or not settles:
            return None
        paints = [s.end_ms for s in self.segments if s.kind == "paint" and s.start_ms >= settles[0]]
        return min(paints) - min(starts) if paints else None

    def total_ms(self, kind: str) -> float:
        """The summed duration of one segment kind (io:wait and txn:commit can occur many times)."""
        return sum(s.duration_ms for s in self.segments if s.kind == kind)

    def ordered(self) -> list[E2ESegment]:
        return sorted(self.segments, key=lambda s: (s.start_ms, E2E_SEGMENT_KINDS.index(s.kind)
                                                     if s.kind in E2E_SEGMENT_KINDS else 99))


class E2EIndex:
    """Chains by linkId, in the order their first segment arrived."""

    def __init__(self) -> None:
        self.chains: dict[str, E2EChain] = {}
        self.version = 0

    def feed(self, row: int, event: dict[str, Any]) -> list[E2EChain]:
        """Take one event; returns the chains it added a segment to (none for other events)."""
        if not is_e2e_event(event):
            return []
        meta = meta_of(event)
        kind, start, duration = meta.get("segmentKind"), meta.get("startMonoMs"), meta.get("durationMs")
        if not isinstance(kind, str) or not isinstance(start, int | float) or not isinstance(duration, int | float):
            return []
        first = event.get("linkId")
        links = [lid for lid in meta.get("linkIds", []) if isinstance(lid, str)] or (
            [first] if isinstance(first, str) else [])
        dropped = int(meta.get("droppedLinkIdCount", 0) or 0)
        tick = meta.get("tickSeq")
        txn = event.get("txnSeq")
        reason = meta.get("reasonCode")
        segment = E2ESegment(kind, float(start), float(duration), row, tick if isinstance(tick, int) else None,
                             txn if isinstance(txn, int) and txn > 0 else None,
                             reason if isinstance(reason, str) else None, len(links) - 1 + dropped)
        touched = []
        for lid in links:
            chain = self.chains.get(lid)
            if chain is None:
                chain = self.chains[lid] = E2EChain(lid, str(event.get("instanceId", "")))
            chain.segments.append(segment)
            touched.append(chain)
        self.version += 1
        return touched

    def slowest(self, n: int | None = None) -> list[E2EChain]:
        """Chains with a known action -> paint latency, slowest first."""
        known = [c for c in self.chains.values() if c.action_to_paint_ms() is not None]
        known.sort(key=lambda c: -(c.action_to_paint_ms() or 0.0))
        return known if n is None else known[:n]

    def release(self, n: int) -> set[str]:
        """The store let its oldest `n` rows go: segments of those rows go; a chain left empty goes (their linkIds
        are returned, as RunIndex.release returns its runs')."""
        gone = set()
        for lid in list(self.chains):
            chain = self.chains[lid]
            chain.segments = [E2ESegment(s.kind, s.start_ms, s.duration_ms, s.row - n, s.tick_seq, s.txn_seq,
                                         s.reason, s.shared_with) for s in chain.segments if s.row >= n]
            if not chain.segments:
                del self.chains[lid]
                gone.add(lid)
        self.version += 1
        return gone
