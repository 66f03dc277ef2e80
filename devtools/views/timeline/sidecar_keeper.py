"""Keeps a recorded trace's timeline notes (bookmarks, lane layout) in its sidecar file: read when the timeline
opens on the trace, written after each change. Live and attached sessions have no trace file: their notes last as
long as the window. A sidecar that cannot be read is reported, never fatal; the trace opens without its notes.
"""

from __future__ import annotations

from pathlib import Path

from ...model.lane_layout import LaneLayout
from ...model.sidecar import Bookmark, bookmarks_from_json, read_sidecar, write_sidecar

__all__ = ["SidecarKeeper"]


class SidecarKeeper:
    def __init__(self, trace: str | None) -> None:
        self.trace = Path(trace) if trace else None
        self.problem: str | None = None
        """Why the sidecar could not be read or written (shown in the timeline's status), else None."""

    def load(self, layout: LaneLayout) -> list[Bookmark]:
        """Apply the stored lane layout to `layout` and return the stored bookmarks."""
        if self.trace is None:
            return []
        try:
            data = read_sidecar(self.trace)
            bookmarks = bookmarks_from_json(data.get("bookmarks", []))
            if "lanes" in data:
                layout.load_json(data["lanes"])
        except ValueError as err:  # a SidecarError, or a malformed lane layout
            self.problem = f"timeline notes not restored: {err}"
            return []
        return bookmarks

    def save(self, layout: LaneLayout, bookmarks: list[Bookmark]) -> None:
        if self.trace is None:
            return
        try:
            write_sidecar(self.trace, {"bookmarks": [b.to_json() for b in bookmarks], "lanes": layout.to_json()})
            self.problem = None
        except OSError as err:
            self.problem = f"timeline notes not saved: {err}"
