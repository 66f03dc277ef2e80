"""The trace writer: a runtime's exported records as JSON Lines.

Line 1 is a header `{"format": "tickscope-trace", "formatVersion": 1, "protocolVersion", "runId", "createdAt",
"source": {"host", "label"}}`; every further line is one ObservationEnvelope (schema 005) of type `debug:event`
(payload: a RuntimeDebugEventRef) or `static-ir` (payload: a ConvergeStaticIrExport, written before any event that
names its digest, because the hub announces an IR before the events that use it).

Each record is written as one whole line, so a crash of the recording process leaves every line but possibly the
last one complete and readable.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import IO, Any

import orjson

from ..debug.hub import DebugHub

__all__ = ["TraceWriter", "FORMAT", "FORMAT_VERSION", "PROTOCOL_VERSION"]

FORMAT = "tickscope-trace"
FORMAT_VERSION = 1
PROTOCOL_VERSION = "v1"
_FLUSH_EVERY = 256


class TraceWriter:
    """Streams records to a file; use it as a hub tap (`attach`) or call `write` yourself."""

    def __init__(self, path: str | os.PathLike[str], *, label: str = "runtime", run_id: str | None = None,
                 created_at: float | None = None) -> None:
        import time

        self.path = Path(path)
        self.created_at = time.time() * 1000.0 if created_at is None else created_at
        self.run_id = run_id or f"{label}-{os.getpid()}-{int(self.created_at)}"
        self._file: IO[bytes] | None = self.path.open("wb")
        self._seq = 0
        self._pending = 0
        self._detach: Any = None
        header = {
            "format": FORMAT,
            "formatVersion": FORMAT_VERSION,
            "protocolVersion": PROTOCOL_VERSION,
            "runId": self.run_id,
            "createdAt": self.created_at,
            "source": {"host": socket.gethostname(), "label": label},
        }
        self._file.write(orjson.dumps(header) + b"\n")
        self._file.flush()

    @property
    def count(self) -> int:
        """Envelopes written so far."""
        return self._seq

    def write(self, kind: str, payload: dict[str, Any], timestamp: float | None = None) -> None:
        if self._file is None:
            raise ValueError(f"trace {self.path} is closed")
        self._seq += 1
        ts = payload.get("timestamp") if timestamp is None else timestamp
        envelope = {
            "protocolVersion": PROTOCOL_VERSION,
            "runId": self.run_id,
            "seq": self._seq,
            "timestamp": ts if isinstance(ts, (int, float)) else self.created_at,
            "type": kind,
            "payload": payload,
        }
        self._file.write(orjson.dumps(envelope) + b"\n")
        self._pending += 1
        if self._pending >= _FLUSH_EVERY:
            self.flush()

    __call__ = write

    def attach(self, hub: DebugHub) -> TraceWriter:
        """Record everything the hub exports from now on (and the IRs it already knows)."""
        self._detach = hub.tap(self.write)
        return self

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()
            self._pending = 0

    def close(self) -> None:
        if self._detach is not None:
            self._detach()
            self._detach = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
