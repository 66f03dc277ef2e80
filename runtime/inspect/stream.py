"""The envelope stream of one inspector: records come in from the runtime's hub tap, go out as sequenced envelopes.

Two threads touch it. The application thread only runs `tap`: one append to a bounded deque, no lock, no system
call; that is the whole fixed cost a viewer can put on the application, however slow the viewer is. (Waking the
server thread per record was measured to cost a third of the application's throughput: every wake-up is a pipe write
that hands the interpreter lock over. The server thread polls instead, every few milliseconds.) The server thread
runs everything else (`take`, `marker`, `replay`, `clear`): it gives every
record its seq, keeps a bounded window of recent envelopes for late subscribers and reconnects, and keeps every
static IR (they are few, and no event can be read without the IR its digest names).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from .protocol import PROTOCOL_VERSION, envelope

__all__ = ["EnvelopeStream"]

Envelope = dict[str, Any]


class EnvelopeStream:
    """Sequenced envelopes of one run (seq dense from 1 over everything streamed)."""

    def __init__(self, run_id: str, *, pending_limit: int, retain: int) -> None:
        self.run_id = run_id
        self._pending: deque[tuple[str, dict[str, Any]]] = deque(maxlen=max(1, pending_limit))
        self.pending_lost = 0
        """Records pushed out of the pending deque before the server thread took them (written by the app thread)."""
        self._lost_reported = 0
        self._seq = 0
        self._retained: deque[tuple[int, Envelope]] = deque(maxlen=max(1, retain))
        self._static: list[tuple[int, Envelope]] = []

    @property
    def last_seq(self) -> int:
        return self._seq

    # -- application thread -----------------------------------------------------------------------------------------

    def tap(self, kind: str, payload: dict[str, Any]) -> None:
        """The hub tap: O(1), never blocks, never raises for a slow server."""
        pending = self._pending
        if len(pending) == pending.maxlen:
            self.pending_lost += 1
        pending.append((kind, payload))

    # -- server thread ----------------------------------------------------------------------------------------------

    def take(self) -> tuple[list[Envelope], int]:
        """Sequence what arrived since the last call; returns (envelopes, records lost before they got a seq)."""
        # One tight loop with locals: this runs for every record the runtime exports, on the interpreter lock the
        # application needs too.
        pending = self._pending
        popleft = pending.popleft
        retained, statics = self._retained.append, self._static.append
        run_id, seq, now = self.run_id, self._seq, time.time() * 1000.0
        out: list[Envelope] = []
        add = out.append
        for _ in range(len(pending)):
            kind, payload = popleft()
            seq += 1
            ts = payload.get("timestamp", now)
            env = {"protocolVersion": PROTOCOL_VERSION, "runId": run_id, "seq": seq,
                   "timestamp": ts if ts.__class__ is float or ts.__class__ is int else now, "type": kind,
                   "payload": payload}
            add(env)
            if kind == "static-ir":
                statics((seq, env))
            else:
                retained((seq, env))
        self._seq = seq
        lost = self.pending_lost - self._lost_reported
        self._lost_reported += lost
        return out, lost

    def marker(self, payload: dict[str, Any]) -> Envelope:
        """An `inspect:control` envelope: the observable effect of a control command, streamed like any event."""
        return self._add("inspect:control", payload, time.time() * 1000.0)

    def _add(self, kind: str, payload: Any, timestamp: float) -> Envelope:
        self._seq += 1
        env = envelope(self.run_id, self._seq, timestamp, kind, payload)
        if kind == "static-ir":
            self._static.append((self._seq, env))
        else:
            self._retained.append((self._seq, env))
        return env

    def clear(self) -> None:
        """Forget the retained window (static IRs stay: later events still need them)."""
        self._retained.clear()

    def replay(self, after_seq: int) -> tuple[list[Envelope], int]:
        """Retained envelopes with seq > after_seq in order, and how many of those seqs are no longer retained."""
        first_kept = self._retained[0][0] if self._retained else self._seq + 1
        statics = [(s, e) for s, e in self._static if s > after_seq]
        gone = max(0, first_kept - after_seq - 1) - sum(1 for s, _ in statics if s < first_kept)
        events = [e for s, e in self._retained if s > after_seq]
        merged = sorted(statics + [(e["seq"], e) for e in events], key=lambda item: item[0])
        return [e for _, e in merged], max(0, gone)

    def error_envelope_seq(self) -> int:
        return max(1, self._seq)
