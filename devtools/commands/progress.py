"""A terminal progress bar for long headless work (silent when stderr is not a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from runtime.trace import EventStore, TraceFormatError, load_trace

__all__ = ["ProgressBar", "load_with_progress"]

_WIDTH = 30


class ProgressBar:
    """`bar.update(done, total)` redraws at most ten times a second; `bar.close()` ends the line."""

    def __init__(self, label: str, *, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0
        self._drawn = False

    def update(self, done: float, total: float) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        frac = 0.0 if total <= 0 else max(0.0, min(1.0, done / total))
        filled = int(frac * _WIDTH)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (_WIDTH - filled)}] {frac * 100:5.1f}%")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load_with_progress(path: str, *, prefix: str = "") -> EventStore | None:
    """Load the trace at `path` with a progress bar on a terminal; None, with the problem on stderr (after `prefix`),
    when it is no trace."""
    try:
        with ProgressBar(f"loading {path}") as bar:
            return load_trace(path, progress=bar.update)
    except TraceFormatError as exc:
        print(f"{prefix}{exc}", file=sys.stderr)
        return None
