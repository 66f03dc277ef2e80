"""The envelope stream of one inspector: records come in through a hub feed, go out as serialised batches.

The hub appends every exported record to the stream's `queue` (a C call: no Python runs per record) and calls
`flush` on the application's thread every `flush_every` records: the flush numbers what is queued and serialises
it, one orjson call per batch. The server thread hands the serialised batches to its clients every few
milliseconds, and flushes only records the application has left queued for several of those intervals (an idle
application): were it to race the application for every flush it would do nearly all of them, at twice the cost.
So the application pays a fixed cost per record, the same for a fast, a slow or a stalled viewer, and never waits
on a socket.

What exporting costs, counted with callgrind on the demo runtime at light diagnostics (instructions per transaction;
a transaction itself is about 570k): orjson about 45k (40k the payloads, 5k their envelopes), the rest about 10k.
Flushing every 64 records rather than 256 adds 1.5k instructions but serialises records still in the cache: the
simulated misses of a 1 MB L2 fall from 312 to 189 per transaction. Two choices keep the rest small. The
envelopes are a pool of dicts reused from flush to flush and filled by C loops (`map` over `setitem`): building
six-key dicts per record cost 10k, and the per-record Python tap that the hub feed replaced another 5k. And the
flush serialises records it did not copy: a record is immutable once exported.

Why serialise on the application's thread rather than the server's: both need the interpreter lock, and measured on
the demo runtime the same work done by a second thread cost about twice as much (cross-thread hand-offs of the lock
and of cache lines).

Kept for late subscribers and reconnects: the last `retain` envelopes as serialised batches (compact, nothing for the
garbage collector to walk), and every static IR (few, and no event can be read without the IR its digest names).
`seq` is dense from 1 over everything streamed. The batches of static IRs and control markers are marked essential:
a client's bounded queue never drops them (session.py), so a late subscriber always gets the IRs first.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from itertools import repeat, starmap
from operator import setitem
from typing import Any

import orjson

from runtime.debug.hub import GRAPH_TYPE, Feed
from runtime.inspect.protocol import PROTOCOL_VERSION

__all__ = ["EnvelopeStream", "SerialisedBatch"]

Envelope = dict[str, Any]
SerialisedBatch = tuple[bytes, int, bool]
"""A serialised events array, how many envelopes it holds, and whether it is essential (static IRs and control
markers: a client's queue never drops it)."""

_exhaust: Callable[[Iterable[object]], None] = deque[object](maxlen=0).extend
"""Runs an iterator to its end in C (the `map`s that fill the envelope pool)."""


def _unexportable(value: Any) -> str:
    """orjson's fallback for a value no projection bounded: its repr, rather than a lost batch."""
    return repr(value)[:256]


def _dumps(envelopes: list[Envelope]) -> bytes:
    """The events array; a record orjson cannot encode even with `_unexportable` (a key that is not a string, a
    cycle) is sent with its meta replaced by what went wrong, marked `non_serializable`, and the rest go as they are:
    one bad record must cost neither its batch nor the stream."""
    try:
        return orjson.dumps(envelopes, default=_unexportable)
    except TypeError:
        return b"[" + b",".join(map(_dumps_one, envelopes)) + b"]"


def _dumps_one(envelope: Envelope) -> bytes:
    try:
        return orjson.dumps(envelope, default=_unexportable, option=orjson.OPT_NON_STR_KEYS)
    except TypeError as err:
        payload = {**envelope["payload"], "meta": f"not exportable as JSON: {err}"[:256],
                   "downgrade": {"reason": "non_serializable"}}
        return orjson.dumps({**envelope, "payload": payload}, default=_unexportable)


class EnvelopeStream:
    """Sequenced, serialised envelopes of one run."""

    def __init__(self, run_id: str, *, pending_limit: int, retain: int, batch_max_events: int = 512,
                 flush_every: int = 64) -> None:
        self.run_id = run_id
        self.queue: deque[dict[str, Any]] = deque()
        """Exported records not yet numbered: the hub appends, a flush pops (either thread, under the lock)."""
        self._queue_max = max(1, pending_limit)
        self._lock = threading.Lock()
        self._seq = 0
        self._batch_max = max(1, batch_max_events)
        self._pool: list[Envelope] = []
        """Envelopes reused by every flush (under the lock): only seq, timestamp and payload change."""
        self.ready: deque[SerialisedBatch] = deque()
        """Serialised batches not yet handed to the clients (the server thread takes them)."""
        self._retain = max(1, retain)
        self._retained: deque[tuple[int, int, bytes, bool]] = deque()  # (first seq, last seq, events json, essential)
        self._retained_count = 0
        self._static: list[tuple[int, Envelope]] = []
        self.flushes = 0
        """Flushes that sequenced something (the server thread flushes only when the application has stopped)."""
        self.hub_feed = Feed(self.queue, flush_every, self._on_full, self._announce, self._announce_with_graph)

    @property
    def last_seq(self) -> int:
        return self._seq

    # -- application thread (called by the hub) ---------------------------------------------------------------------

    def _on_full(self) -> None:
        # When the server thread holds the stream (flushing an idle stretch), the next record tries again; only a
        # queue at its bound waits for it.
        self.flush(blocking=len(self.queue) >= self._queue_max)

    def _announce(self, payload: dict[str, Any]) -> None:
        """A static IR (rare: one per mounted instance): sequenced after what is queued, kept for late
        subscribers."""
        self._sequence_now([("static-ir", payload)], payload.get("timestamp", time.time() * 1000.0))

    def _announce_with_graph(self, export: dict[str, Any], graph: dict[str, Any]) -> None:
        """A static IR and its dependency graph, in one batch (a client's queue counts batches), both kept for late
        subscribers."""
        self._sequence_now([("static-ir", export), (GRAPH_TYPE, graph)], time.time() * 1000.0)

    def _sequence_now(self, records: list[tuple[str, dict[str, Any]]], timestamp: float) -> None:
        """Envelopes numbered at once, after what is queued, as one batch (static IRs and control markers: rare)."""
        with self._lock:
            self._flush_locked()
            first = self._seq + 1
            envs = []
            for kind, payload in records:
                self._seq += 1
                env = {"protocolVersion": PROTOCOL_VERSION, "runId": self.run_id, "seq": self._seq,
                       "timestamp": timestamp, "type": kind, "payload": payload}
                if kind in ("static-ir", GRAPH_TYPE):
                    self._static.append((self._seq, env))
                envs.append(env)
            self._publish(_dumps(envs), first, len(envs), essential=True)

    # -- either thread ----------------------------------------------------------------------------------------------

    def flush(self, blocking: bool = True) -> bool:
        """Sequence and serialise what is queued into `ready`; False when another thread holds the stream."""
        if not self._lock.acquire(blocking):
            return False
        try:
            self._flush_locked()
        finally:
            self._lock.release()
        return True

    def _flush_locked(self) -> None:
        queue = self.queue
        n = len(queue)
        if not n:
            return
        self.flushes += 1
        records = list(starmap(queue.popleft, repeat((), n)))  # n pops in one C loop; the hub only appends
        step = self._batch_max
        for i in range(0, n, step):
            self._serialise(records[i : i + step] if n > step else records)

    def _serialise(self, records: list[dict[str, Any]]) -> None:
        count = len(records)
        pool = self._pool
        while len(pool) < count:
            pool.append({"protocolVersion": PROTOCOL_VERSION, "runId": self.run_id, "seq": 0, "timestamp": 0.0,
                         "type": "debug:event", "payload": None})
        envelopes = pool[:count]
        first = self._seq + 1
        _exhaust(map(setitem, envelopes, repeat("payload"), records))
        _exhaust(map(setitem, envelopes, repeat("seq"), range(first, first + count)))
        _exhaust(map(setitem, envelopes, repeat("timestamp"),
                     map(dict.get, records, repeat("timestamp"), repeat(0.0))))
        self._seq = first + count - 1
        self._publish(_dumps(envelopes), first, count)

    def _publish(self, data: bytes, first: int, count: int, essential: bool = False) -> None:
        self.ready.append((data, count, essential))
        self._retained.append((first, first + count - 1, data, essential))
        self._retained_count += count
        while self._retained_count - (self._retained[0][1] - self._retained[0][0] + 1) >= self._retain:
            old_first, old_last, _, _ = self._retained.popleft()
            self._retained_count -= old_last - old_first + 1

    def marker(self, payload: dict[str, Any]) -> None:
        """An `inspect:control` envelope (the observable effect of a control command), streamed in order."""
        self._sequence_now([("inspect:control", payload)], time.time() * 1000.0)

    def clear(self) -> None:
        """Forget the retained window (static IRs stay: later events still need them)."""
        with self._lock:
            self._flush_locked()
            self._retained.clear()
            self._retained_count = 0

    def replay(self, after_seq: int) -> tuple[list[SerialisedBatch], int]:
        """What a subscriber after `after_seq` gets first: serialised batches in seq order, and how many envelopes
        after that seq are no longer retained. Call it after handing `ready` to the existing clients."""
        with self._lock:
            self._flush_locked()
            first_kept = self._retained[0][0] if self._retained else self._seq + 1
            evicted_statics = [e for s, e in self._static if after_seq < s < first_kept]
            gone = max(0, first_kept - after_seq - 1) - len(evicted_statics)
            out: list[SerialisedBatch] = []
            if evicted_statics:
                out.append((orjson.dumps(evicted_statics), len(evicted_statics), True))
            for first, last, data, essential in self._retained:
                if last <= after_seq:
                    continue
                if first > after_seq:
                    out.append((data, last - first + 1, essential))
                else:  # the batch straddles after_seq: send only its tail
                    tail = [e for e in orjson.loads(data) if e["seq"] > after_seq]
                    out.append((orjson.dumps(tail), len(tail), essential))
            return out, max(0, gone)

    def error_envelope_seq(self) -> int:
        return max(1, self._seq)
