"""The busy policy and its values: how long a pending thing waits before it shows, and how long it then stays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from runtime.errors import DefinitionError

__all__ = ["BusyPhase", "BusyPolicy", "BusyState", "IDLE"]

BusyPhase = Literal["idle", "waiting", "visible"]


@dataclass(frozen=True, slots=True)
class BusyPolicy:
    """`delay_ms`: pending for less than this never shows (a fast save does not flicker). `min_duration_ms`: once
    shown, it stays at least this long (a slow save does not blink off). `allow_nested`: when False, a boundary
    whose ancestor is visible is suppressed (its UI shows nothing; its facts stay counted)."""

    delay_ms: float = 150.0
    min_duration_ms: float = 300.0
    allow_nested: bool = False

    def __post_init__(self) -> None:
        for name in ("delay_ms", "min_duration_ms"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise DefinitionError(f"BusyPolicy.{name} must be a number of milliseconds >= 0, not {value!r}")


@dataclass(frozen=True, slots=True)
class BusyState:
    """One boundary's state (what a widget bound to it shows). Times are monotonic milliseconds of its clock."""

    phase: BusyPhase = "idle"
    pending_count: int = 0
    first_pending_at_mono_ms: float | None = None
    visible_since_mono_ms: float | None = None
    suppressed_by_ancestor: bool = False

    @property
    def visible(self) -> bool:
        """The boundary is in its visible phase (facts: true even when an ancestor suppresses its UI)."""
        return self.phase == "visible"

    @property
    def shown(self) -> bool:
        """What the UI shows: visible and not suppressed by a visible ancestor."""
        return self.phase == "visible" and not self.suppressed_by_ancestor

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"phase": self.phase, "visible": self.visible, "pendingCount": self.pending_count}
        if self.first_pending_at_mono_ms is not None:
            out["firstPendingAtMonoMs"] = self.first_pending_at_mono_ms
        if self.visible_since_mono_ms is not None:
            out["visibleSinceMonoMs"] = self.visible_since_mono_ms
        if self.suppressed_by_ancestor:
            out["suppressedByAncestor"] = True
        return out


IDLE = BusyState()
