"""The tick scheduler's job queue: module commits waiting to be published, coalesced per module instance.

A module instance has at most one entry: the latest committed state wins, the priority is the highest of its commits
(normal beats low), and the dirty paths and commit records accumulate. Separately, `fresh` tracks which instances
committed since declarative links last looked at them (a tick's drain rounds take it), and `topics` holds topics
marked dirty without a module commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from runtime.base.paths import FieldPath
from runtime.base.records import TxnRecord

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance

__all__ = ["JobQueue", "PendingModule", "FreshModule", "record_paths"]


def record_paths(inst: ModuleInstance, record: TxnRecord) -> list[FieldPath] | None:
    """The dirty root paths of a commit; None when it dirtied everything."""
    if record.dirty.dirty_all:
        return None
    table = inst.shape.registry.paths
    return [table[i] for i in record.dirty.root_ids]


class PendingModule:
    """The coalesced commits of one instance that no tick has published yet."""

    __slots__ = ("key", "inst", "state", "urgent", "records", "paths", "removed")

    def __init__(self, key: str, inst: ModuleInstance) -> None:
        self.key = key
        self.inst = inst
        self.state: Any = None
        self.urgent = False
        self.records: list[TxnRecord] = []
        self.paths: set[FieldPath] | None = set()
        self.removed = False

    def add(self, record: TxnRecord, state: Any, found: list[FieldPath] | None) -> None:
        """`found`: the record's dirty paths (None: everything), worked out once for this entry and the fresh one."""
        self.state = state
        self.records.append(record)
        if record.priority != "low":
            self.urgent = True
        if self.paths is not None:
            if found is None:
                self.paths = None
            else:
                self.paths.update(found)

    def merge(self, later: PendingModule) -> None:
        """Fold the entry of later commits into this (older, requeued) one."""
        self.state = later.state
        self.removed = later.removed
        self.records.extend(later.records)
        self.urgent = self.urgent or later.urgent
        if self.paths is not None:
            self.paths = None if later.paths is None else self.paths | later.paths


class FreshModule:
    """What an instance committed since links last looked: the paths touched (None: everything) and urgency."""

    __slots__ = ("inst", "paths", "urgent")

    def __init__(self, inst: ModuleInstance) -> None:
        self.inst = inst
        self.paths: set[FieldPath] | None = set()
        self.urgent = False


class JobQueue:
    __slots__ = ("pending", "fresh", "topics")

    def __init__(self) -> None:
        self.pending: dict[str, PendingModule] = {}
        self.fresh: dict[str, FreshModule] = {}
        self.topics: dict[str, bool] = {}
        """Topic key -> low priority, for topics marked dirty directly."""

    def __bool__(self) -> bool:
        return bool(self.pending or self.fresh or self.topics)

    def enqueue_commit(self, key: str, inst: ModuleInstance, record: TxnRecord, state: Any) -> None:
        entry = self.pending.get(key)
        if entry is None:
            entry = self.pending[key] = PendingModule(key, inst)
        fresh = self.fresh.get(key)
        if fresh is None:
            fresh = self.fresh[key] = FreshModule(inst)
        found = record_paths(inst, record) if entry.paths is not None or fresh.paths is not None else None
        entry.add(record, state, found)
        if record.priority != "low":
            fresh.urgent = True
        if fresh.paths is not None:
            if found is None:
                fresh.paths = None
            else:
                fresh.paths.update(found)

    def enqueue_removal(self, key: str, inst: ModuleInstance) -> None:
        entry = self.pending.get(key)
        if entry is None:
            entry = self.pending[key] = PendingModule(key, inst)
        entry.removed = True
        entry.state = None
        entry.urgent = True
        entry.paths = None
        self.fresh.pop(key, None)

    def mark_topic(self, key: str, low: bool) -> None:
        self.topics[key] = self.topics.get(key, True) and low

    def take_fresh(self) -> dict[str, FreshModule]:
        fresh = self.fresh
        self.fresh = {}
        return fresh

    def restore_fresh(self, fresh: dict[str, FreshModule]) -> None:
        for key, item in fresh.items():
            self.fresh.setdefault(key, item)

    def drain(self) -> dict[str, PendingModule]:
        pending = self.pending
        self.pending = {}
        return pending

    def take_topics(self) -> dict[str, bool]:
        topics = self.topics
        self.topics = {}
        return topics

    def requeue(self, deferred: Iterable[PendingModule]) -> None:
        """Put deferred entries back ahead of anything queued meanwhile (older commits stay first)."""
        later = self.pending
        self.pending = {}
        for entry in deferred:
            self.pending[entry.key] = entry
        for key, entry in later.items():
            older = self.pending.get(key)
            if older is None:
                self.pending[key] = entry
            else:
                older.merge(entry)
