"""Field paths, their integer ids, and the FNV-1a hashes used to key dirty sets.

A FieldPath is a tuple of keys with list indices removed: writing `items[3].name` and `items[7].name` dirties the
same path `("items", "name")`. A key is one segment whatever it holds (`"tags[x]"`, `"2024"` and `"a.b"` are keys);
an index is recognised only where the value it indexes is a list (docs/rules/transactions.md). `*` is the wildcard
of dirty evidence and never a key. The registry sorts every known path segment by segment (a prefix sorts before
its extensions), and a FieldPathId is the index of a path in that table; the table is exported with the static IR
so ids can be mapped back to paths wherever the digest matches.

>>> reg = FieldPathRegistry.build([("items", "name"), ("count",)])
>>> reg.paths
(('count',), ('items',), ('items', 'name'))
>>> reg.roots({reg.id_of[("items",)], reg.id_of[("items", "name")]})
[1]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import orjson

from runtime.base.frozen import fast_init
from runtime.errors import Ambiguous, NotTrackable

__all__ = [
    "DIRTY_ALL_REASONS",
    "DirtyAllReason",
    "WILDCARD",
    "FieldPath",
    "FieldPathRegistry",
    "NotTrackable",
    "Ambiguous",
    "DirtySet",
    "fnv1a32_ids",
    "fnv1a32_text",
    "normalize_path",
    "parse_path",
    "path_text",
    "stable_stringify",
]

FieldPath = tuple[str, ...]

FNV_OFFSET = 2166136261
FNV_PRIME = 16777619
_MASK32 = 0xFFFFFFFF


def fnv1a32_ids(ids: Iterable[int]) -> int:
    """FNV-1a over integer ids, each taken as one unsigned 32-bit word: the dirty-set key hash
    (docs/rules/transactions.md)."""
    h = FNV_OFFSET
    for i in ids:
        h = ((h ^ (i & _MASK32)) * FNV_PRIME) & _MASK32
    return h


def fnv1a32_text(text: str) -> int:
    """FNV-1a over the UTF-8 bytes of a string (used for digests)."""
    h = FNV_OFFSET
    for b in text.encode("utf-8"):
        h = ((h ^ b) * FNV_PRIME) & _MASK32
    return h


def stable_stringify(value: Any) -> str:
    """JSON with sorted keys, identical for equal values across runs."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def parse_path(path: str | Sequence[Any]) -> tuple[Any, ...]:
    """Turn `"a.b.0.c"` or `("a", "b", 0, "c")` into raw segments (indices kept)."""
    if isinstance(path, str):
        return tuple(path.split(".")) if path else ()
    return tuple(path)


WILDCARD = "*"
"""In dirty evidence, a path (or segment) that stands for anything: the write is `unknownWrite`."""


def _is_index(seg: Any) -> bool:
    if isinstance(seg, bool):
        return False
    if isinstance(seg, int):
        return True
    return isinstance(seg, str) and (seg.isdigit() or seg == "*" or "[" in seg or "]" in seg)


def normalize_path(raw: Sequence[Any]) -> FieldPath:
    """The lenient reading of a path a person typed without the state at hand (a trace query): integers, numeric
    strings, `*` and bracketed segments are taken for list indices and dropped. The runtime itself never reads
    paths this way: it tells keys from indices by the state (runtime.base.dirty).

    Raises NotTrackable for a segment of another type and Ambiguous for a segment containing a dot.
    """
    out: list[str] = []
    for seg in raw:
        if _is_index(seg):
            continue
        if not isinstance(seg, str) or not seg:
            raise NotTrackable(f"path segment {seg!r} is not a field name")
        if "." in seg:
            raise Ambiguous(f"path segment {seg!r} contains a dot")
        out.append(seg)
    return tuple(out)


def path_text(path: Sequence[Any]) -> str:
    """Display form of a path: segments joined by dots."""
    return ".".join(str(s) for s in path)


@dataclass(frozen=True, slots=True)
class FieldPathRegistry:
    """The FieldPathId table of one module shape."""

    paths: tuple[FieldPath, ...]
    """Every known path, sorted segment by segment; a path's id is its index here."""
    id_of: dict[FieldPath, int]
    """Path -> FieldPathId."""
    prefix_ids: tuple[tuple[int, ...], ...]
    """For each id, the ids of its proper prefixes (shortest first)."""
    key: str
    """fnv1a32 of the stable JSON of the table: changes whenever the table does."""
    nested: frozenset[int]
    """The ids that have a proper prefix (the only ones `roots` may drop)."""

    @classmethod
    def build(cls, paths: Iterable[FieldPath]) -> FieldPathRegistry:
        """Register the given paths and all their prefixes."""
        full: set[FieldPath] = set()
        for p in paths:
            for n in range(1, len(p) + 1):
                full.add(p[:n])
        table = tuple(sorted(full))
        id_of = {p: i for i, p in enumerate(table)}
        prefix_ids = tuple(tuple(id_of[p[:n]] for n in range(1, len(p))) for p in table)
        key = f"{fnv1a32_text(stable_stringify([list(p) for p in table])):08x}"
        return cls(table, id_of, prefix_ids, key, frozenset(i for i, p in enumerate(table) if len(p) > 1))

    def roots(self, ids: Iterable[int]) -> list[int]:
        """Prefix-free, deduplicated, sorted root ids: an id is dropped when one of its prefixes is also dirty."""
        dirty = ids if isinstance(ids, (set, frozenset, dict)) else set(ids)
        # Only nested ids can have a dirty prefix: the top-level ones (most, in a wide state) pass in C.
        deep = self.nested.intersection(dirty)
        if not deep:
            return sorted(dirty)
        prefix_ids = self.prefix_ids
        dropped = {i for i in deep if any(p in dirty for p in prefix_ids[i])}
        return sorted(dirty if not dropped else [i for i in dirty if i not in dropped])

    def text(self, path_id: int) -> str:
        """Display form of one id."""
        return path_text(self.paths[path_id])


DirtyAllReason = Literal["unknownWrite", "customMutation", "nonTrackablePatch", "fallbackPolicy"]
DIRTY_ALL_REASONS: tuple[DirtyAllReason, ...] = get_args(DirtyAllReason)


_SINGLE_ROOT: dict[int, DirtySet] = {}
"""DirtySet.single's memo (a DirtySet holds no reference to a registry, so one per id serves every module)."""


@fast_init
@dataclass(frozen=True, slots=True)
class DirtySet:
    """The id-first dirty set of one transaction: the prefix-free root FieldPathIds it wrote, or dirty-all with a
    reason (see docs/rules/transactions.md)."""

    dirty_all: bool
    """True when some write could not be mapped to a registered path."""
    reason: DirtyAllReason | None
    """One of DIRTY_ALL_REASONS when dirty_all."""
    root_ids: tuple[int, ...]
    """Prefix-free, deduplicated, sorted FieldPathIds (empty when dirty_all)."""

    @classmethod
    def from_roots(cls, roots: Sequence[int]) -> DirtySet:
        return cls(False, None, tuple(roots))

    @classmethod
    def single(cls, root_id: int) -> DirtySet:
        """The dirty set of one root id (the same object for the same id: most transactions write one field)."""
        found = _SINGLE_ROOT.get(root_id)
        if found is None:
            found = _SINGLE_ROOT[root_id] = cls(False, None, (root_id,))
        return found

    @classmethod
    def everything(cls, reason: DirtyAllReason) -> DirtySet:
        return cls(True, reason, ())

    @property
    def key_hash(self) -> int:
        """FNV-1a over root_ids; 0 when there is no root (dirty-all or empty). Computed on demand: only exports
        need it."""
        return fnv1a32_ids(self.root_ids) if self.root_ids else 0

    @property
    def empty(self) -> bool:
        return not self.dirty_all and not self.root_ids

    def to_json(self, max_ids: int | None = None) -> dict[str, Any]:
        """The exported TxnDirtyRootIds object; `max_ids` bounds rootIds and marks the cut."""
        ids = self.root_ids
        out: dict[str, Any] = {"dirtyAll": self.dirty_all}
        if self.dirty_all and self.reason:
            out["reason"] = self.reason
        if max_ids is not None and len(ids) > max_ids:
            out["rootIds"] = list(ids[:max_ids])
            out["rootIdsTruncated"] = True
        else:
            out["rootIds"] = list(ids)
        out["rootCount"] = len(ids)
        out["keySize"] = len(ids)
        out["keyHash"] = self.key_hash
        return out
