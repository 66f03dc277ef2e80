"""Recording the live session to a trace file from the UI (the runtime's TraceWriter, attached and detached)."""

from __future__ import annotations

from pathlib import Path

from runtime import Runtime
from runtime.trace import TraceWriter

__all__ = ["Recorder"]


class Recorder:
    """At most one recording at a time; `stop` closes the file so it is complete and loadable."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.path: Path | None = None
        self._writer: TraceWriter | None = None
        self._last_count = 0

    @property
    def active(self) -> bool:
        return self._writer is not None

    @property
    def count(self) -> int:
        """Records written by the running (or the last) recording."""
        return self._writer.count if self._writer is not None else self._last_count

    def start(self, path: str | Path) -> None:
        if self._writer is not None:
            raise RuntimeError(f"already recording to {self.path}")
        self.path = Path(path)
        self._writer = TraceWriter(self.path, label=self.runtime.label).attach(self.runtime.hub, runtime=self.runtime)

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def stop(self) -> int:
        """Close the file; returns how many records it holds (after its header)."""
        if self._writer is None:
            return self._last_count
        self._last_count = self._writer.count
        self._writer.close()
        self._writer = None
        return self._last_count
