"""Loading a trace without blocking the loop: `load_trace` in a worker thread, progress reported on the loop.

The parser is pure Python and holds the GIL while it works. With the default 5 ms switch interval the loop's
thread waited up to 5 ms for the GIL each time it needed it, several times per loop turn; while a load runs the
interval is 1 ms and the worker yields after every chunk (~5 ms of parsing), so the window stays responsive.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from runtime.trace import EventStore, load_trace

from . import heap

__all__ = ["load_in_worker"]


async def load_in_worker(path: str | Path, progress: Callable[[int, int], None] | None = None,
                         cancel: threading.Event | None = None) -> EventStore:
    """`load_trace` in a worker thread (indexes built there too), `progress(done, total)` called on the loop."""
    loop = asyncio.get_running_loop()
    heap.settle()  # the worker's allocations would otherwise trigger full collections over the whole app

    def report(done: int, total: int) -> None:
        if progress is not None:
            loop.call_soon_threadsafe(progress, done, total)
        time.sleep(0)  # the loop's thread may take the GIL at once

    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, 0.001))
    try:
        return await loop.run_in_executor(
            None, lambda: load_trace(path, progress=report, cancel=cancel, build_indexes=True))
    finally:
        sys.setswitchinterval(interval)
