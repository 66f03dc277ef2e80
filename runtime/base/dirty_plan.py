"""The dirty plan snapshot of a transaction: everything its writes say about what changed, by id.

`DirtyPlan` carries (docs/rules/transactions.md): `dirtyAll` and its reason; the raw dirty path ids in the order they
were first written; the prefix-free roots and their key hash; the `authority` that decided them
(`field-path-registry` when every write mapped to a registered path, `dirty-all` when one could not); the path
table's key and size; and the list index bindings: for each list (by FieldPathId and the indices of the lists
around it), the rows written, the rows written whole, and whether the list itself was touched (replaced, or rows
inserted or removed, which shifts every row after them). A snapshot is immutable; reading it again with no new write
gives the same object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from runtime.base.paths import DirtyAllReason, DirtySet, fnv1a32_ids

__all__ = ["DirtyAuthority", "DirtyPlan", "ListTouch"]

DirtyAuthority = Literal["field-path-registry", "dirty-all", "missing-registry", "dirty-root-fallback"]
"""Who decided the roots; the runtime always has a registry, so it reports the first two."""


@dataclass(frozen=True, slots=True)
class ListTouch:
    """What a transaction wrote in one list."""

    list_path_id: int
    parent_key: str
    """The indices of the enclosing lists, joined by commas ("" for a list that is in no list)."""
    rows: tuple[int, ...]
    """Rows written (inside or whole), sorted."""
    whole_rows: tuple[int, ...]
    """Rows written as a whole, sorted."""
    root_touched: bool
    """The list itself was replaced, or rows were inserted or removed: every row may have moved."""

    @property
    def key(self) -> str:
        """`<listPathId>@@<parentKey>`, the key the exported bindings use."""
        return f"{self.list_path_id}@@{self.parent_key}"


@dataclass(frozen=True, slots=True)
class DirtyPlan:
    """The id-first dirty evidence of one transaction, as of one moment (see the module docstring)."""

    dirty: DirtySet
    raw_path_ids: tuple[int, ...]
    """Every FieldPathId written, once, in the order first written (before prefix collapsing)."""
    authority: DirtyAuthority
    field_paths_key: str
    field_path_count: int
    lists: tuple[ListTouch, ...] = ()

    @property
    def dirty_all(self) -> bool:
        return self.dirty.dirty_all

    @property
    def reason(self) -> DirtyAllReason | None:
        return self.dirty.reason

    @property
    def root_ids(self) -> tuple[int, ...]:
        return self.dirty.root_ids

    @property
    def raw_key_hash(self) -> int:
        """FNV-1a over the raw ids in insertion order (0 when there is none)."""
        return fnv1a32_ids(self.raw_path_ids) if self.raw_path_ids else 0

    def list_touch(self, list_path_id: int, parent_key: str = "") -> ListTouch | None:
        for touch in self.lists:
            if touch.list_path_id == list_path_id and touch.parent_key == parent_key:
                return touch
        return None

    def to_json(self) -> dict[str, Any]:
        """The TxnDirtyPlanSnapshot as JSON."""
        out: dict[str, Any] = {"dirtyAll": self.dirty_all}
        if self.reason:
            out["dirtyAllReason"] = self.reason
        out.update({
            "rawPathIds": list(self.raw_path_ids), "rawKeyHash": self.raw_key_hash,
            "rawKeySize": len(self.raw_path_ids), "rootIds": list(self.root_ids),
            "rootKeyHash": self.dirty.key_hash, "rootCount": len(self.root_ids), "authority": self.authority,
            "fieldPathsKey": self.field_paths_key, "fieldPathCount": self.field_path_count,
        })
        if self.lists:
            out["list"] = {
                "indexBindings": {t.key: list(t.rows) for t in self.lists},
                "rootTouched": sorted(t.key for t in self.lists if t.root_touched),
                "itemTouched": {t.key: list(t.whole_rows) for t in self.lists if t.whole_rows},
            }
        return out
