"""The copy-on-write working state of one transaction, and the draft proxies reducers write through.

Committed states are never mutated: the first write under a container copies it (and every container above it)
once per transaction, so a committed state shares every untouched subtree with the one before it, and keeping a
snapshot costs one reference. Every write reports its raw path, old and new value; writing a value equal to the
current one is not a write, which is what makes "no change, no commit" hold.

    def rename(draft, payload):
        draft["user"]["name"] = payload          # records ("user", "name")
        draft["todos"].append({"title": "x"})    # records ("todos", 3): the index is dropped from the dirty path
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping, MutableSequence
from typing import Any, SupportsIndex, overload

from runtime.base.state_access import MISSING
from runtime.base.state_root import SHARE_MIN, SharedRoot, note_root_writes

__all__ = ["WorkingState", "DraftDict", "DraftList", "wrap", "unwrap", "unwrap_all", "WriteListener",
           "TopWritesListener"]

WriteListener = Callable[[tuple[Any, ...], Any, Any], object]
"""Told (path, old, new) of every effective write; what it returns is ignored."""
"""Called as (raw_path, old, new) for every effective write; old or new is MISSING for a created or deleted key."""


TopWritesListener = Callable[[list[str]], object]
"""Told, in write order, the top-level keys the draft set itself: each one its owner listed (records by path id
alone), each an existing key, no list before or after. The list is the working state's: read it, do not keep it."""


def _ignore_write(raw_path: tuple[Any, ...], old: Any, new: Any) -> None:
    """The write listener of a working state whose window is over."""


def _ignore_writes(keys: list[str]) -> None:
    """The top-level writes listener of a working state that has none, or whose window is over."""


class WorkingState:
    """The state a transaction reads and writes; `root` is the latest value.

    With `top_writes` (the keys its owner records by path id alone, and where to tell them), the draft sets such a
    top-level key itself: straight into the owned root, noting the key, and `flush` tells the owner the keys in
    bulk (before any other write is reported, so the owner sees every write in order)."""

    __slots__ = ("root", "_owned", "_on_write", "_undo_root", "direct_store", "direct_keys", "note_direct", "_written",
                 "_on_writes")

    def __init__(self, base: dict[str, Any] | SharedRoot, on_write: WriteListener,
                 top_writes: tuple[Mapping[str, int], TopWritesListener] | None = None) -> None:
        self.root: Any = base  # a dict, or a SharedRoot when large; either is written in place only once owned
        self._owned: dict[int, Any] = {}
        self._on_write = on_write
        self._undo_root: Any = None
        """The root to go back to on rollback (None: not recording)."""
        self.direct_store: Any = None
        """The owned root's own writable mapping (the dict, or the SharedRoot's store), None until owned."""
        self._written: list[str] = []
        self.note_direct = self._written.append
        """Notes a key the draft set itself (its owner is told at the next flush)."""
        self.direct_keys: Mapping[str, int] | None = None
        """The top-level keys the draft may set itself (None: every write goes through `set`)."""
        self._on_writes: TopWritesListener = _ignore_writes
        if top_writes is not None:
            self.direct_keys, self._on_writes = top_writes

    def flush(self) -> None:
        """Tell the owner the top-level keys the draft wrote itself since the last flush."""
        written = self._written
        if written:
            note_root_writes(self.root, len(written))
            self._on_writes(written)
            written.clear()

    def start_undo(self) -> None:
        """From now on, be ready to take every write back (converge's derived writes may be rolled back): the root
        as it is becomes the one to go back to, and whatever this transaction owned so far is now that snapshot's,
        so later writes copy it again instead of logging each write."""
        if self._written:  # flush's frame saved when nothing waits, the usual case
            self.flush()
        self._undo_root = self.root
        self._owned = {}
        self.direct_store = None

    def rollback(self) -> None:
        """Take back every write since start_undo."""
        self.flush()
        root, self._undo_root = self._undo_root, None
        if root is not None:
            self.root = root
            self._owned = {}
            self.direct_store = None

    def stop_undo(self) -> None:
        self._undo_root = None

    def release(self) -> None:
        """The window is over: stop telling its owner of writes. The listener is the owner's bound method, so
        keeping it would leave a reference cycle (owner -> working state -> owner) for the collector to find on
        every dispatch, with the state versions it holds."""
        if self._written:
            self.flush()
        self._on_write = _ignore_write
        self._on_writes = _ignore_writes
        self.direct_keys = None

    def adopt(self, root: dict[str, Any] | SharedRoot) -> None:
        """Make `root` the state; it is not ours to mutate, so later writes copy it."""
        self.flush()
        self.root = root
        self._owned = {}
        self.direct_store = None

    def resolve(self, raw_path: tuple[Any, ...]) -> Any:
        node = self.root
        for seg in raw_path:
            node = node[seg]
        return node

    def _own(self, node: Any) -> Any:
        copy = node.owned_copy() if node.__class__ is SharedRoot else node.copy()
        self._owned[id(copy)] = copy
        return copy

    def _own_root(self) -> Any:
        root = self.root
        if root.__class__ is dict:
            # a large dict becomes a SharedRoot once per instance: later transactions share it in O(1)
            root = SharedRoot(root).owned_copy() if len(root) >= SHARE_MIN else root.copy()
        else:
            root = root.owned_copy()
        self._owned[id(root)] = root  # _own, without its frame: every transaction's first write comes here
        self.root = root
        return root

    def claim_root(self) -> tuple[Any, Any]:
        """The root, owned by this transaction (copied on the first claim), and its store: the mapping to set
        existing top-level keys in directly, for a writer that reports their dirty evidence itself (the draft, the
        assembled converge kernels)."""
        root = self.root
        if id(root) not in self._owned:
            root = self._own_root()
        store = self.direct_store
        if store is None:
            store = self.direct_store = root.store() if root.__class__ is SharedRoot else root
        return root, store

    def _owned_container(self, raw_path: tuple[Any, ...], create: bool) -> Any:
        """The container at raw_path, copied (with its ancestors) unless this transaction already owns it."""
        owned = self._owned
        node = self.root
        if id(node) not in owned:
            node = self._own_root()
        for seg in raw_path:
            try:
                child = node[seg]
            except KeyError:
                if not create:
                    raise
                child = {}
                owned[id(child)] = child
                node[seg] = child
            if id(child) not in owned:
                if not isinstance(child, (dict, list)):
                    raise TypeError(f"cannot write inside {type(child).__name__} at {'.'.join(map(str, raw_path))}")
                child = self._own(child)
                node[seg] = child
            node = child
        return node

    def set(self, raw_path: tuple[Any, ...], value: Any, create_parents: bool = False) -> bool:
        """Write one value; returns False when it equals the current value (nothing recorded)."""
        key = raw_path[-1]
        if len(raw_path) == 1:  # the common case: a top-level field
            parent = self.root
            old = parent.get(key, MISSING)
            if old is value or (type(old) is type(value) and old == value):
                return False
            if id(parent) not in self._owned:
                parent = self._own_root()
            note_root_writes(parent, 1)
        else:
            parent_path = raw_path[:-1]
            try:
                current_parent = self.resolve(parent_path)
                old = current_parent.get(key, MISSING) if isinstance(current_parent, dict) else current_parent[key]
            except (KeyError, TypeError):
                if not create_parents:
                    raise
                old = MISSING
            if old is value or (type(old) is type(value) and old == value):
                return False
            parent = self._owned_container(parent_path, create_parents)
        parent[key] = value
        if self._written:
            self.flush()
        self._on_write(raw_path, old, value)
        return True

    def delete(self, raw_path: tuple[Any, ...]) -> None:
        parent = self._owned_container(raw_path[:-1], False)
        key = raw_path[-1]
        old = parent[key]
        del parent[key]
        self.flush()
        self._on_write(raw_path, old, MISSING)

    def insert(self, list_path: tuple[Any, ...], index: int, value: Any) -> None:
        target = self._owned_container(list_path, False)
        n = len(target)
        index = max(0, min(n, index + n if index < 0 else index))
        target.insert(index, value)
        self.flush()
        self._on_write((*list_path, index), MISSING, value)

    def replace_list(self, list_path: tuple[Any, ...], items: list[Any]) -> None:
        """Replace the items of a list in place (sort, slice assignment): one write of the whole list."""
        old = list(self.resolve(list_path))
        if old == items:
            return
        target = self._owned_container(list_path, False)
        target[:] = items
        self.flush()
        self._on_write(list_path, old, list(items))


_SCALARS = frozenset({int, float, str, bool, type(None), tuple})
"""Value classes a draft hands out as they are (no proxy): checked first, as most reads are of these."""


def unwrap(value: Any) -> Any:
    """The plain value behind a draft proxy (a proxy stored into state becomes the value it shows)."""
    if value.__class__ is DraftDict or value.__class__ is DraftList:
        return value.snapshot()
    return value


def unwrap_all(value: Any) -> Any:
    """`value` with every draft proxy in it replaced by the plain value it shows; the same object when it holds none.
    A reducer that returns `{**draft, "name": x}` hands back the draft's proxies as values: adopted as they are, they
    would resolve through the state they are now part of."""
    cls = value.__class__
    if cls is DraftDict or cls is DraftList:
        return value.snapshot()
    if cls is dict:
        out: dict[Any, Any] | None = None
        for key, item in value.items():
            plain = unwrap_all(item)
            if plain is not item:
                if out is None:
                    out = dict(value)
                out[key] = plain
        return value if out is None else out
    if cls is list:
        items = [unwrap_all(item) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def wrap(ws: WorkingState, path: tuple[Any, ...], value: Any) -> Any:
    if isinstance(value, dict):
        return DraftDict(ws, path)
    if isinstance(value, list):
        return DraftList(ws, path)
    return value


class DraftDict(MutableMapping[str, Any]):
    """A dict of the working state, as seen and written by a reducer."""

    __slots__ = ("_ws", "_path")

    def __init__(self, ws: WorkingState, path: tuple[Any, ...] = ()) -> None:
        self._ws = ws
        self._path = path

    def snapshot(self) -> Any:
        """The current plain value (read it, do not mutate it)."""
        return self._ws.resolve(self._path)

    def __getitem__(self, key: str) -> Any:
        path = self._path
        if path:
            value = self._ws.resolve(path)[key]
        else:  # the root's get is C (a SharedRoot's is its HAMT's), its subscript may not be
            value = self._ws.root.get(key, MISSING)
            if value.__class__ in _SCALARS:  # the common read first: MISSING is no scalar
                return value
            if value is MISSING:
                raise KeyError(key)
        if value.__class__ in _SCALARS:
            return value
        if isinstance(value, (dict, list)):
            return wrap(self._ws, (*path, key), value)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        node = self._ws.resolve(self._path)
        if key in node:
            return wrap(self._ws, (*self._path, key), node[key])
        return default

    def __setitem__(self, key: str, value: Any) -> None:
        ws = self._ws
        top = ws.direct_keys
        store = ws.direct_store
        if store is not None and top is not None and not self._path:
            # The usual write of a reducer that has written before: a top-level scalar over one of its own class.
            # What the general code below decides for it, in fewer steps (no proxy to unwrap, no list, the key exists).
            old = store.get(key, MISSING)
            cls = value.__class__
            if old.__class__ is cls and cls in _SAME_CLASS_DIRECT:
                if old is value or old == value:
                    return
                if key in top:
                    store[key] = value
                    ws.note_direct(key)
                    return
        if self._path or top is None:
            ws.set((*self._path, key) if self._path else (key,), unwrap(value))
            return
        # A top-level key: set it here and note it, the owner records its id with the others at the next flush.
        # Once the root is owned, its store is read and written directly (it holds what the root shows).
        store = ws.direct_store
        old = (ws.root if store is None else store).get(key, MISSING)
        if old is value or (type(old) is type(value) and old == value):
            return
        if old is MISSING or old.__class__ is list or value.__class__ in _NOT_DIRECT or key not in top:
            ws.set((key,), unwrap(value))  # a new key, a list (its rows are dirty evidence), a proxy to unwrap
            return
        if store is None:
            store = ws.claim_root()[1]
        store[key] = value
        ws.note_direct(key)

    def __delitem__(self, key: str) -> None:
        self._ws.delete((*self._path, key))

    def __contains__(self, key: object) -> bool:
        return key in self._ws.resolve(self._path)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._ws.resolve(self._path)))

    def __len__(self) -> int:
        return len(self._ws.resolve(self._path))

    def __repr__(self) -> str:
        return f"DraftDict({self.snapshot()!r})"


class DraftList(MutableSequence[Any]):
    """A list of the working state, as seen and written by a reducer."""

    __slots__ = ("_ws", "_path")

    def __init__(self, ws: WorkingState, path: tuple[Any, ...]) -> None:
        self._ws = ws
        self._path = path

    def snapshot(self) -> Any:
        """The current plain value (read it, do not mutate it)."""
        return self._ws.resolve(self._path)

    def _index(self, index: SupportsIndex) -> int:
        i = index.__index__()
        n = len(self._ws.resolve(self._path))
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"list index {index} out of range at {'.'.join(map(str, self._path))}")
        return i

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: Any) -> Any:
        node = self._ws.resolve(self._path)
        if isinstance(index, slice):
            return node[index]
        i = self._index(index)
        return wrap(self._ws, (*self._path, i), node[i])

    @overload
    def __setitem__(self, index: int, value: Any) -> None: ...
    @overload
    def __setitem__(self, index: slice, value: Any) -> None: ...
    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            items = list(self._ws.resolve(self._path))
            items[index] = [unwrap(v) for v in value]
            self._ws.replace_list(self._path, items)
            return
        self._ws.set((*self._path, self._index(index)), unwrap(value))

    @overload
    def __delitem__(self, index: int) -> None: ...
    @overload
    def __delitem__(self, index: slice) -> None: ...
    def __delitem__(self, index: Any) -> None:
        if isinstance(index, slice):
            items = list(self._ws.resolve(self._path))
            del items[index]
            self._ws.replace_list(self._path, items)
            return
        self._ws.delete((*self._path, self._index(index)))

    def insert(self, index: int, value: Any) -> None:
        self._ws.insert(self._path, index, unwrap(value))

    def sort(self, *, key: Callable[[Any], Any] | None = None, reverse: bool = False) -> None:
        self._ws.replace_list(self._path, sorted(self._ws.resolve(self._path), key=key, reverse=reverse))

    def reverse(self) -> None:
        self._ws.replace_list(self._path, list(reversed(self._ws.resolve(self._path))))

    def clear(self) -> None:
        self._ws.replace_list(self._path, [])

    def __len__(self) -> int:
        return len(self._ws.resolve(self._path))

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        return f"DraftList({self.snapshot()!r})"


_NOT_DIRECT = frozenset({DraftDict, DraftList, list})
_SAME_CLASS_DIRECT = frozenset({int, float, str, bool, type(None), tuple})
"""Value classes a top-level write may set directly when the old value is of the same class (no proxy, no list)."""
"""Classes of a value the draft does not set itself: a proxy is unwrapped, a list's rows are dirty evidence."""
