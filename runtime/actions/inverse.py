"""The bounded inverse of an optimistic change: what it wrote, as `(path, before, after)` leaves, and how to undo it.

    changes = record_inverse(before_state, after_state)          # raises OptimisticError past the bounds
    undo(draft, changes, owned_by_later)                         # inside the rollback's transaction window

A change is recorded down to the leaves that differ (committed states share untouched subtrees, so unchanged
branches are skipped by identity). List rows are addressed by their `id` key when every row is a dict that has one
(a `Row(index, id)` segment), else by position; a list of id-less rows whose length changed is one leaf. Undoing a
change:

- a row the change added is removed (found by its id, whatever was written into it since);
- a row the change removed is put back at its old position (clamped), unless a row with its id is there again;
- a value the change wrote is restored only while it still holds what the change wrote: a newer write wins.

Bounds: at most MAX_CHANGES leaves and MAX_DEPTH path segments (deeper differences are one leaf at that depth);
a change past MAX_CHANGES is refused before anything is applied.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping, MutableSequence
from dataclasses import dataclass
from typing import Any

from runtime.base.state_access import MISSING, same_value
from runtime.base.state_root import STATE_MAPPINGS
from runtime.errors import OptimisticError

__all__ = ["MAX_CHANGES", "MAX_DEPTH", "Change", "Row", "overlaps", "path_json", "record_inverse", "same_path", "undo"]

MAX_CHANGES = 64
MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class Row:
    """A list segment: the row's position when recorded and, when rows carry one, its `id`."""

    index: int
    id: Any = MISSING

    def key(self) -> Any:
        return ("id", self.id) if self.id is not MISSING else ("index", self.index)


@dataclass(frozen=True, slots=True)
class Change:
    path: tuple[Any, ...]
    """dict keys and Row segments."""
    before: Any
    """MISSING when the change created it."""
    after: Any
    """MISSING when the change deleted it."""


def _keyed(rows: list[Any]) -> bool:
    return all(isinstance(r, dict) and "id" in r for r in rows)


def record_inverse(before: Any, after: Any, *, max_changes: int = MAX_CHANGES,
                   max_depth: int = MAX_DEPTH) -> tuple[Change, ...]:
    """The leaves `after` changed relative to `before` (both committed or finished states)."""
    diff = _Diff(max_changes, max_depth)
    diff.walk(before, after, ())
    return tuple(diff.out)


class _Diff:
    __slots__ = ("max_changes", "max_depth", "out")

    def __init__(self, max_changes: int, max_depth: int) -> None:
        self.max_changes = max_changes
        self.max_depth = max_depth
        self.out: list[Change] = []

    def add(self, change: Change) -> None:
        self.out.append(change)
        if len(self.out) > self.max_changes:
            raise OptimisticError(f"an optimistic change may write at most {self.max_changes} values; this one wrote "
                                  "more (apply a smaller change, or write it as an ordinary transaction)")

    def walk(self, a: Any, b: Any, path: tuple[Any, ...]) -> None:
        if a is b:
            return
        deep = len(path) < self.max_depth
        # walked key by key by exact class (a subclass of dict is compared whole, as before)
        if deep and a.__class__ in STATE_MAPPINGS and b.__class__ in STATE_MAPPINGS:
            for key in [*a, *(k for k in b if k not in a)]:
                self.walk(a.get(key, MISSING), b.get(key, MISSING), (*path, key))
            return
        if deep and a.__class__ is list and b.__class__ is list:
            if _keyed(a) and _keyed(b):
                self.walk_keyed(a, b, path)
                return
            if len(a) == len(b):
                for i, (x, y) in enumerate(zip(a, b, strict=True)):
                    self.walk(x, y, (*path, Row(i)))
                return
        if not same_value(a, b):
            self.add(Change(path, a, b))

    def walk_keyed(self, a: list[Any], b: list[Any], path: tuple[Any, ...]) -> None:
        old = {r["id"]: (i, r) for i, r in enumerate(a)}
        new = {r["id"]: (i, r) for i, r in enumerate(b)}
        if len(old) != len(a) or len(new) != len(b):  # duplicate ids: rows cannot be told apart
            self.add(Change(path, a, b))
            return
        for rid, (i, row) in old.items():
            if rid not in new:
                self.add(Change((*path, Row(i, rid)), row, MISSING))
        for rid, (i, row) in new.items():
            if rid not in old:
                self.add(Change((*path, Row(i, rid)), MISSING, row))
            else:
                self.walk(old[rid][1], row, (*path, Row(i, rid)))


def _norm(path: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(seg.key() if isinstance(seg, Row) else ("key", seg) for seg in path)


def same_path(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return _norm(a) == _norm(b)


def overlaps(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """One path is the other or lies below it."""
    na, nb = _norm(a), _norm(b)
    n = min(len(na), len(nb))
    return na[:n] == nb[:n]


def path_json(path: tuple[Any, ...]) -> list[Any]:
    return [seg.index if isinstance(seg, Row) else seg for seg in path]


def _find_row(rows: Any, seg: Row) -> int | None:
    if seg.id is MISSING:
        return seg.index if 0 <= seg.index < len(rows) else None
    if 0 <= seg.index < len(rows) and isinstance(rows[seg.index], Mapping) and rows[seg.index].get("id") == seg.id:
        return seg.index
    for i, row in enumerate(rows):
        if isinstance(row, Mapping) and row.get("id") == seg.id:
            return i
    return None


def _container(draft: Any, path: tuple[Any, ...]) -> Any:
    """The draft container holding the last segment of `path`; None when the way there is gone."""
    node = draft
    for seg in path[:-1]:
        if isinstance(seg, Row):
            if not isinstance(node, MutableSequence):
                return None
            i = _find_row(node, seg)
            if i is None:
                return None
            node = node[i]
        else:
            if not isinstance(node, MutableMapping) or seg not in node:
                return None
            node = node[seg]
    return node


def _undo_one(draft: Any, change: Change) -> bool:
    """Undo one change; False when it was left alone (its place is gone, or a newer write holds it)."""
    holder = _container(draft, change.path)
    if holder is None:
        return False
    last = change.path[-1] if change.path else None
    if isinstance(last, Row):
        if not isinstance(holder, MutableSequence):
            return False
        i = _find_row(holder, last)
        if change.before is MISSING:  # the change added this row: take it out, whatever was written into it since
            if i is None:
                return False
            del holder[i]
            return True
        if change.after is MISSING:  # the change removed this row: put it back where it was
            if i is not None and last.id is not MISSING:
                return False
            holder.insert(min(last.index, len(holder)), change.before)
            return True
        if i is None or not same_value(_plain(holder[i]), change.after):
            return False
        holder[i] = change.before
        return True
    if last is None:
        return False  # a whole-state change is refused before it is recorded (bodies write through the draft)
    if not isinstance(holder, MutableMapping):
        return False
    current = holder.get(last, MISSING)
    if not same_value(_plain(current), change.after):
        return False
    if change.before is MISSING:
        del holder[last]
    else:
        holder[last] = change.before
    return True


def _plain(value: Any) -> Any:
    snapshot = getattr(value, "snapshot", None)
    return snapshot() if callable(snapshot) else value


def undo(draft: Any, changes: tuple[Change, ...]) -> Iterator[tuple[Change, bool]]:
    """Undo `changes` newest first inside a window; yields each change with whether it was undone."""
    for change in reversed(changes):
        yield change, _undo_one(draft, change)
