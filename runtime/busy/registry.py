"""The pending registry: the one place busy state reads from. Action runs and resource loads report here.

    pending = rt.pending                                         # one per runtime
    pending.begin("run", link_id, owner="save-todo", instance_id="todos#1")   # an ActionCoordinator does this
    pending.end("run", link_id)                                               # ... and this, when the run settles
    pending.begin("resource", load_id, owner="user:42", link_id=initiator)    # a resource cache, per pending load

Busy state comes only from these two kinds (a business boolean is never a source of truth: it would be a second
truth next to the run or the load, and could tear from it). `end` of something that is not pending is a no-op, so a
caller may end in every exit path without bookkeeping of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from runtime.base.listeners import ListenerList
from runtime.errors import DefinitionError

__all__ = ["PENDING_KINDS", "PendingEntry", "PendingKind", "PendingListener", "PendingRegistry"]

PendingKind = Literal["run", "resource"]
PENDING_KINDS: tuple[PendingKind, ...] = get_args(PendingKind)


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """One pending thing: an action run (key = its linkId, owner = its actionId) or a resource load (key = the
    load's id, owner = its resourceKey)."""

    kind: PendingKind
    key: str
    owner: str
    instance_id: str | None = None
    link_id: str | None = None
    """The action run that caused it (a run's own linkId; a resource load's initiator, when known)."""


PendingListener = Callable[[PendingEntry, bool], None]
"""Called with (entry, True) when it starts pending and (entry, False) when it stops."""


class PendingRegistry:
    """What is pending in one runtime, and who wants to hear when that changes."""

    __slots__ = ("_entries", "_listeners")

    def __init__(self) -> None:
        self._entries: dict[tuple[PendingKind, str], PendingEntry] = {}
        self._listeners: ListenerList[[PendingEntry, bool]] = ListenerList("the pending registry")

    def begin(self, kind: PendingKind, key: str, *, owner: str, instance_id: str | None = None,
              link_id: str | None = None) -> PendingEntry:
        """`key` of `kind` is pending from now on (a second begin of the same key keeps the first entry)."""
        if kind not in PENDING_KINDS:
            raise DefinitionError(f"pending kind {kind!r} is not one of {', '.join(PENDING_KINDS)}: busy state "
                                  "comes only from action runs and resource loads")
        found = self._entries.get((kind, key))
        if found is not None:
            return found
        entry = PendingEntry(kind, key, owner, instance_id, link_id)
        self._entries[(kind, key)] = entry
        self._tell(entry, True)
        return entry

    def end(self, kind: PendingKind, key: str) -> bool:
        """`key` is no longer pending; False when it was not."""
        entry = self._entries.pop((kind, key), None)
        if entry is None:
            return False
        self._tell(entry, False)
        return True

    def entries(self) -> tuple[PendingEntry, ...]:
        """Everything pending now, oldest first."""
        return tuple(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def subscribe(self, listener: PendingListener) -> Callable[[], None]:
        return self._listeners.add(listener)

    def _tell(self, entry: PendingEntry, started: bool) -> None:
        self._listeners.notify(entry, started)
