"""How much of a live session the devtools keep: a bound in events and in bytes, and what letting go says.

A live feed grows with every event the runtime exports; without a bound a long session takes the machine's memory.
`RetentionBound.excess(rows, nbytes)` says how many of the oldest rows to let go: none while both counts are within
the bound, else enough to get back to LOW_WATER of it. Going back below the bound, not just to it, lets the rows go
in chunks (a tenth of the bound at a time) instead of one by one, so each event costs the same small share of one
release and the panes rebuild nothing per event.

>>> RetentionBound(max_events=1000, max_bytes=0).excess(1001, 10**9)
101
>>> describe_release(Release(rows=120_000, nbytes=38 * 2**20))
'let go 120,000 oldest events (38 MB)'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["RetentionBound", "Release", "describe_release", "format_bytes", "LOW_WATER", "MB"]

LOW_WATER = 0.9
"""After a release the feed holds at most this share of its bound."""
MB = 2**20


@dataclass(frozen=True, slots=True)
class RetentionBound:
    """At most `max_events` rows and `max_bytes` bytes of the store (0: no bound of that kind)."""

    max_events: int
    max_bytes: int

    @classmethod
    def from_settings(cls, retain_events: int, retain_mb: int) -> RetentionBound:
        return cls(max(0, retain_events), max(0, retain_mb) * MB)

    @property
    def bounded(self) -> bool:
        return bool(self.max_events or self.max_bytes)

    def excess(self, rows: int, nbytes: int) -> int:
        """How many of the oldest of `rows` rows (holding `nbytes`) to let go now; 0 within the bound."""
        over_rows = self.max_events and rows > self.max_events
        over_bytes = self.max_bytes and nbytes > self.max_bytes
        if not rows or not (over_rows or over_bytes):
            return 0
        n = 0
        if self.max_events:
            n = rows - math.floor(self.max_events * LOW_WATER)
        if self.max_bytes and nbytes:
            # rows hold about the same bytes each: the share of bytes to free is the share of rows to let go
            n = max(n, math.ceil(rows * (1.0 - self.max_bytes * LOW_WATER / nbytes)))
        return min(rows, max(1, n))


@dataclass(frozen=True, slots=True)
class Release:
    """One release of the oldest rows: how many, the bytes the store no longer holds, and where they went."""

    rows: int
    nbytes: int
    spilled_to: str | None = None
    """The trace file the rows were appended to before they were let go (None: dropped)."""
    first_event: int = 0
    """The store's event number (counting from 0) of the first row let go."""
    problem: str | None = None
    """Why the rows were dropped although spilling was on (the spill file could not be written)."""


def format_bytes(n: int) -> str:
    if n >= 10 * MB:
        return f"{n / MB:.0f} MB"
    if n >= MB:
        return f"{n / MB:.1f} MB"
    return f"{max(1, round(n / 1024)) if n else 0} KB"


def describe_release(release: Release) -> str:
    """What a status bar says about a release."""
    what = f"{release.rows:,} oldest event{'s' if release.rows != 1 else ''} ({format_bytes(release.nbytes)})"
    if release.spilled_to is not None:
        return f"spilled {what} to {release.spilled_to}"
    return f"let go {what}" + (f" — {release.problem}" if release.problem else "")
