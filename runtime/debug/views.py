"""The debug hub's snapshot views: what it knows of each runtime besides its event window.

Per runtime label: the live instances (a count per module and a label per instance), the latest state and the
latest field summary of each live instance (read from `state:update` events), and the export budget (events whose
meta was cut or converted, events let go of the window). The views do not depend on the window: with a window of
size 0 they are kept all the same. An instance leaves every view at its destroy, and a later event of it (a late
`state:update`) does not bring it back: only a mount does.

Keys follow the reference: `runtimeLabel::moduleId` for counts, `runtimeLabel::moduleId::instanceId` for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ExportBudget", "RuntimeViews", "DevtoolsSnapshot"]


@dataclass(slots=True)
class ExportBudget:
    """What export cut (`oversized`, `non_serializable` events) and what the window let go (`dropped`)."""

    oversized: int = 0
    non_serializable: int = 0
    dropped: int = 0

    def to_json(self) -> dict[str, int]:
        return {"oversized": self.oversized, "nonSerializable": self.non_serializable, "dropped": self.dropped}


@dataclass(slots=True)
class RuntimeViews:
    """The views of one runtime label."""

    label: str
    counts: dict[str, int] = field(default_factory=dict)
    """moduleId -> live instances."""
    labels: dict[str, str] = field(default_factory=dict)
    """moduleId::instanceId -> the instance's label, for live instances only."""
    latest_states: dict[str, Any] = field(default_factory=dict)
    latest_field_summaries: dict[str, Any] = field(default_factory=dict)
    budget: ExportBudget = field(default_factory=ExportBudget)
    pending_states: dict[str, tuple[Any, bool]] = field(default_factory=dict)
    """moduleId::instanceId -> its latest unbuilt state:update (a PendingEvent) and whether it was recorded at level
    full; the hub takes it into the latest views when they are read."""

    def mounted(self, module_id: str, instance_id: str, label: str) -> None:
        key = f"{module_id}::{instance_id}"
        if key not in self.labels:
            self.counts[module_id] = self.counts.get(module_id, 0) + 1
        self.labels[key] = label

    def destroyed(self, module_id: str, instance_id: str) -> bool:
        """Forget the instance everywhere; False when it was not live."""
        key = f"{module_id}::{instance_id}"
        if self.labels.pop(key, None) is None:
            return False
        left = self.counts.get(module_id, 1) - 1
        if left > 0:
            self.counts[module_id] = left
        else:
            self.counts.pop(module_id, None)
        self.latest_states.pop(key, None)
        self.latest_field_summaries.pop(key, None)
        self.pending_states.pop(key, None)
        return True

    def state_update(self, event: dict[str, Any]) -> bool:
        """Take the state and field summary of a `state:update` of a live instance; False when it changed nothing."""
        key = f"{event['moduleId']}::{event['instanceId']}"
        meta = event.get("meta")
        if key not in self.labels or not isinstance(meta, dict):
            return False
        if "state" in meta:
            self.latest_states[key] = meta["state"]
        if "fieldSummary" in meta:
            self.latest_field_summaries[key] = meta["fieldSummary"]
        return True

    def note_downgrade(self, reason: str) -> None:
        if reason == "non_serializable":
            self.budget.non_serializable += 1
        else:
            self.budget.oversized += 1


@dataclass(frozen=True, slots=True)
class DevtoolsSnapshot:
    """One consistent reading of the hub (one runtime's, or every runtime's), current as of `token`."""

    token: int
    events: list[dict[str, Any]]
    instances: dict[str, int]
    """runtimeLabel::moduleId -> live instance count."""
    instance_labels: dict[str, str]
    """runtimeLabel::moduleId::instanceId -> label."""
    latest_states: dict[str, Any]
    latest_field_summaries: dict[str, Any]
    export_budget: dict[str, dict[str, int]]
    """runtimeLabel -> {oversized, nonSerializable, dropped}."""
    buffer_size: int = 0

    @classmethod
    def of(cls, token: int, events: list[dict[str, Any]], views: list[RuntimeViews],
           buffer_size: int) -> DevtoolsSnapshot:
        return cls(
            token=token, events=events,
            instances={f"{v.label}::{m}": n for v in views for m, n in v.counts.items()},
            instance_labels={f"{v.label}::{k}": label for v in views for k, label in v.labels.items()},
            latest_states={f"{v.label}::{k}": s for v in views for k, s in v.latest_states.items()},
            latest_field_summaries={f"{v.label}::{k}": s for v in views for k, s in v.latest_field_summaries.items()},
            export_budget={v.label: v.budget.to_json() for v in views},
            buffer_size=buffer_size,
        )
