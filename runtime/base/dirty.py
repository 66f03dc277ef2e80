"""Turning a transaction's writes (and any explicit dirty evidence) into its id-first dirty set.

The rules (docs/rules/transactions.md):

- a key is one segment whatever it holds; a segment is a list index only where the value it indexes is a list,
  and then it is dropped from the field path and kept as a list index binding;
- a write without a path (explicit `None` evidence) -> dirty-all `customMutation`, which wins outright;
- a segment that is neither a key nor an index of a list, an empty key, a path that does not parse, an id that is
  negative, not an integer or NaN -> `nonTrackablePatch`;
- a `*` anywhere (wildcard evidence), a whole-state replace marked `perf`, empty explicit evidence, or a replace
  nothing can be inferred from -> `unknownWrite`;
- a path (or id) the table does not know -> `fallbackPolicy`;
- when several apply, the strongest wins, never the first seen: customMutation > nonTrackablePatch > unknownWrite
  > fallbackPolicy;
- a whole-state replace is diffed one level down by top-level key identity; a list key of the same length records
  its changed indices (up to 64, else the list root).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from runtime.base.dirty_plan import DirtyPlan, ListTouch
from runtime.base.paths import WILDCARD, DirtyAllReason, DirtySet, FieldPathRegistry
from runtime.base.state_access import MISSING
from runtime.base.state_root import STATE_MAPPINGS

__all__ = ["PathClassifier", "DirtyTracker", "Evidence", "infer_replace", "MAX_INFERRED_LIST_INDICES", "REASON_RANK",
           "INDEXED"]

MAX_INFERRED_LIST_INDICES = 64
_CACHE_LIMIT = 8192
REASON_RANK: dict[DirtyAllReason, int] = {"fallbackPolicy": 1, "unknownWrite": 2, "nonTrackablePatch": 3,
                                          "customMutation": 4}
"""The precedence of dirty-all reasons: the invalid beats the unknown beats the missing; customMutation wins."""
Evidence = str | int | float | tuple[Any, ...] | list[Any] | None
"""One item of explicit dirty evidence: a dotted path or `*`, a tuple of segments, a FieldPathId, or None (a write
without a path)."""


class _Indexed:
    """Marks a raw path with a segment that may index a list: only the state can tell (see `PathClassifier`)."""

    __slots__ = ()


INDEXED: Any = _Indexed()


class _ListTouch:
    __slots__ = ("rows", "whole", "root")

    def __init__(self) -> None:
        self.rows: dict[int, None] = {}
        self.whole: dict[int, None] = {}
        self.root = False


class DirtyTracker:
    """Accumulates the dirty evidence of one phase of a transaction: path ids in write order, the strongest
    dirty-all reason, and the list index bindings."""

    __slots__ = ("ids", "reason", "lists", "list_version", "_plan_memo")

    def __init__(self) -> None:
        self.ids: dict[int, None] = {}
        """Written FieldPathIds, in the order first written (a dict keeps that order)."""
        self.reason: DirtyAllReason | None = None
        self.lists: dict[tuple[int, str], _ListTouch] = {}
        self.list_version = 0
        self._plan_memo: tuple[tuple[Any, ...], DirtyPlan] | None = None

    def add_reason(self, reason: DirtyAllReason) -> None:
        current = self.reason
        if current is None or REASON_RANK[reason] > REASON_RANK[current]:
            self.reason = reason

    def add(self, classified: int | DirtyAllReason) -> None:
        if isinstance(classified, int):
            self.ids[classified] = None
        else:
            self.add_reason(classified)

    def touch_row(self, list_id: int, parent_key: str, index: int, whole: bool) -> None:
        touch = self.lists.get((list_id, parent_key))
        if touch is None:
            touch = self.lists[(list_id, parent_key)] = _ListTouch()
        touch.rows[index] = None
        if whole:
            touch.whole[index] = None
        self.list_version += 1

    def touch_list(self, list_id: int, parent_key: str) -> None:
        touch = self.lists.get((list_id, parent_key))
        if touch is None:
            touch = self.lists[(list_id, parent_key)] = _ListTouch()
        touch.root = True
        self.list_version += 1

    @property
    def touched(self) -> bool:
        return bool(self.ids) or self.reason is not None

    def state_key(self) -> tuple[int, DirtyAllReason | None, int]:
        """Changes whenever something new was recorded (what a memoised snapshot is keyed by)."""
        return len(self.ids), self.reason, self.list_version

    def snapshot(self, registry: FieldPathRegistry) -> DirtySet:
        """The dirty set of this tracker alone (a window's base writes: what converge plans from)."""
        if self.reason is not None:
            return DirtySet.everything(self.reason)
        ids = self.ids
        if len(ids) == 1:
            for only in ids:
                return DirtySet.single(only)
        # Many ids go through a set: built in C, it iterates near sorted, so sorting the roots costs next to nothing.
        return DirtySet.from_roots(registry.roots(set(ids) if len(ids) > 16 else ids))

    def snapshot_with(self, registry: FieldPathRegistry, other: DirtyTracker) -> DirtySet:
        """The dirty set of this tracker and `other` together (a commit's: base and derived writes), in one merge
        and none when `other` wrote nothing."""
        reason, other_reason = self.reason, other.reason
        if other_reason is not None and (reason is None or REASON_RANK[other_reason] > REASON_RANK[reason]):
            reason = other_reason
        if reason is not None:
            return DirtySet.everything(reason)
        # A set, not the write-ordered dict (see snapshot); the DirtySet built directly (from_roots, without the hop).
        return DirtySet(False, None, tuple(registry.roots({*self.ids, *other.ids} if other.ids else self.ids)))

    def changed_rows(self, registry: FieldPathRegistry, list_path_id: int) -> tuple[int, ...] | None:
        """The rows of a top-level list these writes touched; None when every row may have changed (the list or a
        prefix of it written, rows inserted or removed, dirty-all)."""
        if self.reason is not None:
            return None
        ids = self.ids
        for prefix in registry.prefix_ids[list_path_id]:
            if prefix in ids:
                return None
        touch = self.lists.get((list_path_id, ""))
        if touch is None:
            return None if list_path_id in ids else ()
        if touch.root:
            return None
        return tuple(sorted(touch.rows))

    def plan(self, registry: FieldPathRegistry, also: Iterable[DirtyTracker] = ()) -> DirtyPlan:
        """The dirty plan snapshot of this tracker (and `also`), merged once; the same object again while none of
        them recorded anything new."""
        others = [t for t in also if t.touched or t.lists]
        key = (self.state_key(), *(t.state_key() for t in others), *map(id, others))
        memo = self._plan_memo
        if memo is not None and memo[0] == key:
            return memo[1]
        plan = self._plan(registry, others)
        self._plan_memo = (key, plan)
        return plan

    def _plan(self, registry: FieldPathRegistry, others: list[DirtyTracker]) -> DirtyPlan:
        reason = self.reason
        raw: dict[int, None] = self.ids
        has_lists = bool(self.lists)
        if others:
            raw = dict(raw)
            for other in others:
                if other.reason is not None and (reason is None or REASON_RANK[other.reason] > REASON_RANK[reason]):
                    reason = other.reason
                raw.update(other.ids)
                has_lists = has_lists or bool(other.lists)
        dirty = DirtySet.everything(reason) if reason is not None else DirtySet.from_roots(registry.roots(raw))
        touches: tuple[ListTouch, ...] = ()
        if has_lists:
            touches = _merged_touches((self, *others))
        return DirtyPlan(dirty, tuple(raw), "dirty-all" if dirty.dirty_all else "field-path-registry", registry.key,
                         len(registry.paths), touches)


def _merged_touches(trackers: Iterable[DirtyTracker]) -> tuple[ListTouch, ...]:
    lists: dict[tuple[int, str], tuple[set[int], set[int], bool]] = {}
    for tracker in trackers:
        for key, touch in tracker.lists.items():
            rows, whole, root = lists.setdefault(key, (set(), set(), False))
            rows.update(touch.rows)
            whole.update(touch.whole)
            lists[key] = (rows, whole, root or touch.root)
    return tuple(ListTouch(lid, parent, tuple(sorted(rows)), tuple(sorted(whole)), root)
                 for (lid, parent), (rows, whole, root) in sorted(lists.items()))


class PathClassifier:
    """Raw write path -> FieldPathId, or the dirty-all reason when it has none (memoised per raw path while the
    path crosses no list; a path that may cross one is read against the state)."""

    __slots__ = ("registry", "_cache", "top_ids")

    def __init__(self, registry: FieldPathRegistry) -> None:
        self.registry = registry
        self._cache: dict[tuple[Any, ...], Any] = {}
        self.top_ids: dict[str, int] = {
            path[0]: i for i, path in enumerate(registry.paths)
            if len(path) == 1 and self._classify_keys(path) == i
        }
        """The top-level keys a write of which classifies as their own path id and nothing else (so a writer may
        record it by that id alone): registered, no index, no wildcard."""

    def classify(self, raw: tuple[Any, ...] | None) -> Any:
        """A FieldPathId (int), a dirty-all reason (str), or INDEXED when only the state can tell (a segment that
        may index a list): then call `record_indexed`."""
        if raw is None:
            return "customMutation"
        try:
            return self._cache[raw]
        except KeyError:
            pass
        except TypeError:  # an unhashable segment
            return "nonTrackablePatch"
        result = self._classify_keys(raw)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[raw] = result
        return result

    def _classify_keys(self, raw: tuple[Any, ...]) -> Any:
        reason: DirtyAllReason | None = None
        for seg in raw:
            if seg.__class__ is int or (seg.__class__ is str and seg.isdigit()):
                return INDEXED
            if not isinstance(seg, str) or not seg:
                reason = "nonTrackablePatch"
            elif seg == WILDCARD and reason is None:
                reason = "unknownWrite"
        if reason is not None:
            return reason
        return self.registry.id_of.get(raw, "fallbackPolicy")

    def record(self, tracker: DirtyTracker, raw: tuple[Any, ...], root: Any, old: Any, new: Any) -> Any:
        """Record one write of `raw` (`root`: the state after it) in `tracker`; returns its FieldPathId (int) or
        dirty-all reason (str)."""
        classified = self.classify(raw)
        if classified.__class__ is int:
            tracker.ids[classified] = None
            if new.__class__ is list or old.__class__ is list:
                tracker.touch_list(classified, "")  # the list itself was replaced: every row may have changed
        elif classified is INDEXED:
            classified = self.record_indexed(tracker, raw, root, old, new)
        else:
            tracker.add_reason(classified)
        return classified

    def record_indexed(self, tracker: DirtyTracker, raw: tuple[Any, ...], root: Any, old: Any = None,
                       new: Any = None) -> int | DirtyAllReason:
        """Classify a path that may cross lists by walking `root` (the state after the write), record it and its
        list index bindings in `tracker`, and return its id or reason. `old` or `new` MISSING marks a row inserted
        or removed: the list's later rows moved."""
        node = root
        keys: list[str] = []
        rows: list[tuple[tuple[str, ...], tuple[int, ...], int]] = []
        indices: list[int] = []
        reason: DirtyAllReason | None = None
        last_was_index = False
        for seg in raw:
            if isinstance(node, list):
                index = seg if seg.__class__ is int else (int(seg) if isinstance(seg, str) and seg.isdigit() else None)
                if index is None:
                    reason = "unknownWrite" if seg == WILDCARD else "nonTrackablePatch"
                    break
                rows.append((tuple(keys), tuple(indices), index))
                indices.append(index)
                node = node[index] if 0 <= index < len(node) else None
                last_was_index = True
            elif isinstance(seg, str) and seg and seg != WILDCARD:
                keys.append(seg)
                node = node.get(seg) if isinstance(node, STATE_MAPPINGS) else None
                last_was_index = False
            else:
                reason = "unknownWrite" if seg == WILDCARD else "nonTrackablePatch"
                break
        id_of = self.registry.id_of
        found = None if reason is not None else id_of.get(tuple(keys))
        result: int | DirtyAllReason = found if found is not None else (reason or "fallbackPolicy")
        tracker.add(result)
        if reason is not None:
            return result
        last = len(rows) - 1
        for n, (list_keys, outer, index) in enumerate(rows):
            list_id = id_of.get(list_keys)
            if list_id is None:
                continue
            parent = ",".join(map(str, outer))
            whole = n == last and last_was_index
            tracker.touch_row(list_id, parent, index, whole)
            if whole and (old is MISSING or new is MISSING):
                tracker.touch_list(list_id, parent)
        if found is not None and not last_was_index and (new.__class__ is list or old.__class__ is list):
            tracker.touch_list(found, ",".join(map(str, indices)))
        return result

    def record_evidence(self, tracker: DirtyTracker, items: Iterable[object], root: Any) -> None:
        """Record explicit dirty evidence (see `Evidence`); nothing given at all is `unknownWrite`."""
        seen = False
        for item in items:
            seen = True
            if tracker.reason == "customMutation":
                return  # it short-circuits: nothing else can change the outcome
            self._record_one(tracker, item, root)
        if not seen:
            tracker.add_reason("unknownWrite")

    def _record_one(self, tracker: DirtyTracker, item: object, root: Any) -> None:
        if item is None:
            tracker.add_reason("customMutation")
        elif isinstance(item, bool):
            tracker.add_reason("nonTrackablePatch")
        elif isinstance(item, int):
            if item < 0:
                tracker.add_reason("nonTrackablePatch")
            elif item >= len(self.registry.paths):
                tracker.add_reason("fallbackPolicy")
            else:
                tracker.ids[item] = None
        elif isinstance(item, float):
            if math.isfinite(item) and item.is_integer():
                self._record_one(tracker, int(item), root)  # a whole number is an id, however it is written
            else:
                tracker.add_reason("nonTrackablePatch")
        elif isinstance(item, str):
            segments = tuple(item.split(".")) if item else ("",)
            if item == WILDCARD:
                tracker.add_reason("unknownWrite")
            elif any(not seg for seg in segments):
                tracker.add_reason("nonTrackablePatch")
            else:
                self._record_path(tracker, segments, root)
        elif isinstance(item, (tuple, list)):
            self._record_path(tracker, tuple(item), root)
        else:
            tracker.add_reason("nonTrackablePatch")

    def _record_path(self, tracker: DirtyTracker, raw: tuple[Any, ...], root: Any) -> None:
        classified = self.classify(raw)
        if classified is INDEXED:
            self.record_indexed(tracker, raw, root)
        else:
            tracker.add(classified)


def infer_replace(before: Any, after: Any) -> list[tuple[Any, ...]] | None:
    """Raw paths changed by replacing `before` with `after`, one level deep ([] when nothing changed); None when
    nothing can be inferred (either side is not a dict)."""
    if not isinstance(before, STATE_MAPPINGS) or not isinstance(after, STATE_MAPPINGS):
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
