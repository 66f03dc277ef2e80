"""Dirty sets back to field paths, and "which transactions touched field path X".

A `state:update` event carries its dirty set as FieldPathIds plus the `staticIrDigest` of the module shape that
numbered them. The ids mean something only through the ConvergeStaticIrExport of that digest (its `fieldPaths`
table): with the table an id becomes `items.price`; without it the id is shown as `#7` with a warning, never
guessed from another generation's table.

A path query is prefix-aware: a transaction touched `items.price` when it wrote `items` (a prefix, the whole list)
or `items.price` or anything under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .event_store import TXN_KIND, EventStore

__all__ = ["DirtyPath", "dirty_paths", "TouchIndex", "path_overlaps"]


@dataclass(frozen=True, slots=True)
class DirtyPath:
    """One root of a transaction's dirty set, as a user reads it."""

    path_id: int | None
    text: str
    """`items.price`, or `#7` when the id cannot be mapped."""
    known: bool
    """False when the digest's static IR is unknown or the id is outside its table."""


def _paths_of(store: EventStore, digest: str | None) -> Sequence[Sequence[str]] | None:
    if not digest:
        return None
    export = store.static_irs.get(digest)
    return None if export is None else export.get("fieldPaths")


def dirty_paths(store: EventStore, event: dict[str, Any]) -> tuple[list[DirtyPath], str | None]:
    """The dirty roots of a `state:update` event and a warning when some could not be mapped (else None)."""
    meta = event.get("meta") or {}
    dirty = meta.get("dirtySet") or {}
    if dirty.get("dirtyAll"):
        return [DirtyPath(None, "* (everything)", True)], f"dirty all: {dirty.get('reason', 'unknown reason')}"
    digest = meta.get("staticIrDigest")
    table = _paths_of(store, digest)
    out: list[DirtyPath] = []
    unknown = 0
    for pid in dirty.get("rootIds") or ():
        if table is not None and isinstance(pid, int) and 0 <= pid < len(table):
            out.append(DirtyPath(pid, ".".join(table[pid]), True))
        else:
            out.append(DirtyPath(pid if isinstance(pid, int) else None, f"#{pid}", False))
            unknown += 1
    warning = None
    if unknown:
        why = "its static IR digest is unknown" if table is None else "they are outside the digest's path table"
        warning = f"{unknown} id(s) could not be mapped to field paths: {why} ({digest or 'no digest'})"
    if dirty.get("rootIdsTruncated"):
        extra = f"only {len(out)} of {dirty.get('rootCount')} roots were exported"
        warning = f"{warning}; {extra}" if warning else extra
    return out, warning


def path_overlaps(a: Sequence[str], b: Sequence[str]) -> bool:
    """True when one path is a prefix of the other (writing `items` touches `items.price` and vice versa)."""
    n = min(len(a), len(b))
    return tuple(a[:n]) == tuple(b[:n])


class TouchIndex:
    """Per transaction row, the field paths it wrote; built incrementally, in chunks the caller paces."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._done = 0
        self._rows: list[int] = []
        self._paths: list[tuple[tuple[str, ...], ...] | None] = []
        """None means dirty-all: it touched every path."""

    @property
    def pending(self) -> int:
        """Rows of the store not indexed yet."""
        return len(self.store) - self._done

    def update(self, budget_rows: int = 20_000) -> bool:
        """Index up to `budget_rows` more rows; True when the index is complete."""
        store = self.store
        if self._done > len(store):  # the store was cleared
            self._done, self._rows, self._paths = 0, [], []
        end = min(len(store), self._done + budget_rows)
        code = store.kinds.codes.get(TXN_KIND)
        if code is not None and end > self._done:
            rows = np.flatnonzero(store.kind_codes[self._done : end] == code) + self._done
            for row in rows.tolist():
                self._rows.append(row)
                self._paths.append(self._touched(store.event(row)))
        self._done = end
        return self._done == len(store)

    def _touched(self, event: dict[str, Any]) -> tuple[tuple[str, ...], ...] | None:
        meta = event.get("meta") or {}
        dirty = meta.get("dirtySet") or {}
        if dirty.get("dirtyAll"):
            return None
        table = _paths_of(self.store, meta.get("staticIrDigest"))
        if table is None:
            return ()
        return tuple(tuple(table[i]) for i in dirty.get("rootIds") or () if isinstance(i, int) and 0 <= i < len(table))

    def rows_touching(self, path: str) -> np.ndarray:
        """Transaction rows (indexed so far) whose dirty set overlaps `path` (dotted, indices allowed)."""
        want = tuple(seg for seg in path.strip().split(".") if seg and not seg.isdigit())
        hits = [row for row, touched in zip(self._rows, self._paths)
                if touched is None or any(path_overlaps(want, p) for p in touched)]
        return np.asarray(hits, np.int64)
