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

from collections.abc import Callable, Iterator, MutableMapping, MutableSequence
from typing import Any, SupportsIndex, overload

from runtime.base.state_access import MISSING
from runtime.base.state_root import SHARE_MIN, SharedRoot

__all__ = ["WorkingState", "DraftDict", "DraftList", "wrap", "unwrap", "unwrap_all", "WriteListener"]

WriteListener = Callable[[tuple[Any, ...], Any, Any], object]
"""Told (path, old, new) of every effective write; what it returns is ignored."""
"""Called as (raw_path, old, new) for every effective write; old or new is MISSING for a created or deleted key."""


def _ignore_write(raw_path: tuple[Any, ...], old: Any, new: Any) -> None:
    """The write listener of a working state whose window is over."""


class WorkingState:
    """The state a transaction reads and writes; `root` is the latest value."""

    __slots__ = ("root", "_owned", "_on_write", "_undo")

    def __init__(self, base: dict[str, Any] | SharedRoot, on_write: WriteListener) -> None:
        self.root: Any = base  # a dict, or a SharedRoot when large; either is written in place only once owned
        self._owned: dict[int, Any] = {}
        self._on_write = on_write
        self._undo: list[tuple[Any, Any, Any]] | None = None

    def start_undo(self) -> None:
        """From now on, remember how to take every write back (converge's derived writes may be rolled back)."""
        self._undo = []

    def rollback(self) -> None:
        """Take back every write since start_undo, newest first."""
        undo, self._undo = self._undo or [], None
        for container, key, old in reversed(undo):
            if container is None:
                self.root = old
            elif old is MISSING:
                del container[key]
            else:
                container[key] = old

    def stop_undo(self) -> None:
        self._undo = None

    def release(self) -> None:
        """The window is over: stop telling its owner of writes. The listener is the owner's bound method, so
        keeping it would leave a reference cycle (owner -> working state -> owner) for the collector to find on
        every dispatch, with the state versions it holds."""
        self._on_write = _ignore_write

    def adopt(self, root: dict[str, Any] | SharedRoot) -> None:
        """Make `root` the state; it is not ours to mutate, so later writes copy it."""
        if self._undo is not None:
            self._undo.append((None, None, self.root))
        self.root = root
        self._owned = {}

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
        if self._undo is not None:
            self._undo.append((None, None, self.root))
        root = self.root
        if root.__class__ is dict and len(root) >= SHARE_MIN:
            root = SharedRoot(root)  # once per instance: later transactions share it in O(1)
        self.root = root = self._own(root)
        return root

    def claim_root(self) -> tuple[dict[str, Any], list[tuple[Any, Any, Any]] | None]:
        """The root, owned by this transaction (copied on the first claim), and the undo log (None when not
        recording), for a writer that sets top-level keys itself and reports their dirty evidence in bulk (the
        assembled converge kernels): it must log (root, key, old) for each write it makes."""
        root = self.root
        if id(root) not in self._owned:
            root = self._own_root()
        return root, self._undo

    def _owned_container(self, raw_path: tuple[Any, ...], create: bool) -> Any:
        """The container at raw_path, copied (with its ancestors) unless this transaction already owns it."""
        owned = self._owned
        undo = self._undo
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
                if undo is not None:
                    undo.append((node, seg, MISSING))
                node[seg] = child
            if id(child) not in owned:
                if not isinstance(child, (dict, list)):
                    raise TypeError(f"cannot write inside {type(child).__name__} at {'.'.join(map(str, raw_path))}")
                if undo is not None:
                    undo.append((node, seg, child))
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
        if self._undo is not None:
            self._undo.append((parent, key, old))
        parent[key] = value
        self._on_write(raw_path, old, value)
        return True

    def delete(self, raw_path: tuple[Any, ...]) -> None:
        parent = self._owned_container(raw_path[:-1], False)
        key = raw_path[-1]
        old = parent[key]
        if self._undo is not None:
            self._undo.append((parent, slice(None), list(parent)) if isinstance(parent, list) else (parent, key, old))
        del parent[key]
        self._on_write(raw_path, old, MISSING)

    def insert(self, list_path: tuple[Any, ...], index: int, value: Any) -> None:
        target = self._owned_container(list_path, False)
        n = len(target)
        index = max(0, min(n, index + n if index < 0 else index))
        if self._undo is not None:
            self._undo.append((target, slice(None), list(target)))
        target.insert(index, value)
        self._on_write((*list_path, index), MISSING, value)

    def replace_list(self, list_path: tuple[Any, ...], items: list[Any]) -> None:
        """Replace the items of a list in place (sort, slice assignment): one write of the whole list."""
        old = list(self.resolve(list_path))
        if old == items:
            return
        target = self._owned_container(list_path, False)
        if self._undo is not None:
            self._undo.append((target, slice(None), old))
        target[:] = items
        self._on_write(list_path, old, list(items))


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
        value = (self._ws.resolve(path) if path else self._ws.root)[key]
        if value.__class__ is dict or value.__class__ is list or isinstance(value, (dict, list)):
            return wrap(self._ws, (*path, key), value)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        node = self._ws.resolve(self._path)
        if key in node:
            return wrap(self._ws, (*self._path, key), node[key])
        return default

    def __setitem__(self, key: str, value: Any) -> None:
        self._ws.set((*self._path, key) if self._path else (key,), unwrap(value))

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
