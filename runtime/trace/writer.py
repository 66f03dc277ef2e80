"""The trace writer: a runtime's exported records as JSON Lines.

Line 1 is a header `{"format": "tickscope-trace", "formatVersion": 1, "protocolVersion", "runId", "createdAt",
"source": {"host", "label"}}`; every further line is one ObservationEnvelope
`{protocolVersion, runId, seq, timestamp, type, payload}` (format.py; the schemas are in docs/rules/traces.md).
Envelope types:

- `debug:event`: payload a RuntimeDebugEventRef.
- `static-ir`: payload a ConvergeStaticIrExport, written before any event that names its digest,
  because the hub announces an IR before the events that use it.
- `state:snapshot` (written by `attach(hub, runtime=rt)` while the runtime is at diagnostics level `full`): the whole
  committed state of one instance, not cut to the 4 KB event budget, so a replay can rebuild states exactly.
  Payload `{moduleId, instanceId, txnSeq, txnId?, timestamp, state, encoding: "tagged-json-v1", downgrade?}`. It
  follows the `state:update` of its transaction (and `txnSeq` 0 follows `module:init`: the state at mount).
  Encoding: the same JSON projection as event metas without any size limit: tuples as `{"$tuple": [...]}`, sets as
  `{"$set": [...]}`, values JSON cannot hold as their repr (then `downgrade: {"reason": "non_serializable"}`).
- Other layers may add their own types (operation facts, declarative link IR); readers keep unknown types as side
  records in order, so adding one never breaks an older reader.

Writing is streaming and bounded: each record is serialised and written as one whole line at once, and the file
buffer is flushed every 256 records or 250 ms, whichever comes first. A crash of the recording process therefore
loses at most the records of the last quarter second, and leaves every line but possibly the last one complete;
the loader reports a cut last line by its number and loads the rest.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from runtime.debug.hub import DebugHub
from runtime.debug.projection import SizeBudget, project
from runtime.trace.format import FORMAT, FORMAT_VERSION, PROTOCOL_VERSION, SNAPSHOT_ENCODING, SNAPSHOT_TYPE

if TYPE_CHECKING:
    from runtime.base.records import TxnRecord
    from runtime.kernel.instance import ModuleInstance
    from runtime.runtime import Runtime

__all__ = ["TraceWriter", "encode_full_state"]

_FLUSH_EVERY = 256
_FLUSH_AFTER_S = 0.25
_UNBOUNDED = SizeBudget(max_depth=900, max_keys=2**62, max_items=2**62, max_string=2**62, max_bytes=2**62)


def encode_full_state(state: Any) -> tuple[Any, str | None]:
    """A whole state as tagged JSON (no size limit) and the downgrade reason when some value had to become text."""
    projected = project(state, _UNBOUNDED)
    return projected.value, projected.downgrade


class TraceWriter:
    """Streams records to a file; use it as a hub tap (`attach`) or call `write` yourself."""

    def __init__(self, path: str | os.PathLike[str], *, label: str = "runtime", run_id: str | None = None,
                 created_at: float | None = None) -> None:
        self.path = Path(path)
        self.created_at = time.time() * 1000.0 if created_at is None else created_at
        self.run_id = run_id or f"{label}-{os.getpid()}-{int(self.created_at)}"
        self._file: IO[bytes] | None = self.path.open("wb")
        self._seq = 0
        self._pending = 0
        self._last_flush = time.monotonic()
        self._detach: list[Callable[[], None]] = []
        self._runtime: Runtime | None = None
        header = {
            "format": FORMAT,
            "formatVersion": FORMAT_VERSION,
            "protocolVersion": PROTOCOL_VERSION,
            "runId": self.run_id,
            "createdAt": self.created_at,
            "source": {"host": socket.gethostname() or "localhost", "label": label},
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
        if self._pending >= _FLUSH_EVERY or time.monotonic() - self._last_flush >= _FLUSH_AFTER_S:
            self.flush()

    __call__ = write

    def write_encoded(self, kind: str, payload_json: bytes, timestamp: float) -> None:
        """Write one record whose payload is already JSON (`payload_json`, an object): the bytes go into the line
        as they are, so a store's rows are written out again without decoding them."""
        if self._file is None:
            raise ValueError(f"trace {self.path} is closed")
        self._seq += 1
        head = orjson.dumps({"protocolVersion": PROTOCOL_VERSION, "runId": self.run_id, "seq": self._seq,
                             "timestamp": timestamp, "type": kind})
        self._file.write(head[:-1] + b',"payload":' + payload_json + b"}\n")
        self._pending += 1
        if self._pending >= _FLUSH_EVERY or time.monotonic() - self._last_flush >= _FLUSH_AFTER_S:
            self.flush()

    def attach(self, hub: DebugHub, *, runtime: Runtime | None = None) -> TraceWriter:
        """Record everything the hub exports from now on (and the IRs it already knows).

        With `runtime`, also write a `state:snapshot` after every commit (and at every mount) while the runtime's
        diagnostics level is `full`; the current state of instances already mounted is written at once.
        """
        if runtime is not None:
            self._runtime = runtime
            self._detach.append(runtime.add_commit_listener(self._on_commit))
        self._detach.append(hub.tap(self._on_record if runtime is not None else self.write))
        if runtime is not None and runtime.sink.full:
            for inst in runtime.instances():
                self._snapshot(inst, inst.txn_seq, inst.get_state())
        return self

    def _on_record(self, kind: str, payload: dict[str, Any]) -> None:
        self.write(kind, payload)
        rt = self._runtime
        if kind == "debug:event" and payload.get("label") == "module:init" and rt is not None and rt.sink.full:
            try:
                inst = rt.instance(payload["instanceId"])
            except KeyError:
                return  # not one of this runtime's instances (a forwarded event)
            self._snapshot(inst, 0, inst.get_state())

    def _on_commit(self, inst: ModuleInstance, record: TxnRecord, state: Any) -> None:
        rt = self._runtime
        if rt is not None and rt.sink.full:
            self._snapshot(inst, record.txn_seq, state, record.txn_id)

    def _snapshot(self, inst: ModuleInstance, txn_seq: int, state: Any, txn_id: str | None = None) -> None:
        value, downgrade = encode_full_state(state)
        payload: dict[str, Any] = {
            "moduleId": inst.module_id,
            "instanceId": inst.instance_id,
            "txnSeq": txn_seq,
            "timestamp": inst.host.sink.clock.now_ms(),
            "state": value,
            "encoding": SNAPSHOT_ENCODING,
        }
        if txn_id:
            payload["txnId"] = txn_id
        if downgrade:
            payload["downgrade"] = {"reason": downgrade}
        self.write(SNAPSHOT_TYPE, payload)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()
            self._pending = 0
            self._last_flush = time.monotonic()

    def close(self) -> None:
        for detach in self._detach:
            detach()
        self._detach.clear()
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
