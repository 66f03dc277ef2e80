"""Fakes of the small protocols the runtime's parts take, so each part can be built and tested alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runtime.base.records import TxnOrigin, TxnRecord
from runtime.busy.registry import PendingRegistry
from runtime.converge.config import ConvergeSettings, ResolvedConvergeConfig
from runtime.debug.hub import DebugHub
from runtime.debug.sink import DebugSink, Level
from runtime.kernel.instance import ModuleInstance, WindowRun


class FakeHost:
    """An InstanceHost that runs every window at once and records what the instance asked of it."""

    def __init__(self, level: Level = "off") -> None:
        self.label = "fake"
        self.sink = DebugSink(DebugHub(1000), level, "fake")
        self.history_size = 10
        self.pending = PendingRegistry()
        self.in_transaction = False
        self.commits: list[tuple[str, int]] = []
        self.on_commit: Callable[[ModuleInstance, TxnRecord, Any], None] | None = None
        self._settings = ConvergeSettings()

    def enter(self, inst: ModuleInstance, run: WindowRun, origin: TxnOrigin) -> TxnRecord | None:
        self.in_transaction = True
        try:
            return run()
        finally:
            self.in_transaction = False

    def notify(self, inst: ModuleInstance, record: TxnRecord, listener: Callable[..., None], *args: Any) -> None:
        listener(*args)

    def after_commit(self, inst: ModuleInstance, record: TxnRecord, state: Any) -> None:
        self.commits.append((inst.instance_id, record.txn_seq))
        if self.on_commit is not None:
            self.on_commit(inst, record, state)

    def converge_config(self, module_id: str) -> ResolvedConvergeConfig:
        return self._settings.resolve(module_id)


class FakeTickHost:
    """A TickHost whose transaction window the test opens and closes by hand."""

    def __init__(self, level: Level = "off") -> None:
        self.label = "fake"
        self.sink = DebugSink(DebugHub(1000), level, "fake")
        self.in_transaction = False
