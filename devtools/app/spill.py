"""The spill file: a trace file the events a live window lets go are appended to, so none of them is lost.

It is an ordinary tickscope trace (`runtime.trace.TraceWriter`: a header, then envelopes), so `tickscope open` and
every exporter read it. Static IRs come before the first event that names their digest, as in any recording. The
rows are written from the store's stored JSON as they are (`TraceWriter.write_encoded`), in slices the caller
schedules between loop turns: `write_rows(lo, hi)` writes rows lo..hi of the store now.

One window spills into one file for as long as it runs (each release appends to it); the file is complete after
every slice but its last line may still sit in the writer's buffer until `flush()` or `close()`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from runtime.trace import EventStore, TraceWriter

__all__ = ["SpillFile", "spill_path"]


def spill_path(directory: str | os.PathLike[str], label: str) -> Path:
    """A new file name in `directory` for a session of `label` (the time it started, and this process)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in label) or "session"
    return Path(directory) / f"{safe}-{stamp}-{os.getpid()}.spill.jsonl"


class SpillFile:
    """Appends rows of a live store to one trace file."""

    def __init__(self, path: str | os.PathLike[str], *, label: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = TraceWriter(self.path, label=label)
        self._irs_written: set[tuple[str, str]] = set()
        self.rows_written = 0

    def write_rows(self, store: EventStore, lo: int, hi: int) -> None:
        """Append rows lo..hi-1 of `store` (after the static IRs their digests name, if not written yet)."""
        writer = self._writer
        if len(self._irs_written) < len(store.static_irs):
            for etype, payload in store.static_records():
                if (etype, payload["staticIrDigest"]) not in self._irs_written:
                    writer.write(etype, payload)
                    self._irs_written.add((etype, payload["staticIrDigest"]))
        ts = store.ts
        for row in range(lo, hi):
            writer.write_encoded("debug:event", store.raw(row), ts[row])
        self.rows_written += max(0, hi - lo)

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()
