"""Degraded-tick telemetry: an opt-in hook for production health signals, called even at diagnostics off.

A tick that was not stable, or that was forced onto a later loop turn, is a degraded tick; when the telemetry's
`on_tick_degraded` is set, it is called with a slim `DegradedTick` for the ticks its `sample_rate` picks
(docs/rules/ticks.md). Sampling is deterministic, by a hash of the tickSeq: the same ticks are picked in every run,
without random numbers. The hook runs after the tick, outside any transaction window; one that raises is logged and
the tick goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runtime.errors import DefinitionError

__all__ = ["DegradedTick", "TickTelemetry", "sampled"]

_MASK32 = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class DegradedTick:
    """What the hook is told about one degraded tick."""

    tick_seq: int
    stable: bool
    degrade_reason: str | None
    """budget_steps | cycle_detected when the tick was not stable."""
    forced_macrotask: bool
    schedule_reason: str | None
    """Why the tick was forced onto a later loop turn: microtask_starvation | budget | cycle_detected."""
    microtask_chain_depth: int
    deferred_work_count: int

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tickSeq": self.tick_seq, "stable": self.stable,
                               "microtaskChainDepth": self.microtask_chain_depth,
                               "deferredWorkCount": self.deferred_work_count}
        if self.degrade_reason:
            out["degradeReason"] = self.degrade_reason
        if self.forced_macrotask:
            out["forcedMacrotask"] = True
        if self.schedule_reason:
            out["scheduleReason"] = self.schedule_reason
        return out


@dataclass(frozen=True, slots=True)
class TickTelemetry:
    """`on_tick_degraded(DegradedTick)` for the degraded ticks `sample_rate` (0 .. 1, 0 by default: off) picks."""

    sample_rate: float = 0.0
    on_tick_degraded: Callable[[DegradedTick], None] | None = None

    def __post_init__(self) -> None:
        rate = self.sample_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0:
            raise DefinitionError(f"TickTelemetry.sample_rate must be a number in 0 .. 1, not {rate!r}")
        if self.on_tick_degraded is not None and not callable(self.on_tick_degraded):
            raise DefinitionError("TickTelemetry.on_tick_degraded must be callable")

    @property
    def active(self) -> bool:
        return self.on_tick_degraded is not None and self.sample_rate > 0.0


def sampled(tick_seq: int, rate: float) -> bool:
    """Whether the tick is in the sample: a hash of the tickSeq scaled to 0 .. 1, below the rate."""
    if rate <= 0.0:
        return False
    if rate >= 1.0:
        return True
    h = (((tick_seq & _MASK32) ^ 0x9E3779B9) * 0x85EBCA6B) & _MASK32
    return h / _MASK32 < rate
