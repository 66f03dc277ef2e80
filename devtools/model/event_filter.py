"""Which events the events table shows: kind, instance, time range, text or regex, and "touched field path X".

Every test but the path one is vectorised over the feed's columns and the interned string tables (a regex is tried
once per distinct label, not once per row). The path test needs each transaction's dirty set; the store's own index
answers it (`txns_touching`), caught up incrementally as rows arrive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from runtime.trace import EventStore

__all__ = ["EventFilter", "FilterError", "FilterableRows"]


class FilterError(ValueError):
    """A filter the user typed cannot be applied (e.g. an invalid regular expression); the message says why."""


class FilterableRows(Protocol):
    """What a filter reads of an event feed: its store, its visible row count and its numpy columns."""

    @property
    def store(self) -> EventStore: ...

    def __len__(self) -> int: ...

    def column(self, name: str, *, visible_only: bool = True) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class EventFilter:
    """What the events table shows; the default shows every row."""

    kinds: tuple[str, ...] = ()
    """Event kinds to show (`state`, `action`, `diagnostic`, ...); empty shows every kind."""
    instances: tuple[str, ...] = ()
    """Instance ids (from the sidebar selection); empty shows every instance."""
    text: str = ""
    """Case-insensitive substring (or regex when `regex`) matched against kind, label and instance."""
    regex: bool = False
    path: str = ""
    """Show only transactions whose dirty set overlaps this field path."""
    time_range: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def pattern(self) -> re.Pattern[str] | None:
        if not self.text:
            return None
        if not self.regex:
            return re.compile(re.escape(self.text), re.IGNORECASE)
        try:
            return re.compile(self.text, re.IGNORECASE)
        except re.error as err:
            raise FilterError(f"invalid regular expression {self.text!r}: {err}") from None

    def check(self, feed: FilterableRows) -> None:
        """Raise FilterError when this filter cannot apply to `feed` (a bad regex, a malformed path)."""
        self.pattern()
        if self.path:
            _path_rows(feed, self.path, 0)

    def rows(self, feed: FilterableRows, lo: int, hi: int) -> tuple[np.ndarray, int]:
        """The visible rows in [lo, hi) this filter shows, and how many transactions the path test could not map
        (their digest's static IR is unknown; 0 without a path)."""
        rows = self._match(feed, lo, hi)
        if not self.path:
            return rows, 0
        hits, unmapped = _path_rows(feed, self.path, lo)
        return np.intersect1d(rows, hits[hits < hi], assume_unique=True), unmapped

    def _match(self, feed: FilterableRows, lo: int, hi: int) -> np.ndarray:
        """Rows in [lo, hi) passing every test but the path one."""
        s = feed.store
        mask = np.ones(hi - lo, bool)
        if self.kinds:
            mask &= np.isin(feed.column("kind")[lo:hi], [s.kinds.codes[k] for k in self.kinds if k in s.kinds.codes])
        if self.instances:
            codes = [s.instances.codes[i] for i in self.instances if i in s.instances.codes]
            mask &= np.isin(feed.column("instance")[lo:hi], codes)
        if self.time_range is not None:
            ts = feed.column("ts")[lo:hi]
            mask &= (ts >= self.time_range[0]) & (ts <= self.time_range[1])
        pattern = self.pattern()
        if pattern is not None:
            text = np.isin(feed.column("label")[lo:hi], _codes_matching(s.labels.values, pattern))
            text |= np.isin(feed.column("kind")[lo:hi], _codes_matching(s.kinds.values, pattern))
            text |= np.isin(feed.column("instance")[lo:hi], _codes_matching(s.instances.values, pattern))
            mask &= text
        return np.flatnonzero(mask) + lo


def _codes_matching(names: list[str], pattern: re.Pattern[str]) -> np.ndarray:
    return np.asarray([c for c, name in enumerate(names) if pattern.search(name)], np.int64)


def _path_rows(feed: FilterableRows, path: str, lo: int) -> tuple[np.ndarray, int]:
    """Transaction rows at or after `lo` that touched `path`, and how many could not be mapped."""
    try:
        result = feed.store.index.txns_touching(path)
    except ValueError as err:
        raise FilterError(str(err)) from None
    rows = np.asarray(result.rows, np.int64)
    return rows[rows >= lo], result.unmapped_rows
