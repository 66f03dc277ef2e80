"""A large state root that shares structure between versions: a write makes a new root in O(log n), not O(n).

Copying the root dict on the first write of a transaction costs O(n): 13 us at 4000 keys, more than a whole small
dispatch. A root of at least SHARE_MIN keys is kept as a `SharedRoot` instead: a read-only Mapping over an
`immutables.Map` (a HAMT), compared equal to the plain dict of the same items; a small root stays a dict (a dict copy
is cheaper than a HAMT write under ~64 keys).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import immutables

__all__ = ["SharedRoot", "SHARE_MIN", "STATE_MAPPINGS"]

SHARE_MIN = 64  # below it a dict copy (0.3 us at 64 keys) is no dearer than a HAMT write (0.34 us)


class SharedRoot(Mapping[str, Any]):
    """An immutable state root; `set`/`delete` return the next version, sharing every untouched key."""

    __slots__ = ("_map", "_order")

    def __init__(self, items: Mapping[str, Any], _order: tuple[str, ...] | None = None) -> None:
        # the HAMT has no order: `_order` keeps the dict's insertion order (shared until a key is added or removed)
        self._map: immutables.Map[str, Any] = items if isinstance(items, immutables.Map) else immutables.Map(items)
        self._order: tuple[str, ...] = tuple(items) if _order is None else _order

    def __getitem__(self, key: str) -> Any:
        return self._map[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._map.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._map

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._map)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SharedRoot):
            return self._map == other._map
        if not isinstance(other, Mapping) or len(other) != len(self._map):
            return False if isinstance(other, Mapping) else NotImplemented
        get = self._map.get
        missing = object()
        return all(get(k, missing) == v for k, v in other.items())

    __hash__ = None  # type: ignore[assignment]

    def set(self, key: str, value: Any) -> SharedRoot:
        order = self._order if key in self._map else (*self._order, key)
        return SharedRoot(self._map.set(key, value), order)

    def delete(self, key: str) -> SharedRoot:
        return SharedRoot(self._map.delete(key), tuple(k for k in self._order if k != key))

    def copy(self) -> dict[str, Any]:
        """A plain dict of the same items, in the same order."""
        m = self._map
        return {k: m[k] for k in self._order}

    def __repr__(self) -> str:
        return repr(self.copy())


STATE_MAPPINGS = (dict, SharedRoot)
"""What a state node read as a mapping can be: a dict, or (only at the root) a SharedRoot."""
