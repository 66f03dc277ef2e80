"""What the item models read of an event feed (devtools.model.event_feed.EventFeed is one).

The item models adapt whatever satisfies this Protocol to Qt's model API; they never import the pure models, so the
pure side stays testable and importable without Qt and the adapters stay thin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np

from runtime.trace import EventStore

__all__ = ["EventRows"]


class EventRows(Protocol):
    """An event store with a visible prefix: `len()` rows are shown, per-instance counts of those rows."""

    @property
    def store(self) -> EventStore: ...

    @property
    def instance_labels(self) -> Mapping[str, str]:
        """Instance id -> the label its `module:init` event gave it."""
        ...

    def __len__(self) -> int: ...

    def column(self, name: str, *, visible_only: bool = True) -> np.ndarray:
        """One store column as numpy, for the visible rows."""
        ...

    def instance_counts(self) -> dict[str, int]:
        """Visible rows per instance id."""
        ...
