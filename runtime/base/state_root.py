"""A large state root that shares structure between versions: a transaction's first write costs O(log n), not O(n).

Copying the root dict on the first write of a transaction costs O(n): 13 us at 4000 keys, more than a whole small
dispatch. A root of at least SHARE_MIN keys is kept as a `SharedRoot` instead: a Mapping over an `immutables.Map`
(a HAMT), equal to the plain dict of the same items and iterated in the dict's key order. A transaction owns its root
as it owns a copied dict: `owned_copy` gives a SharedRoot over a `MapMutation` of the committed one (O(1)), which it
writes in place; the next transaction's `owned_copy` freezes that mutation into a Map first, so a committed root is
never written again. A small root stays a dict (a dict copy is no dearer than a HAMT write under ~64 keys).

A HAMT write and read cost several times a dict's, which a transaction that writes most keys (a converge over every
field) pays thousands of times: a version counts the top-level writes made in it (`writes`), and while versions are
written densely (DENSE_AT) the next one is a plain dict copy instead, going back to a HAMT when they are written
sparsely again (SPARSE_BELOW).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import immutables

__all__ = ["SharedRoot", "SHARE_MIN", "DENSE_AT", "SPARSE_BELOW", "STATE_MAPPINGS", "note_root_writes"]

# the concrete classes: the names immutables exports are typing aliases at runtime, no use to isinstance
_MAP: type[Any] = type(immutables.Map())
_MUTATION: type[Any] = type(immutables.Map().mutate())

SHARE_MIN = 64  # measured: a dict copy takes 0.30 us at 64 keys, a HAMT write 0.34 us; 13 us against 0.45 at 4000
DENSE_AT = 1 / 16
"""Write density (top-level writes per key, averaged over versions) from which a version is a plain dict: a dict
copy costs about 2-3 ns a key, a HAMT write and read some 60 ns more than a dict's, so from about one write in 40
keys the copy is the cheaper."""
SPARSE_BELOW = 1 / 64
"""Write density under which a dense root goes back to a HAMT (a gap below DENSE_AT: each way costs a rebuild)."""


class SharedRoot(Mapping[str, Any]):
    """A state root; only the transaction that made it by `owned_copy` writes it (`root[key] = v`, `del root[key]`,
    or its `store()` for existing keys). While transactions write few of its keys it is a HAMT; while they write many
    (a converge over every field) it is a plain dict, copied per version, whose reads and writes cost what a dict's
    do. Either way it reads the same: a mapping in the dict's key order."""

    __slots__ = ("_map", "_order", "get", "writes", "_density")

    def __init__(self, items: Any, order: tuple[str, ...] | None = None, density: float = 0.0,
                 dense: bool = False) -> None:
        """`items`: a Mapping of the values, or the Map or MapMutation of another SharedRoot (with its `order`), or
        with `dense` the dict that is this version (its order is the dict's)."""
        self._map: Any = items if dense or items.__class__ is _MAP or items.__class__ is _MUTATION \
            else immutables.Map(items)
        # the HAMT has no order: `_order` keeps the dict's insertion order (shared until a key is added or removed)
        self._order: tuple[str, ...] | None = None if dense else tuple(items) if order is None else order
        # the mapping's own get, bound per instance: `root.get(key)` (derive inputs, assembled kernels) calls C directly
        self.get: Any = self._map.get
        self.writes = 0
        """Top-level writes its owner made in it (the draft's, WorkingState.set's, the kernels'): its write density."""
        self._density = density

    def owned_copy(self) -> SharedRoot:
        """A writable next version sharing every key with this one (which is frozen, if it was still writable): a
        HAMT mutation in O(1), or a dict copy while the versions before were written densely."""
        m = self._map
        density = (self._density + self.writes / max(1, len(m))) / 2
        if m.__class__ is dict:
            if density >= SPARSE_BELOW:
                return SharedRoot(m.copy(), None, density, dense=True)
            return SharedRoot(immutables.Map(m).mutate(), tuple(m), density)
        if m.__class__ is _MUTATION:
            m = self._map = m.finish()
            self.get = m.get
        order = self._order
        assert order is not None
        if density >= DENSE_AT:
            return SharedRoot(dict(zip(order, map(m.__getitem__, order), strict=True)), None, density, dense=True)
        return SharedRoot(m.mutate(), order, density)

    def store(self) -> Any:
        """The mapping behind a writable version (its HAMT mutation or its dict): setting an existing key there
        directly (C, no order to keep) is what a writer that knows the key exists does; only its owner may."""
        return self._map

    def __setitem__(self, key: str, value: Any) -> None:
        m = self._map
        n = len(m)
        m[key] = value
        if len(m) != n and self._order is not None:  # a new key goes last, as in a dict
            self._order = (*self._order, key)

    def __delitem__(self, key: str) -> None:
        del self._map[key]
        if self._order is not None:
            self._order = tuple(k for k in self._order if k != key)

    def __getitem__(self, key: str) -> Any:
        return self._map[key]

    def __contains__(self, key: object) -> bool:
        return key in self._map

    def __iter__(self) -> Iterator[str]:
        return iter(self._map if self._order is None else self._order)

    def __len__(self) -> int:
        return len(self._map)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        if len(other) != len(self._map):
            return False
        get = self._map.get
        missing = object()
        return all(get(k, missing) == v for k, v in other.items())

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> dict[str, Any]:
        """A plain dict of the same items, in the same order."""
        m = self._map
        if self._order is None:
            return dict(m)
        return {k: m[k] for k in self._order}

    def __reduce__(self) -> tuple[Any, ...]:
        return SharedRoot, (self.copy(),)  # pickle and deepcopy go through the plain items

    def __repr__(self) -> str:
        return repr(self.copy())


def note_root_writes(root: Any, count: int) -> None:
    """`count` top-level writes were made in the owned `root` (a SharedRoot counts them, a dict needs not)."""
    if root.__class__ is SharedRoot:
        root.writes += count


STATE_MAPPINGS = (dict, SharedRoot)
"""What a state node read as a mapping can be: a dict, or (only at the root) a SharedRoot."""
