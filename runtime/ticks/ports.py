"""What the tick scheduler uses of the layers around it, as small Protocols.

The scheduler never sees the Runtime, the declarative links or the external-store fields themselves:
- its host (the kernel) says whether a transaction window is open and carries the debug sink;
- external inputs (external-store fields) signal with `mark_input`, and a tick's drain reads each once (`pull`);
- the drain step (links and coalescing windows, provided by the sources layer) is applied to the instances that
  committed since the last round.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from runtime.debug.sink import DebugSink

if TYPE_CHECKING:
    from runtime.ticks.job_queue import FreshModule

__all__ = ["DrainStep", "ExternalInput", "InputSink", "TickHost"]


class TickHost(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def sink(self) -> DebugSink: ...

    @property
    def in_transaction(self) -> bool:
        """True while a transaction window is open: no tick runs inside one."""
        ...


class ExternalInput(Protocol):
    """A source of writes that a tick reads outside any transaction window (the external-store fields of one
    instance)."""

    @property
    def triggers(self) -> tuple[tuple[str, str, str], ...]:
        """(moduleId, instanceId, fieldPath) of each field that signalled, for the tick's trigger summary."""
        ...

    def pull(self) -> None:
        """Read what signalled once and write what changed in one transaction of its own."""
        ...


class InputSink(Protocol):
    """Where external inputs signal (the scheduler)."""

    def mark_input(self, source: ExternalInput) -> None: ...

    def note_timer(self) -> None: ...


class DrainStep(Protocol):
    """What a tick's drain round applies to the instances that committed since the last round."""

    def apply(self, fresh: Mapping[str, FreshModule]) -> None:
        """React to fresh commits: dispatch declarative links, mark module-as-source fields as inputs."""
        ...

    def idle_for(self, key: str) -> bool:
        """True when `apply` would do nothing for a commit of the instance `key` (a tick of that one commit may then
        skip the drain round). A drain step without this method sees every commit through the full tick."""
        ...

    def has_work_for(self, fresh: Mapping[str, FreshModule]) -> bool:
        """Whether `apply` would do anything for these commits (a cycle needs another round only then)."""
        ...

    def pending_windows(self) -> int:
        """Inputs holding a value back in a coalescing window (reported as backlog)."""
        ...
