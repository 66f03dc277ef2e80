"""Turning a transaction's raw writes into its id-first dirty set.

The rules (docs/rules/transactions.md):

- a write without a path -> dirty-all `customMutation`;
- a path segment that is neither text nor an index -> `nonTrackablePatch`;
- a segment with a dot in it (ambiguous as a dot-path), or a path missing from the table -> `fallbackPolicy`;
- a whole-state replace is diffed one level down by top-level key identity; a list key of the same length records
  its changed indices (up to 64, else the list root); nothing inferable -> `unknownWrite`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from runtime.base.paths import Ambiguous, DirtySet, FieldPathRegistry, NotTrackable, normalize_path

__all__ = ["PathClassifier", "DirtyTracker", "infer_replace", "MAX_INFERRED_LIST_INDICES"]

MAX_INFERRED_LIST_INDICES = 64
_CACHE_LIMIT = 8192


class PathClassifier:
    """Raw write path -> FieldPathId, or the dirty-all reason when it has none (memoised per raw path)."""

    __slots__ = ("registry", "_cache")

    def __init__(self, registry: FieldPathRegistry) -> None:
        self.registry = registry
        self._cache: dict[tuple[Any, ...], int | str] = {}

    def classify(self, raw: tuple[Any, ...] | None) -> int | str:
        if raw is None:
            return "customMutation"
        try:
            return self._cache[raw]
        except KeyError:
            pass
        except TypeError:  # an unhashable segment
            return "nonTrackablePatch"
        try:
            result: int | str = self.registry.id_of.get(normalize_path(raw), "fallbackPolicy")
        except NotTrackable:
            result = "nonTrackablePatch"
        except Ambiguous:
            result = "fallbackPolicy"
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[raw] = result
        return result


class DirtyTracker:
    """Accumulates the dirty path ids of one phase of a transaction."""

    __slots__ = ("ids", "dirty_all_reason")

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.dirty_all_reason: str | None = None

    def add(self, classified: int | str) -> None:
        if classified.__class__ is int:
            self.ids.add(classified)
        elif self.dirty_all_reason is None:
            self.dirty_all_reason = classified  # type: ignore[assignment]  # not an int: a reason

    @property
    def touched(self) -> bool:
        return bool(self.ids) or self.dirty_all_reason is not None

    def snapshot(self, registry: FieldPathRegistry, also: Iterable["DirtyTracker"] = ()) -> DirtySet:
        reason = self.dirty_all_reason
        ids = self.ids
        for other in also:
            reason = reason or other.dirty_all_reason
            ids = ids | other.ids
        if reason is not None:
            return DirtySet.everything(reason)
        return DirtySet.from_roots(registry.roots(ids))


def infer_replace(before: Any, after: Any) -> list[tuple[Any, ...]] | None:
    """Raw paths changed by replacing `before` with `after`, one level deep ([] when nothing changed); None when
    nothing can be inferred (either side is not a dict)."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return None
    paths: list[tuple[Any, ...]] = []
    for key in [*before, *(k for k in after if k not in before)]:
        old = before.get(key, _ABSENT)
        new = after.get(key, _ABSENT)
        if old is new:
            continue
        if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
            changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a is not b]
            if 0 < len(changed) <= MAX_INFERRED_LIST_INDICES:
                paths.extend((key, i) for i in changed)
                continue
        paths.append((key,))
    return paths


_ABSENT = object()
