"""What a module instance needs from the runtime it is mounted in: the small host protocol of the kernel.

An instance never sees the Runtime. Its host serialises transaction windows (one open at a time per runtime; an
entry point called inside a window is queued behind it), tells listeners about commits, and resolves converge
settings. `Kernel` is the host a Runtime builds; a test can hand an instance any object with these members.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from runtime.base.records import TxnOrigin, TxnRecord
from runtime.converge.config import ResolvedConvergeConfig
from runtime.debug.sink import DebugSink

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance

__all__ = ["InstanceHost", "WindowRun"]

WindowRun = Callable[[], TxnRecord | None]
"""One entry point's window: runs the body, converges, commits; returns the record or None when nothing changed."""


class InstanceHost(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def sink(self) -> DebugSink: ...

    @property
    def history_size(self) -> int: ...

    @property
    def in_transaction(self) -> bool: ...

    def enter(self, inst: ModuleInstance, run: WindowRun, origin: TxnOrigin) -> TxnRecord | None:
        """Run `run` as the one open window, or queue it behind the open one (and return None)."""
        ...

    def notify(self, inst: ModuleInstance, record: TxnRecord, listener: Callable[..., None], *args: Any) -> None:
        """Call a commit listener; one that raises is reported and the others still run."""
        ...

    def after_commit(self, inst: ModuleInstance, record: TxnRecord, state: Any) -> None:
        """The instance committed: tell the runtime's commit listeners (the tick layer among them)."""
        ...

    def converge_config(self, module_id: str) -> ResolvedConvergeConfig: ...
