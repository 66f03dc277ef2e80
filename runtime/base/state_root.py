"""A large state root that shares structure between versions: a transaction's first write costs O(log n), not O(n).

Copying the root dict on the first write of a transaction costs O(n): 13 us at 4000 keys, more than a whole small
dispatch. A root of at least SHARE_MIN keys is kept as a `SharedRoot` instead: a Mapping over an `immutables.Map`
(a HAMT), equal to the plain dict of the same items and iterated in the dict's key order. A transaction owns its root
as it owns a copied dict: `owned_copy` gives a SharedRoot over a `MapMutation` of the committed one (O(1)), which it
writes in place; the next transaction's `owned_copy` freezes that mutation into a Map first, so a committed root is
never written again. A small root stays a dict (a dict copy is no dearer than a HAMT write under ~64 keys).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import immutables

__all__ = ["SharedRoot", "SHARE_MIN", "STATE_MAPPINGS"]

# the concrete classes: the names immutables exports are typing aliases at runtime, no use to isinstance
_MAP: type[Any] = type(immutables.Map())
_MUTATION: type[Any] = type(immutables.Map().mutate())

SHARE_MIN = 64  # measured: a dict copy takes 0.30 us at 64 keys, a HAMT write 0.34 us; 13 us against 0.45 at 4000


class SharedRoot(Mapping[str, Any]):
    """A state root; only the transaction that made it by `owned_copy` writes it (`root[key] = v`, `del root[key]`)."""

    __slots__ = ("_map", "_order", "get")

    def __init__(self, items: Any, order: tuple[str, ...] | None = None) -> None:
        """`items`: a Mapping of the values, or the Map or MapMutation of another SharedRoot (with its `order`)."""
        self._map: Any = items if items.__class__ is _MAP or items.__class__ is _MUTATION else immutables.Map(items)
        # the HAMT has no order: `_order` keeps the dict's insertion order (shared until a key is added or removed)
        self._order: tuple[str, ...] = tuple(items) if order is None else order
        # the HAMT's own get, bound per instance: `root.get(key)` (derive inputs, assembled kernels) calls C directly
        self.get: Any = self._map.get

    def owned_copy(self) -> SharedRoot:
        """A writable next version sharing every key with this one (which is frozen, if it was still writable)."""
        if self._map.__class__ is _MUTATION:
            self._map = self._map.finish()
            self.get = self._map.get
        return SharedRoot(self._map.mutate(), self._order)

    def store(self) -> Any:
        """The HAMT mutation behind a writable version: setting an existing key there directly (C, no order to
        keep) is what a writer that knows the key exists does; only the owner of this version may."""
        if self._map.__class__ is not _MUTATION:
            raise TypeError("a committed SharedRoot is never written: take an owned_copy")
        return self._map

    def __setitem__(self, key: str, value: Any) -> None:
        m = self._map
        n = len(m)
        m[key] = value
        if len(m) != n:  # a new key goes last, as in a dict
            self._order = (*self._order, key)

    def __delitem__(self, key: str) -> None:
        del self._map[key]
        self._order = tuple(k for k in self._order if k != key)

    def __getitem__(self, key: str) -> Any:
        return self._map[key]

    def __contains__(self, key: object) -> bool:
        return key in self._map

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

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
        return {k: m[k] for k in self._order}

    def __reduce__(self) -> tuple[Any, ...]:
        return SharedRoot, (self.copy(),)  # pickle and deepcopy go through the plain items

    def __repr__(self) -> str:
        return repr(self.copy())


STATE_MAPPINGS = (dict, SharedRoot)
"""What a state node read as a mapping can be: a dict, or (only at the root) a SharedRoot."""
